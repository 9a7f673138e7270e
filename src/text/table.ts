// Plain-text tables for command-line output: columns padded to their widest cell, two spaces apart; the
// last column is never padded, so a long message does not push trailing blanks onto every line.
export function textTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i < r.length - 1 ? (cell ?? '').padEnd(widths[i]) : cell ?? '')).join('  ').trimEnd()).join('\n');
}
