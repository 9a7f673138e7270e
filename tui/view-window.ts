// Virtualisation: which slice of a long list is on screen. Only that slice is rendered, so 10,000 VMs
// cost as much as one screenful.

export interface Window {
  start: number;
  end: number;
}

export function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n));
}

/** Moves the scroll offset as little as possible so `cursor` stays inside a window of `height` rows. */
export function scrollFor(cursor: number, scroll: number, height: number, total: number): number {
  if (total <= height) return 0;
  let s = scroll;
  if (cursor < s) s = cursor;
  if (cursor >= s + height) s = cursor - height + 1;
  return clamp(s, 0, total - height);
}

/**
 * The rows drawn. A list that grew room (a resize, a pane closed, a view shown again) never hides its first
 * rows behind blank ones at the bottom, and with `cursor` the cursor row is always drawn.
 */
export function windowOf(scroll: number, height: number, total: number, cursor?: number): Window {
  let start = clamp(scroll, 0, Math.max(0, total - Math.max(1, height)));
  if (cursor !== undefined && height > 0) start = clamp(start, Math.max(0, cursor - height + 1), Math.max(0, cursor));
  return { start, end: Math.min(total, start + Math.max(0, height)) };
}

/**
 * After the list changed under the cursor (a refresh, a re-sort): the cursor follows its row to
 * `newCursor`, and the row stays on the same screen line when it can.
 */
export function keepScreenLine(old: { cursor: number; scroll: number }, newCursor: number, height: number, total: number): { cursor: number; scroll: number } {
  const cursor = clamp(newCursor, 0, Math.max(0, total - 1));
  const line = old.cursor - old.scroll;
  const scroll = scrollFor(cursor, cursor - line, height, total);
  return { cursor, scroll };
}
