// Colours with a meaning, the same everywhere: VM and node states, operation and target states, tags.
import chalk from 'chalk';

/** `text` in a named colour (one of chalk's, as <Text color> takes them), for a string styled as a whole. */
export function paint(text: string, colour: string | undefined): string {
  return colour ? (chalk as unknown as Record<string, (s: string) => string>)[colour](text) : text;
}
const TAG_PALETTE = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'redBright', 'cyanBright', 'magentaBright', 'yellowBright', 'greenBright', 'blueBright'] as const;

/** A tag always gets the same colour, wherever it appears (a hash of its text picks it). */
export function tagColour(tag: string): (typeof TAG_PALETTE)[number] {
  let h = 2166136261;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 16777619) >>> 0;
  return TAG_PALETTE[h % TAG_PALETTE.length];
}

export const VM_STATUS_COLOUR: Record<string, string> = { running: 'green', stopped: 'gray', paused: 'yellow', suspended: 'yellow', unknown: 'red' };
export const NODE_STATUS_COLOUR: Record<string, string> = { online: 'green', offline: 'red', unknown: 'yellow' };

/** Operation, target, phase and job-run states. */
export const STATE_COLOUR: Record<string, string> = {
  planned: 'gray',
  pending: 'gray',
  skipped: 'gray',
  running: 'cyan',
  succeeded: 'green',
  partial: 'yellow',
  failed: 'red',
  cancelled: 'yellow',
  // The process died while it ran: it needs a look (resume or roll back), like a failure.
  interrupted: 'magenta',
  'rolled-back': 'blue',
  undone: 'blue',
  timeout: 'red',
  'skipped-overlap': 'yellow',
  missed: 'yellow',
};
