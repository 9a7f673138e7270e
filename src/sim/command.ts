// `moxxie sim`: run the simulated cluster standalone and print how to connect to it.
import { parseArgs } from 'node:util';
import { startSimulator } from './index.js';

const HELP = `moxxie sim [--port 8006] [--host 127.0.0.1] [--seed 1] [--nodes 4] [--vms 60] [--http]
           [--task-ms 2000] [--control] [--state FILE]

Runs a simulated Proxmox VE 8 cluster until interrupted. It binds to loopback unless --host says otherwise.
  --http      plain HTTP instead of HTTPS (tests only)
  --task-ms   how long each simulated task runs (default 2000)
  --control   enable the fault-injection endpoint at /_sim/faults (and /_sim/state)
  --state     persist the cluster's state in FILE between runs
`;

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      vms: { type: 'string' },
      http: { type: 'boolean' },
      'task-ms': { type: 'string' },
      control: { type: 'boolean' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sim = await startSimulator({
    port: intOption('port', values.port, 8006, 0, 65535),
    host: values.host ?? '127.0.0.1',
    seed: intOption('seed', values.seed, 1, 0, 2 ** 31),
    nodes: intOption('nodes', values.nodes, 4, 1, 64),
    vms: intOption('vms', values.vms, 60, 0, 20000),
    http: !!values.http,
    taskDurationMs: intOption('task-ms', values['task-ms'], 2000, 1, 3_600_000),
    controlEndpoint: !!values.control,
    statePath: values.state,
  });
  const c = sim.credentials;
  process.stdout.write(
    [
      `moxxie simulated PVE 8 cluster listening on ${sim.url}`,
      sim.fingerprint ? `fingerprint (SHA-256): ${sim.fingerprint}` : 'plain HTTP (no TLS)',
      `user:     ${c.username}   password: ${c.password}`,
      `token:    ${c.tokenId}   secret: ${c.tokenSecret}`,
      values.control ? `control:  ${sim.url}/_sim/faults (GET, POST JSON)` : '',
      '',
      `try:  PVE_URL=${sim.url} PVE_TOKEN_ID='${c.tokenId}' PVE_TOKEN_SECRET=${c.tokenSecret}${sim.fingerprint ? ` PVE_FINGERPRINT=${sim.fingerprint}` : ''} moxxie`,
      'press Ctrl+C to stop',
      '',
    ]
      .filter((l, i, a) => l !== '' || i === a.length - 1 || a[i - 1] !== '')
      .join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return 0;
}
