// Human formats for the TUI's columns.
export { bytes } from '../src/text/bytes.js';

/** Seconds as 3d4h, 5h12m, 7m30s. */
export function duration(seconds: number): string {
  if (!seconds || seconds < 0) return '-';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d}d${h}h`;
  if (h) return `${h}h${m}m`;
  return `${m}m${Math.floor(seconds % 60)}s`;
}

export function elapsed(ms: number): string {
  if (ms < 0) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return duration(Math.round(ms / 1000));
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;
}

/** Pads or cuts (with an ellipsis) to exactly `width` characters. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

/** A table cell: the text cut to leave one space before the next column, then padded. */
export function cell(text: string, width: number): string {
  return `${fit(text, width - 1)} `;
}

export function fitRight(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padStart(width);
}

/** Local date and time, 24h: 2026-11-28 23:04:05. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Local date without the year, and time: 11-28 23:04:05 (for lists where the year would crowd out the rest). */
export function shortClock(ms: number): string {
  return clock(ms).slice(5);
}

/** How long ago, short: 4s, 3m, 2h, 5d. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A usage bar such as `███▌░░░░░░` (eighths of a cell), for a fraction from 0 to 1. */
export function meter(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  return `${'█'.repeat(full)}${part ? ' ▏▎▍▌▋▊▉'[part] : ''}`.padEnd(width, '░');
}

/** Green, then yellow from 70 %, red from 90 %: how loaded a node is at a glance. */
export function loadColour(fraction: number): 'green' | 'yellow' | 'red' {
  return fraction >= 0.9 ? 'red' : fraction >= 0.7 ? 'yellow' : 'green';
}

/** Text broken into lines of at most `width` (at a space where one is near), at most `maxLines`, the last cut with … . */
export function wrapLines(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text.replace(/\s+/g, ' ').trim();
  while (rest && lines.length < maxLines) {
    if (rest.length <= width) {
      lines.push(rest);
      rest = '';
      break;
    }
    const space = rest.lastIndexOf(' ', width);
    const at = space > width / 2 ? space : width;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  if (rest && lines.length) lines[lines.length - 1] = fit(lines[lines.length - 1], Math.min(width, lines[lines.length - 1].length + 1)).replace(/.$/, '…');
  return lines;
}
