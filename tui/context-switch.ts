// `:ctx [NAME]`: lists the contexts, or opens another one (or reconnects to this one after a failed
// refresh) and hands the new session to the controller, which restarts its sync on it.
import { say, type TuiStore } from './store.js';
import type { TuiSession } from './sync.js';

/** Opens another context for `:ctx NAME`. */
export interface ContextSwitcher {
  names(): string[];
  open(name: string): Promise<TuiSession>;
}

export async function switchContext(store: TuiStore, switcher: ContextSwitcher | undefined, name: string | undefined, install: (next: TuiSession, text: string) => Promise<void>): Promise<void> {
  const s = store.getState();
  const names = switcher?.names() ?? [s.context.name];
  if (!name) return say(store, `context ${s.context.name}; others: ${names.filter((n) => n !== s.context.name).join(', ') || '(none configured)'} — :ctx NAME switches`);
  // The same context again reconnects, but only after a failed refresh (a restarted cluster, or the
  // demo's serving process gone); otherwise there is nothing to do.
  const reconnect = name === s.context.name;
  if (reconnect && !s.refreshError) return say(store, `already on context ${name}`);
  if (!switcher) return say(store, 'switching contexts is not available here', 'error');
  if (s.liveOps.some((o) => o.status === 'running')) return say(store, 'an operation is still running in this context; wait for it or cancel it (c) first', 'error');
  say(store, `${reconnect ? 'reconnecting' : 'connecting'} to ${name}…`);
  let next: TuiSession;
  try {
    next = await switcher.open(name);
  } catch (err) {
    return say(store, `context ${name}: ${(err as Error).message}`, 'error');
  }
  await install(next, `${reconnect ? 'reconnected to' : 'switched to'} context ${name}`);
}
