// `moxxie sim`: run the simulated cluster standalone and print how to connect to it.
import { parseFlags } from '../src/config/command-flags.js';
import { startSimulator, type SimOptions } from '../src/sim/index.js';
import { pveProfile } from '../src/sim/profile.js';

const HELP = `moxxie sim [--pve 9|8.4] [--port 8006] [--host 127.0.0.1] [--seed 1] [--nodes 4] [--vms 60] [--http]
           [--task-ms 2000] [--offline pve4] [--control] [--state FILE]

Runs a simulated Proxmox VE cluster until interrupted (Ctrl+C). It binds to loopback unless --host says
otherwise, and prints its URL, certificate fingerprint and credentials.
  --pve          the release it answers as and validates against: 9 (default, 9.1) or 8.4
  --http         plain HTTP instead of HTTPS (PVE itself only speaks HTTPS)
  --task-ms      how long each simulated task runs (default 2000)
  --offline      comma-separated nodes that start offline (their endpoints answer 595)
  --control      enable the control interface under /_sim/ (faults, true state)
  --state FILE   keep the cluster's state in FILE between runs
`;

export interface SimCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Resolves when the simulator should stop (SIGINT/SIGTERM by default). */
  stopped: Promise<unknown>;
}

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

function wantedProfile(raw: string | undefined): SimOptions['pve'] {
  try {
    return pveProfile(raw).name;
  } catch (err) {
    throw new Error(`--pve: ${(err as Error).message}`);
  }
}

/** Parses the command line into simulator options; throws naming the bad option. */
export function parseSimArgs(argv: string[]): { help: boolean; options: SimOptions } {
  const { values } = parseFlags({
    args: argv,
    options: {
      pve: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      vms: { type: 'string' },
      http: { type: 'boolean' },
      'task-ms': { type: 'string' },
      offline: { type: 'string' },
      control: { type: 'boolean' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const nodes = intOption('nodes', values.nodes, 4, 1, 64);
  const offline = values.offline ? values.offline.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  for (const n of offline ?? []) {
    const m = /^pve(\d+)$/.exec(n);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > nodes) throw new Error(`--offline: '${n}' is not a node of this cluster (pve1..pve${nodes})`);
  }
  return {
    help: !!values.help,
    options: {
      pve: wantedProfile(values.pve),
      port: intOption('port', values.port, 8006, 0, 65535),
      host: values.host ?? '127.0.0.1',
      seed: intOption('seed', values.seed, 1, 0, 2 ** 31),
      nodes,
      vms: intOption('vms', values.vms, 60, 0, 100_000),
      containers: true,
      http: !!values.http,
      taskDurationMs: intOption('task-ms', values['task-ms'], 2000, 1, 3_600_000),
      offlineNodes: offline,
      controlEndpoint: !!values.control,
      statePath: values.state,
    },
  };
}

/** Runs the simulator until `io.stopped` resolves; returns the exit code. */
export async function serve(argv: string[], io: SimCommandIo): Promise<number> {
  let parsed: ReturnType<typeof parseSimArgs>;
  try {
    parsed = parseSimArgs(argv);
  } catch (err) {
    io.err(`moxxie sim: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.help) {
    io.out(HELP);
    return 0;
  }
  const sim = await startSimulator(parsed.options);
  const c = sim.credentials;
  const lines = [
    `moxxie simulated Proxmox VE ${sim.pve === '9' ? '9.1' : sim.pve} cluster: ${parsed.options.nodes} nodes, ${parsed.options.vms} guests (seed ${parsed.options.seed})`,
    `url:          ${sim.url}`,
    sim.fingerprint ? `fingerprint:  ${sim.fingerprint}` : 'tls:          none (plain HTTP)',
    `user:         ${c.username}   password: ${c.password}`,
    `api token:    ${c.tokenId}   secret: ${c.tokenSecret}`,
  ];
  if (parsed.options.controlEndpoint) lines.push(`control:      ${sim.url}/_sim/faults  (GET, POST JSON; see /_sim/)`);
  if (parsed.options.statePath) lines.push(`state file:   ${parsed.options.statePath}`);
  lines.push('', `curl${sim.fingerprint ? ' -k' : ''} -H 'Authorization: PVEAPIToken=${c.tokenId}=${c.tokenSecret}' ${sim.url}/api2/json/version`, 'Press Ctrl+C to stop.', '');
  io.out(lines.join('\n'));
  await io.stopped;
  await sim.close();
  io.out('simulator stopped\n');
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return serve(argv, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), stopped });
}
