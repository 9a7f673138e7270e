// Virtualisation: which slice of a long list is on screen, keeping the cursor visible.

export interface Window {
  start: number;
  end: number;
}

/** Moves the scroll offset as little as possible so `cursor` stays inside a window of `height` rows. */
export function scrollFor(cursor: number, scroll: number, height: number, total: number): number {
  if (total <= height) return 0;
  let s = scroll;
  if (cursor < s) s = cursor;
  if (cursor >= s + height) s = cursor - height + 1;
  return Math.max(0, Math.min(s, total - height));
}

export function windowOf(scroll: number, height: number, total: number): Window {
  return { start: scroll, end: Math.min(total, scroll + height) };
}

export function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, n));
}
