// Byte counts as people read them: 5.4G, 512M, 16G.

/** `-` for nothing; one decimal below 10 of a unit, none above. */
export function bytes(n: number): string {
  if (!n || n <= 0) return '-';
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}
