// Simulator figures at 10,000 VMs on 32 nodes.
import { Agent, request } from 'undici';
import { startSimulator } from '../src/sim/index.js';

export async function run(): Promise<void> {
  // Warm the process-wide certificate so startup measures the cluster, not RSA key generation.
  await (await startSimulator({ vms: 1, nodes: 1 })).close();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const sim = await startSimulator({ vms: 10_000, nodes: 32 });
  const startup = performance.now() - t0;
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const headers = { authorization: `PVEAPIToken=${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` };
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const res = await request(`${sim.url}/api2/json/cluster/resources`, { headers, dispatcher: agent });
    const body = await res.body.text();
    times.push(performance.now() - t);
    bytes = Buffer.byteLength(body);
  }
  times.sort((a, b) => a - b);
  const rss = process.memoryUsage().rss;
  console.log(`sim 10k-vms startup ms: ${startup.toFixed(0)}`);
  console.log(`sim 10k-vms rss-mb: ${(rss / 2 ** 20).toFixed(0)} (process total; ${((rss - rssBefore) / 2 ** 20).toFixed(0)} added by the cluster)`);
  console.log(`sim cluster-resources 10k-vms ms: ${times[3].toFixed(1)} (median of 7; first call ${times.at(-1)!.toFixed(1)})`);
  console.log(`sim cluster-resources 10k-vms bytes: ${bytes}`);
  await agent.close();
  await sim.close();
}
