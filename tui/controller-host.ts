// What the controller's parts share: the store, and the session and sync of the current context (both
// replaced on `:ctx`, so the parts ask for them each time).
import type { Sync, TuiSession } from './sync.js';
import type { TuiStore } from './store.js';

export interface ControllerHost {
  readonly store: TuiStore;
  sync(): Sync;
  session(): TuiSession;
}
