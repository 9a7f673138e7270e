// Retention figure: the preview's marking over 10,000 backups (500 guests × 20 backups on two storages,
// one local per node, some protected, some past their TTL) under PVE's full keep-* rule set, periods in
// Europe/Vienna (so the zone conversion is paid), median of many runs. The PVE reads before it (listing
// backups) are the client's figures; this is what moxxie adds on top.
import type { BackupEntry } from '../src/ops/backup-list.js';
import { markPreview } from '../src/ops/retention/candidates.js';
import { LocalClock } from '../src/ops/retention/local-periods.js';
import { parseRetentionPolicy } from '../src/ops/retention/policy.js';

const GUESTS = 500;
const PER_GUEST = 20;
const RUNS = 51;
const POLICY = 'keep-last=3,keep-hourly=12,keep-daily=7,keep-weekly=4,keep-monthly=6,keep-yearly=2';

function backups(now: number): BackupEntry[] {
  const out: BackupEntry[] = [];
  const stamp = (t: number) => new Date(t * 1000).toISOString().slice(0, 19).replace(/-/g, '_').replace('T', '-').replace(/:/g, '_');
  for (let g = 0; g < GUESTS; g++) {
    const vmid = 1000 + g;
    const node = `pve${(g % 8) + 1}`;
    const shared = g % 2 === 0;
    const storage = shared ? 'backup-nfs' : 'local';
    for (let i = 0; i < PER_GUEST; i++) {
      // Spread over ~3 months: several a day recently, then daily, then weekly.
      const ago = i < 6 ? i * 4 * 3600 : i < 14 ? (i - 4) * 86400 : (i - 10) * 7 * 86400;
      const ctime = now - ago - (g % 60) * 60;
      const ttlDays = i % 9 === 8 ? 2 : undefined;
      out.push({
        volid: `${storage}:backup/vzdump-qemu-${vmid}-${stamp(ctime)}.vma.zst`,
        vmid,
        guestType: 'qemu',
        name: `guest-${vmid}`,
        node,
        storage,
        shared,
        size: 2 * 1024 ** 3,
        ctime,
        protected: i === 10,
        format: 'vma.zst',
        compression: 'zst',
        ...(ttlDays ? { ttlDays, expiresAt: (ctime + ttlDays * 86400) * 1000 } : {}),
      });
    }
  }
  return out;
}

export async function run(): Promise<void> {
  const now = Date.UTC(2026, 11, 5, 12);
  const list = backups(Math.floor(now / 1000));
  const policy = parseRetentionPolicy(POLICY);
  const times: number[] = [];
  let removed = 0;
  for (let i = 0; i < RUNS + 5; i++) {
    // A fresh clock per run: the zone offsets are looked up again, as in a fresh preview.
    const clocks = new Map<string, LocalClock>();
    const clockOf = (node: string) => clocks.get(node) ?? clocks.set(node, new LocalClock('Europe/Vienna')).get(node)!;
    const start = performance.now();
    const preview = markPreview(list, policy, now, clockOf);
    const ms = performance.now() - start;
    removed = preview.summary.remove;
    if (i >= 5) times.push(ms);
  }
  times.sort((a, b) => a - b);
  if (list.length !== GUESTS * PER_GUEST || removed === 0) throw new Error(`bench retention: expected ${GUESTS * PER_GUEST} backups with some to remove (got ${list.length}, ${removed})`);
  console.log(`retention-preview 10k-backups ms: ${times[Math.floor(times.length / 2)].toFixed(1)}`);
}
