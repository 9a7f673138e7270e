// Client figures: overhead over raw undici, and the task watcher's calls against one poll per task.
import { Agent, request } from 'undici';
import { PveClient } from '../src/pve/client.js';
import { postQemuSnapshot } from '../src/pve/endpoints/qemu.js';
import { startSimulator } from '../src/sim/index.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: 10_000, nodes: 32 });
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint } });
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const headers = { authorization: `PVEAPIToken=${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` };
  const rawTimes: number[] = [];
  const clientTimes: number[] = [];
  for (let i = 0; i < 11; i++) {
    // Both parse the JSON: that is what any caller must do with the answer.
    let t = performance.now();
    const res = await request(`${sim.url}/api2/json/cluster/resources`, { headers, dispatcher: agent });
    JSON.parse(await res.body.text());
    rawTimes.push(performance.now() - t);
    t = performance.now();
    await client.get('/cluster/resources');
    clientTimes.push(performance.now() - t);
  }
  console.log(`client cluster-resources/raw-undici: ${(median(clientTimes) / median(rawTimes)).toFixed(2)}`);
  // Details on stderr: stdout carries exactly the labelled figures.
  console.error(`  (client ${median(clientTimes).toFixed(1)} ms, raw undici ${median(rawTimes).toFixed(1)} ms; median of 11; 10,000 VMs, target <= 1.3)`);
  await client.close();
  await agent.close();
  await sim.close();

  // 500 tasks on 8 nodes, each running about 1 s, polled every 100 ms.
  const interval = 100;
  const watched = await followTasks(interval, 'watcher');
  const perTask = await followTasks(interval, 'per-task');
  console.log(`task-watch calls/per-task-polling: ${(watched / perTask).toFixed(3)}`);
  console.error(`  (watcher ${watched} calls, one poll per task ${perTask} calls; 500 tasks of ~1 s on 8 nodes, polled every ${interval} ms; target <= 0.1)`);
}

async function followTasks(intervalMs: number, mode: 'watcher' | 'per-task'): Promise<number> {
  const sim = await startSimulator({ vms: 520, nodes: 8, taskDurationMs: 1000 });
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: intervalMs, maxConnections: 32 });
  const vms = (await client.get<Array<{ vmid: number; node: string; type: string; template: number }>>('/cluster/resources', { type: 'vm' })).filter((v) => v.type === 'qemu' && !v.template).slice(0, 500);
  const upids = await Promise.all(vms.map((v) => postQemuSnapshot(client, v.node, v.vmid, { snapname: 'bench' })));
  sim.stats.reset();
  if (mode === 'watcher') {
    await Promise.all(upids.map((u) => client.waitForTask(u)));
  } else {
    await Promise.all(
      upids.map(async (u) => {
        const node = u.split(':')[1];
        for (;;) {
          const s = await client.get<{ status: string }>(`/nodes/${node}/tasks/${encodeURIComponent(u)}/status`);
          if (s.status === 'stopped') return;
          await new Promise((r) => setTimeout(r, intervalMs));
        }
      }),
    );
  }
  const calls = sim.stats.requests;
  await client.close();
  await sim.close();
  return calls;
}
