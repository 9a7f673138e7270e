// "8200,8201" and ranges "8200-8209" → a list of vmids; bad tokens are errors naming the token.

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

const MAX_RANGE = 100_000;

export function parseVmIds(value: string, field = 'VM_IDS'): number[] {
  const ids = new Set<number>();
  const tokens = value.split(/[,\s]+/).filter(Boolean);
  if (!tokens.length) throw new SelectorError(`${field}: no ids given; use e.g. "8200,8201" or "8200-8209"`);
  for (const token of tokens) {
    const range = /^(\d+)-(\d+)$/.exec(token);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from > to) throw new SelectorError(`${field}: range '${token}' runs backwards; write ${to}-${from}`);
      if (to - from > MAX_RANGE) throw new SelectorError(`${field}: range '${token}' spans more than ${MAX_RANGE} ids`);
      for (let id = from; id <= to; id++) ids.add(id);
    } else if (/^\d+$/.test(token)) {
      ids.add(Number(token));
    } else {
      throw new SelectorError(`${field}: '${token}' is not a VM id or range (valid: 8200, 8200-8209, comma-separated)`);
    }
  }
  for (const id of ids) if (id < 100 || id > 999_999_999) throw new SelectorError(`${field}: ${id} is outside PVE's VM id range 100..999999999`);
  return [...ids].sort((a, b) => a - b);
}
