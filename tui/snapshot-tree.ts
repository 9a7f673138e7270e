// A VM's snapshots as a tree by `parent`, as PVE's GUI shows them: oldest child first, each row with the
// branch lines that lead to it. PVE chains every snapshot to the one taken before it, so a plain list
// would hide which snapshots a rollback leaves on the other branch.
import type { SnapshotInfo } from '../src/core.js';

export interface SnapshotRow extends SnapshotInfo {
  /** Branch lines drawn before the name ('' for a root), e.g. '│ ├ '. */
  branch: string;
  /** The "NOW" row: where the VM is, under the snapshot it was last taken from or rolled back to. */
  now?: boolean;
}

export const NOW_NAME = 'NOW';

/**
 * With `current` (the snapshot the VM's state descends from, '' before the first snapshot) a "NOW" row is
 * drawn under it, as PVE's GUI does; without it, the snapshots alone.
 */
export function snapshotTree(given: SnapshotInfo[], current?: string | null): SnapshotRow[] {
  const nowRow: SnapshotInfo = { name: NOW_NAME, description: 'You are here', vmstate: false, moxxieMade: false, parent: current || undefined, snaptime: Number.MAX_SAFE_INTEGER };
  const snapshots = current === null || current === undefined ? given : [...given, nowRow];
  const names = new Set(snapshots.map((s) => s.name));
  const children = new Map<string | undefined, SnapshotInfo[]>();
  for (const s of snapshots) {
    // A parent PVE no longer lists (deleted) makes its child a root.
    const parent = s.parent && names.has(s.parent) ? s.parent : undefined;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0) || a.name.localeCompare(b.name));

  const rows: SnapshotRow[] = [];
  const seen = new Set<string>();
  // PVE chains each snapshot to the one before it, so a plain chain of N would be indented N deep and push
  // long names off an 80-column screen: an only child continues its parent's line at the same indent (no
  // branch mark), and only a fork (a rollback and a new snapshot, or several roots) indents its branches.
  const walk = (parent: string | undefined, guides: string) => {
    const list = children.get(parent) ?? [];
    const fork = list.length > 1;
    list.forEach((s, i) => {
      // A parent cycle cannot come from PVE, but a bad answer must not hang the TUI.
      if (seen.has(s.name)) return;
      seen.add(s.name);
      const last = i === list.length - 1;
      rows.push({ ...s, branch: fork ? `${guides}${last ? '└ ' : '├ '}` : guides, ...(s === nowRow ? { now: true, snaptime: undefined } : {}) });
      walk(s.name, fork ? `${guides}${last ? '  ' : '│ '}` : guides);
    });
  };
  walk(undefined, '');
  // Anything left over sat on a cycle: list it flat rather than drop it.
  for (const s of snapshots) if (!seen.has(s.name)) rows.push({ ...s, branch: '', ...(s === nowRow ? { now: true, snaptime: undefined } : {}) });
  return rows;
}
