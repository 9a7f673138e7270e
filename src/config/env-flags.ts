// What opening a context reads from the environment before (or instead of) the config file: the built-in
// demo's name and boolean variables. Apart from contexts.ts, whose config schema (zod) the demo does without.
import type { Env } from './paths.js';
import { ConfigError } from './secrets.js';

export const DEMO_CONTEXT = 'demo';

/** A boolean environment variable: 1/0, true/false, yes/no, on/off; anything else is refused by name. */
export function envFlag(env: Env, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (or true/false, yes/no, on/off); got '${v.slice(0, 20)}'`);
}
