// The README's key and command tables, generated from the keymap and the command list.
import { COMMANDS } from './command-line.js';
import { isDestructive } from '../src/ops/capabilities/index.js';
import { helpSections, keyIsDestructive, keysLabel } from './keymap.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function keyTableMarkdown(): string {
  const out: string[] = ['Keys marked † change the cluster and are hidden (not shown, not dispatched) in read-only contexts; ‡ marks destructive ones, which ask for the number of VMs to be typed.', ''];
  for (const section of helpSections(false)) {
    out.push(`**${section.title}**`, '', '| Key | Action |', '| --- | --- |');
    for (const b of section.bindings) out.push(`| ${cell(keysLabel(b).replace(/ \/ /g, ', ').split(', ').map((k) => `\`${k}\``).join(', '))} | ${cell(b.description)}${keyIsDestructive(b, isDestructive) ? ' ‡' : b.mutating ? ' †' : ''} |`);
    out.push('');
  }
  out.push('**Commands** (`:` then Enter; Tab completes)', '', '| Command | What it does |', '| --- | --- |');
  for (const c of COMMANDS) out.push(`| \`${cell(c.usage)}\` | ${cell(c.description)} |`);
  return `${out.join('\n')}\n`;
}
