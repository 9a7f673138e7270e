import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

const dir = mkdtempSync(join(tmpdir(), 'moxxie-sim-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('statePath persistence', () => {
  it('keeps VMs, snapshots, backups and pools across restarts, but no task locks', async () => {
    const statePath = join(dir, 'demo', 'sim-state.json');
    const first = await startSimulator({ vms: 30, taskDurationMs: 20, statePath, http: true });
    const a = api(first);
    try {
      await a.data(a.put('/nodes/pve1/qemu/8200/config', { description: 'remembered' }));
      await waitTask(first, await a.data<string>(a.post('/nodes/pve1/qemu/8200/snapshot', { snapname: 'kept' })));
      await waitTask(first, await a.data<string>(a.post('/nodes/pve1/vzdump', { vmid: '8200', storage: 'backup-nfs', 'notes-template': 'kept backup' })));
      await a.data(a.post('/pools', { poolid: 'persisted' }));
      // A task still running at shutdown leaves no lock behind: workers die with the process.
      first.faults.set({ taskDurationMs: 60_000 });
      await a.data(a.post('/nodes/pve2/qemu/8201/snapshot', { snapname: 'interrupted' }));
      expect(first.state.vm(8201)!.lock).toBe('snapshot');
    } finally {
      await first.close();
    }
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toHaveProperty('vms');

    const second = await startSimulator({ vms: 30, taskDurationMs: 20, statePath, http: true });
    try {
      expect(second.state.vm(8200)!.config.description).toBe('remembered');
      expect(second.state.vm(8200)!.snapshots.some((s) => s.name === 'kept')).toBe(true);
      expect(second.state.storageContent('backup-nfs').some((v) => v.vmid === 8200 && v.notes === 'kept backup')).toBe(true);
      expect(second.state.vm(8201)!.lock).toBeUndefined();
      expect(second.state.vm(8201)!.snapshots.some((s) => s.name === 'interrupted')).toBe(false);
      expect(second.state.snapshot().pools.map((p) => p.poolid)).toContain('persisted');
    } finally {
      await second.close();
    }
  });

  it('keeps the HTTPS certificate beside the state, so a pinned fingerprint stays valid', async () => {
    const statePath = join(dir, 'tls', 'sim-state.json');
    const first = await startSimulator({ vms: 0, statePath });
    await first.close();
    const second = await startSimulator({ vms: 0, statePath });
    await second.close();
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(first.fingerprint).not.toBe('');
  });

  it('starts from the generated cluster when the file is missing or unreadable', async () => {
    const broken = join(dir, 'broken', 'state.json');
    mkdirSync(join(dir, 'broken'), { recursive: true });
    writeFileSync(broken, '{ not json');
    for (const statePath of [join(dir, 'missing', 'state.json'), broken]) {
      const sim = await startSimulator({ vms: 10, http: true, statePath });
      try {
        expect(sim.state.vms()).toHaveLength(10);
      } finally {
        await sim.close();
      }
    }
  });
});
