// Where moxxie keeps its configuration and state (XDG base directories, overridable for tests).
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

export function configFile(env: Env = process.env): string {
  if (env.MOXXIE_CONFIG) return env.MOXXIE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'moxxie', 'config.json');
}

export function stateRoot(env: Env = process.env): string {
  if (env.MOXXIE_STATE_DIR) return env.MOXXIE_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'moxxie');
}

/** One directory per context: its history store, and for the demo the simulated cluster's state. */
export function contextStateDir(contextName: string, env: Env = process.env): string {
  return join(stateRoot(env), contextName.replace(/[^A-Za-z0-9._-]/g, '_'));
}
