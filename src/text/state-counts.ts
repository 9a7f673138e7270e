// "2 succeeded, 1 failed": how many items are in each state, in the order the states first appear.

export function stateCountsText(items: ReadonlyArray<{ state: string }>, empty = 'no VMs'): string {
  const counts = new Map<string, number>();
  for (const { state } of items) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ') || empty;
}
