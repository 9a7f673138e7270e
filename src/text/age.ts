// Ages as people read them: 2d 4h, 3h 12m, 5m.

/** `seconds` as the two largest units (days and hours, hours and minutes, or minutes). */
export function ageText(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
}
