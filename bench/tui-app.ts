// What the TUI bench's measuring child loads (scripts/bundle.mjs bundles it as dist/bundle/bench-tui-app.js):
// the TUI and the core as `moxxie` runs them, from the bundle.
export { render } from 'ink';
export { createElement } from 'react';
export { PveClient } from '../src/pve/client.js';
export { createCore } from '../src/ops/core.js';
export { App } from '../tui/App.js';
export { TuiController } from '../tui/controller.js';
export { createTuiStore } from '../tui/store.js';
