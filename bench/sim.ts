// Simulator figures at 10,000 VMs on 32 nodes: cold start (schema, certificate, inventory, listening),
// memory, and GET /cluster/resources over HTTPS with the cluster changing before every call (no cached answer).
import { Agent, request } from 'undici';
import { startSimulator } from '../src/sim/index.js';

const CALLS = 7;

export async function run(): Promise<void> {
  const t0 = performance.now();
  const sim = await startSimulator({ vms: 10_000, nodes: 32 });
  const startup = performance.now() - t0;
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const headers = { authorization: `PVEAPIToken=${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` };
  const times: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < CALLS; i++) {
      // A config change invalidates the cached answer, so every call rebuilds it as under live tasks.
      const put = await request(`${sim.url}/api2/json/nodes/pve1/qemu/8200/config`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: `description=bench-${i}`,
        dispatcher: agent,
      });
      await put.body.text();
      const t = performance.now();
      const res = await request(`${sim.url}/api2/json/cluster/resources`, { headers, dispatcher: agent });
      const body = await res.body.text();
      times.push(performance.now() - t);
      bytes = Buffer.byteLength(body);
    }
  } finally {
    await agent.close();
  }
  times.sort((a, b) => a - b);
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  console.log(`sim 10k-vms startup ms: ${Math.round(startup)}`);
  console.log(`sim 10k-vms rss-mb: ${Math.round(rssMb)}`);
  console.log(`sim cluster-resources 10k-vms ms: ${times[Math.floor(CALLS / 2)].toFixed(1)}`);
  console.log(`sim cluster-resources 10k-vms bytes: ${bytes}`);
  await sim.close();
}
