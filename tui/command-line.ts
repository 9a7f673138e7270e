// The `:` command line: parsing and Tab completion, as pure functions.
import { MAIN_VIEWS, type ViewName } from './store.js';
import { isSortKey, SORT_KEYS, type SortKey } from './vm-order.js';
import type { RetentionQuery } from '../src/ops/retention/candidates.js';
import { parseRetentionArgs, RETENTION_USAGE } from './retention-command.js';

export type Command =
  | { kind: 'view'; view: ViewName }
  | { kind: 'vms'; selector?: string }
  | { kind: 'mark'; selector: string }
  | { kind: 'runs'; job?: string }
  | { kind: 'retention'; query: RetentionQuery }
  | { kind: 'backups'; vmid?: number }
  | { kind: 'ctx'; name?: string }
  | { kind: 'sort'; key: SortKey; descending?: boolean }
  | { kind: 'provision'; path: string }
  | { kind: 'ct' }
  | { kind: 'help' }
  | { kind: 'quit' };

export interface CommandDoc {
  usage: string;
  description: string;
}

/** Every command, for the help screen, completion and the README. */
export const COMMANDS: CommandDoc[] = [
  { usage: ':vms [SELECTOR]', description: 'the VM list; with a selector, only the VMs it matches (Esc clears)' },
  { usage: ':mark SELECTOR', description: 'mark the VMs a selector matches' },
  { usage: ':nodes', description: 'nodes: status, CPU, memory, guests' },
  { usage: ':tasks', description: "the cluster's recent PVE tasks" },
  { usage: ':ops', description: "this session's operations, live" },
  { usage: ':history', description: 'past operations of every front end, with per-VM outcomes' },
  { usage: ':jobs', description: 'scheduler jobs: next fire, last result' },
  { usage: ':runs [JOB]', description: "a job's runs with per-VM outcomes" },
  { usage: RETENTION_USAGE, description: 'backup retention preview: keep / remove / protected with the deciding rule; D prunes' },
  { usage: ':storage', description: 'what the storages hold: template base disks, images, ISOs, container templates, import volumes; w downloads' },
  { usage: ':backups [VMID]', description: 'backups cluster-wide (or of one VM): size, age, protected, TTL' },
  { usage: ':sort id|name|node|status|cpu|mem [asc|desc]', description: 'sort the VM list' },
  { usage: ':ctx [NAME]', description: 'switch to another context (no name: list them)' },
  { usage: ':provision FILE|OPERATION-ID', description: 'plan a cluster from a spec file (YAML or JSON): placement table and VM rows, P provisions it; or follow a provisioning operation (progress per VM, c cancel, r resume, R roll back)' },
  { usage: ':ct', description: 'create a container from a template: a form (node, hostname, template, disk, NIC); plan first' },
  { usage: ':help', description: 'keys and commands' },
  { usage: ':q', description: 'quit' },
];

const ALIASES: Record<string, string> = {
  vm: 'vms',
  vms: 'vms',
  mark: 'mark',
  node: 'nodes',
  nodes: 'nodes',
  task: 'tasks',
  tasks: 'tasks',
  op: 'ops',
  ops: 'ops',
  operations: 'ops',
  hist: 'history',
  history: 'history',
  job: 'jobs',
  jobs: 'jobs',
  runs: 'runs',
  retention: 'retention',
  storage: 'storage',
  storages: 'storage',
  backup: 'backups',
  backups: 'backups',
  sort: 'sort',
  ctx: 'ctx',
  context: 'ctx',
  provision: 'provision',
  prov: 'provision',
  ct: 'ct',
  container: 'ct',
  help: 'help',
  q: 'quit',
  quit: 'quit',
};

const NAMES = ['vms', 'mark', 'nodes', 'tasks', 'ops', 'history', 'jobs', 'runs', 'backups', 'retention', 'storage', 'sort', 'ctx', 'provision', 'ct', 'help', 'quit'];

export function parseCommand(text: string): Command | { error: string } {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  const word = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : trimmed.slice(space + 1).trim();
  const name = ALIASES[word];
  if (!name) return { error: `unknown command ':${word}'; valid: ${NAMES.map((n) => `:${n}`).join(' ')}` };
  switch (name) {
    case 'vms':
      return rest ? { kind: 'vms', selector: rest } : { kind: 'vms' };
    case 'mark':
      return rest ? { kind: 'mark', selector: rest } : { error: ':mark needs a selector, e.g. :mark tag:env-dev node:pve2' };
    case 'runs':
      return rest ? { kind: 'runs', job: rest } : { kind: 'runs' };
    case 'ctx':
      return rest ? { kind: 'ctx', name: rest } : { kind: 'ctx' };
    case 'retention': {
      const query = parseRetentionArgs(rest);
      return 'error' in query ? query : { kind: 'retention', query };
    }
    case 'backups': {
      if (!rest) return { kind: 'backups' };
      const vmid = Number(rest);
      return Number.isInteger(vmid) && vmid >= 100 ? { kind: 'backups', vmid } : { error: `:backups takes a VM id (e.g. :backups 8200), not '${rest}'` };
    }
    case 'sort': {
      const [key, order] = rest.toLowerCase().split(/\s+/);
      const k = key === 'id' ? 'vmid' : key;
      if (!k || !isSortKey(k)) return { error: `:sort needs a column: ${SORT_KEYS.map((x) => (x === 'vmid' ? 'id' : x)).join(', ')}` };
      if (order && order !== 'asc' && order !== 'desc') return { error: `:sort order must be asc or desc, not '${order}'` };
      return order ? { kind: 'sort', key: k, descending: order === 'desc' } : { kind: 'sort', key: k };
    }
    case 'provision':
      return rest ? { kind: 'provision', path: rest } : { error: ':provision needs a spec file (e.g. :provision talos.yaml) or a provisioning operation id' };
    case 'ct':
      return rest ? { error: ':ct takes no argument: its form asks for the rest' } : { kind: 'ct' };
    case 'help':
      return { kind: 'help' };
    case 'quit':
      return { kind: 'quit' };
    default:
      if (rest) return { error: `:${name} takes no argument` };
      return MAIN_VIEWS.includes(name as ViewName) ? { kind: 'view', view: name as ViewName } : { error: `unknown command ':${word}'` };
  }
}

export interface CompletionSources {
  contexts: string[];
  tags: string[];
  nodes: string[];
  jobs: string[];
}

const SELECTOR_KEYS = ['tag:', 'name:', 'id:', 'node:', 'status:', 'type:', 'template:', 'pool:', 'all'];
const STATUS_VALUES = ['running', 'stopped', 'paused', 'suspended', 'unknown'];

function commonPrefix(words: string[]): string {
  if (!words.length) return '';
  let p = words[0];
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** Completes the last word of a command line; returns the line unchanged when nothing fits. */
export function completeCommand(text: string, src: CompletionSources): string {
  const firstSpace = text.indexOf(' ');
  if (firstSpace < 0) {
    const hits = NAMES.filter((n) => n.startsWith(text.toLowerCase()));
    const p = commonPrefix(hits);
    return hits.length === 1 ? `${hits[0]} ` : p.length > text.length ? p : text;
  }
  const cmd = ALIASES[text.slice(0, firstSpace).toLowerCase()];
  // The word being typed: after the last space, parenthesis or colon.
  const m = /([^\s():]*)$/.exec(text)!;
  const partial = m[1];
  const before = text.slice(0, text.length - partial.length);
  let candidates: string[] = [];
  if (cmd === 'ctx') candidates = src.contexts;
  else if (cmd === 'runs') candidates = src.jobs;
  else if (cmd === 'sort') candidates = ['id', 'name', 'node', 'status', 'cpu', 'mem'];
  else if (cmd === 'vms' || cmd === 'mark') {
    const term = /(\w+):[^\s]*$/.exec(text)?.[1]?.toLowerCase();
    if (term === 'tag') candidates = [...src.tags, 'AND', 'OR', 'NOT'];
    else if (term === 'node') candidates = src.nodes;
    else if (term === 'status') candidates = STATUS_VALUES;
    else if (term === 'type') candidates = ['qemu', 'lxc'];
    else if (term === 'template') candidates = ['yes', 'no'];
    else candidates = SELECTOR_KEYS;
  }
  const hits = candidates.filter((c) => c.toLowerCase().startsWith(partial.toLowerCase()));
  if (hits.length === 1) return before + hits[0] + (hits[0].endsWith(':') ? '' : ' ');
  const p = commonPrefix(hits);
  return p.length > partial.length ? before + p : text;
}
