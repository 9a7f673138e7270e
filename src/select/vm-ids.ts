// VM id lists: "8200,8201", ranges "8200-8209", whitespace tolerated ("8200 - 8209, 8300").
import { SelectorError } from './selector-error.js';

/** PVE's VM id bounds. */
export const MIN_VMID = 100;
export const MAX_VMID = 999_999_999;
/** A guard against `1-999999999` expanding into a billion ids. */
export const MAX_RANGE_SIZE = 100_000;

const EXAMPLE = 'e.g. "8200,8201" or "8200-8209"';

/** Parses ids and ranges into sorted, unique vmids; a bad token is an error that names it. */
export function parseVmIds(value: string, field = 'VM_IDS'): number[] {
  const ids = new Set<number>();
  const tokens = String(value)
    .replace(/\s*-\s*/g, '-')
    .split(/[\s,]+/)
    .filter(Boolean);
  if (!tokens.length) throw new SelectorError(`${field}: no ids given; use ${EXAMPLE}`, { field });
  for (const token of tokens) {
    const range = /^(\d+)-(\d+)$/.exec(token);
    if (range) {
      const from = checkId(Number(range[1]), token, field);
      const to = checkId(Number(range[2]), token, field);
      if (from > to) throw new SelectorError(`${field}: range '${token}' runs backwards; write ${to}-${from}`, { field });
      if (to - from + 1 > MAX_RANGE_SIZE) throw new SelectorError(`${field}: range '${token}' spans more than ${MAX_RANGE_SIZE} ids; narrow it`, { field });
      for (let id = from; id <= to; id++) ids.add(id);
    } else if (/^\d+$/.test(token)) {
      ids.add(checkId(Number(token), token, field));
    } else {
      throw new SelectorError(`${field}: '${token}' is not a VM id or range; use ${EXAMPLE}`, { field });
    }
  }
  return [...ids].sort((a, b) => a - b);
}

function checkId(id: number, token: string, field: string): number {
  if (!Number.isSafeInteger(id) || id < MIN_VMID || id > MAX_VMID) {
    throw new SelectorError(`${field}: '${token}' is outside PVE's VM id range ${MIN_VMID}..${MAX_VMID}`, { field });
  }
  return id;
}

/** Sorted ids back into the compact form: [8200,8201,8202,8300] → "8200-8202,8300". */
export function formatVmIds(ids: readonly number[]): string {
  return idRuns(ids)
    .map(([a, b]) => (a === b ? String(a) : `${a}-${b}`))
    .join(',');
}

/** Consecutive runs of sorted ids, as [first, last] pairs. */
export function idRuns(ids: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const id of ids) {
    const last = runs[runs.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else runs.push([id, id]);
  }
  return runs;
}
