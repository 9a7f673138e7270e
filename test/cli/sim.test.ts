import { describe, expect, it } from 'vitest';
import { parseSimArgs, serve } from '../../cli/sim.js';

function io() {
  let out = '';
  let err = '';
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  return { io: { out: (t: string) => (out += t), err: (t: string) => (err += t), stopped }, stop, out: () => out, err: () => err };
}

describe('moxxie sim', () => {
  it('defaults to loopback port 8006, seed 1, 4 nodes, 60 VMs, HTTPS', () => {
    expect(parseSimArgs([]).options).toMatchObject({ port: 8006, host: '127.0.0.1', seed: 1, nodes: 4, vms: 60, http: false, controlEndpoint: false });
    expect(parseSimArgs(['--port', '0', '--nodes', '2', '--vms', '5', '--http', '--offline', 'pve2']).options).toMatchObject({ port: 0, nodes: 2, vms: 5, http: true, offlineNodes: ['pve2'] });
  });

  it('prints URL, fingerprint and credentials, serves the API until stopped', async () => {
    const t = io();
    const done = serve(['--port', '0', '--vms', '5', '--nodes', '2'], t.io);
    for (let i = 0; i < 200 && !t.out().includes('Press Ctrl+C'); i++) await new Promise((r) => setTimeout(r, 10));
    const text = t.out();
    const url = /url:\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(text)![1];
    expect(text).toMatch(/fingerprint:\s+([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(text).toContain('user:         root@pam   password: moxxie');
    const secret = /api token:\s+root@pam!moxxie\s+secret: ([0-9a-f-]{36})/.exec(text)![1];
    const res = await fetch(`${url.replace('https', 'http')}/api2/json/version`).catch((e: unknown) => e);
    expect(res).toBeInstanceOf(Error); // it speaks TLS only
    t.stop();
    expect(await done).toBe(0);
    expect(t.out()).toContain('simulator stopped');
    expect(secret).toMatch(/^[0-9a-f]{8}-/);
  });

  it('serves plain HTTP with --http, answering with the printed token', async () => {
    const t = io();
    const done = serve(['--port', '0', '--vms', '3', '--http'], t.io);
    for (let i = 0; i < 200 && !t.out().includes('Press Ctrl+C'); i++) await new Promise((r) => setTimeout(r, 10));
    const url = /url:\s+(http:\/\/\S+)/.exec(t.out())![1];
    const secret = /secret: (\S+)/.exec(t.out())![1];
    const res = await fetch(`${url}/api2/json/cluster/resources?type=vm`, { headers: { authorization: `PVEAPIToken=root@pam!moxxie=${secret}` } });
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(3);
    t.stop();
    await done;
  });

  it('refuses bad options with exit code 2, naming the option', async () => {
    for (const [argv, msg] of [
      [['--nodes', 'many'], /--nodes must be an integer from 1 to 64, got 'many'/],
      [['--offline', 'pve9'], /--offline: 'pve9' is not a node of this cluster \(pve1..pve4\)/],
      [['--bogus'], /unknown option '--bogus' \(valid: /],
    ] as const) {
      const t = io();
      expect(await serve([...argv], t.io)).toBe(2);
      expect(t.err()).toMatch(msg);
    }
  });
});
