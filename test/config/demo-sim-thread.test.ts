// The demo's simulator thread (src/config/demo-sim-thread.ts) as built: the compiled worker sits beside
// the compiled module, so this runs the worker path `moxxie --demo` runs. It must answer like the
// simulator, save the cluster's state when closed, and pass a start failure on with its message.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { PveClient } from '../../src/pve/client.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const built = join(dirname(fileURLToPath(import.meta.url)), '../../dist/src/config/demo-sim-thread.js');
type ThreadModule = typeof import('../../src/config/demo-sim-thread.js');
const { startDemoSimulator } = (await import(built)) as ThreadModule;

const clients: PveClient[] = [];
afterAll(async () => {
  for (const c of clients) await c.close();
});

it('serves the demo cluster from a worker and saves its state when closed', async () => {
  expect(existsSync(join(dirname(built), 'demo-sim-worker.js'))).toBe(true);
  const statePath = join(tempDir('demo-thread'), 'sim-state.json');
  const sim = await startDemoSimulator({ pve: '9', nodes: 2, vms: 6, seed: 3, taskDurationMs: 50, statePath });
  const client = new PveClient({ url: sim.url, auth: sim.credentials, tls: { fingerprint: sim.fingerprint } });
  clients.push(client);
  const version = await client.get<{ release: string }>('/version');
  expect(version.release).toBe('9.1');
  const guests = (await client.get<Array<{ vmid?: number; node: string; type: string }>>('/cluster/resources', { type: 'vm' })).filter((r) => r.type === 'qemu');
  expect(guests).toHaveLength(6);
  // A change made over the API is in the state file once the thread has closed.
  await client.put(`/nodes/${guests[0].node}/qemu/${guests[0].vmid}/config`, { description: 'saved by the worker' });
  await sim.close();
  expect(readFileSync(statePath, 'utf8')).toContain('saved by the worker');
  await expect(client.get('/version')).rejects.toThrow();
});

it('rejects with the simulator’s own message when it cannot start', async () => {
  await expect(startDemoSimulator({ pve: '7' as '9', statePath: join(tempDir('demo-thread-bad'), 's.json') })).rejects.toThrow(/7/);
});
