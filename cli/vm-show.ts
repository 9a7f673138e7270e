// `moxxie vm show VMID`: one VM or container in detail, as the TUI's detail and MCP's get_vm show it: what it
// is (qemu or lxc), where and how it runs, its PVE configuration, its snapshots (TTL, made by moxxie) and its
// recent PVE tasks. A read: nothing is changed.
import { createCore } from '../src/ops/core.js';
import { RequestError } from '../src/ops/errors.js';
import { textTable } from '../src/text/table.js';
import { formatTime } from '../src/text/time.js';
import { vmidCommandArgs } from './vmid-command-args.js';
import { withContext } from './with-context.js';

const HELP = `moxxie vm show VMID [--json] [--context NAME | --demo]

One VM or container (lxc) in detail: its type, node, state, PVE configuration, snapshots (with TTLs; ◆ made
by moxxie) and its ten newest PVE tasks. Nothing is changed. Exit status: 0 shown, 1 the cluster could not
be read, 2 bad arguments or no such guest.
`;

/** Config keys whose values PVE keeps secret or that are noise in a listing. */
const HIDDEN = new Set(['digest']);

export async function run(argv: string[], words = 'vm show'): Promise<number> {
  const args = vmidCommandArgs(argv, { words, help: HELP, noun: 'VM or container id', options: {} });
  if (typeof args === 'number') return args;
  const { values, vmid } = args;
  return withContext(words, values, async (context) => {
    const core = createCore({ context: context.info, client: context.client, frontEnd: 'cli' });
    try {
      const inv = await core.inventory();
      const vm = inv.vms.find((v) => v.vmid === vmid);
      if (!vm) throw new RequestError('vmid', `no VM or container ${vmid} in this cluster ('moxxie vms' lists them)`);
      const [config, snapshots, tasks] = await Promise.all([core.getVmConfig(vm), core.listSnapshots(vm), core.listTasks({ limit: 500 })]);
      const recent = tasks.filter((t) => t.id === String(vmid)).slice(0, 10);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ vm, config, snapshots, recentTasks: recent }, null, 2)}\n`);
        return 0;
      }
      const kind = vm.type === 'lxc' ? 'container (lxc)' : 'VM (qemu)';
      const lines = [
        `${vm.vmid} ${vm.name}: ${kind} on ${vm.node}, ${vm.status}${vm.template ? ', template' : ''}${vm.lock ? `, locked (${vm.lock})` : ''}`,
        `tags: ${vm.tags.join(', ') || '(none)'}`,
        '',
        'CONFIG',
        ...Object.keys(config)
          .filter((k) => !HIDDEN.has(k))
          .sort()
          .map((k) => `  ${k}: ${String(config[k]).replace(/\n/g, ' ⏎ ')}`),
        '',
        snapshots.length
          ? textTable(
              ['SNAPSHOT', 'TAKEN', 'RAM', 'EXPIRES', 'DESCRIPTION'],
              snapshots.map((s) => [`${s.name}${s.moxxieMade ? ' ◆' : ''}`, s.snaptime ? formatTime(s.snaptime * 1000) : '-', s.vmstate ? 'yes' : '', s.expiresAt ? formatTime(s.expiresAt * 1000) : '', s.description.replace(/\s+/g, ' ')]),
            )
          : 'no snapshots',
        '',
        recent.length ? textTable(['TASK', 'STATUS', 'STARTED', 'UPID'], recent.map((t) => [t.type, t.status ?? 'running', formatTime(t.starttime * 1000), t.upid])) : 'no recent tasks',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      await core.close();
    }
  });
}
