// `--pve 9|8.4` beside --demo on any command: which PVE release the demo cluster answers as. Taken off the
// command line before the command parses it and handed on as MOXXIE_DEMO_PVE, which openContext reads.
import { pveProfile } from '../sim/profile.js';
import type { Env } from './paths.js';

/** The arguments without `--pve X` / `--pve=X`; throws naming the valid releases for a bad one. */
export function takeDemoRelease(argv: string[], env: Env): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const inline = /^--pve=(.*)$/.exec(a);
    if (a !== '--pve' && !inline) {
      out.push(a);
      continue;
    }
    const value = inline ? inline[1] : argv[++i];
    if (value === undefined) throw new Error('--pve needs a release: 9 or 8.4');
    env.MOXXIE_DEMO_PVE = pveProfile(value).name;
  }
  return out;
}
