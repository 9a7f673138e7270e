// The `:` commands, one table: each entry's names, usage and description (the help screen, the README),
// how its words are read (dispatch), what Tab offers for its words (completion), and what it does. As the
// keymap does for keys, nothing else keeps a list of commands.
import type { RetentionQuery } from '../src/ops/retention/candidates.js';
import { parseRetentionArgs, RETENTION_USAGE } from './retention-command.js';
import type { ViewName } from './store.js';
import { isSortKey, SORT_WORDS, type SortKey } from './vm-order.js';

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

/** What a command may do; the controller implements it. */
export interface CommandHost {
  /** Closes the command line (after a command that cannot fail any more). */
  closeLine(): void;
  /** Keeps the command line open with the error under it. */
  commandError(text: string): void;
  setView(view: ViewName, stack?: boolean): void;
  quit(): void;
  sortBy(key: SortKey, descending?: boolean): void;
  showRetention(query: RetentionQuery): void;
  showRunsOf(job?: string): Promise<void>;
  switchContext(name?: string): Promise<void>;
  showProvisionPlan(path: string): Promise<void>;
  /** `:ct`: the container form, its template choice read from the cluster. */
  openContainerForm(): Promise<void>;
  showBackups(vmid?: number): void;
  /** `:vms SELECTOR` (none: every VM) and `:mark SELECTOR`. */
  selectVms(selector?: string): void;
  markVms(selector: string): void;
}

/** What Tab completes from: the session's names. */
export interface CompletionSources {
  contexts: string[];
  tags: string[];
  nodes: string[];
  jobs: string[];
}

export interface CommandSpec {
  /** The canonical name (`:name`), then the other words that mean it. */
  name: string;
  aliases: readonly string[];
  usage: string;
  description: string;
  /** Reads the words after the name. */
  parse(rest: string): Command | { error: string };
  /** The candidates for the word being typed after the name (`text` is the whole line). */
  complete?(text: string, src: CompletionSources): string[];
  run(host: CommandHost, cmd: Command): void | Promise<void>;
}

const SELECTOR_KEYS = ['tag:', 'name:', 'id:', 'node:', 'status:', 'type:', 'template:', 'pool:', 'all'];
const STATUS_VALUES = ['running', 'stopped', 'paused', 'suspended', 'unknown'];

/** Candidates for the selector term being typed: its key, or the values of tag:, node:, status: … */
function selectorCandidates(text: string, src: CompletionSources): string[] {
  const term = /(\w+):[^\s]*$/.exec(text)?.[1]?.toLowerCase();
  if (term === 'tag') return [...src.tags, 'AND', 'OR', 'NOT'];
  if (term === 'node') return src.nodes;
  if (term === 'status') return STATUS_VALUES;
  if (term === 'type') return ['qemu', 'lxc'];
  if (term === 'template') return ['yes', 'no'];
  return SELECTOR_KEYS;
}

/** A command that shows one of the main views and takes no words. */
function viewCommand(view: ViewName, aliases: string[], description: string): CommandSpec {
  return {
    name: view,
    aliases,
    usage: `:${view}`,
    description,
    parse: (rest) => (rest ? { error: `:${view} takes no argument` } : { kind: 'view', view }),
    run: (h, cmd) => {
      h.closeLine();
      if (cmd.kind === 'view') h.setView(cmd.view);
    },
  };
}

export const COMMAND_TABLE: readonly CommandSpec[] = [
  {
    name: 'vms',
    aliases: ['vm'],
    usage: ':vms [SELECTOR]',
    description: 'the VM list; with a selector, only the VMs it matches (Esc clears)',
    parse: (rest) => (rest ? { kind: 'vms', selector: rest } : { kind: 'vms' }),
    complete: selectorCandidates,
    run: (h, cmd) => h.selectVms(cmd.kind === 'vms' ? cmd.selector : undefined),
  },
  {
    name: 'mark',
    aliases: [],
    usage: ':mark SELECTOR',
    description: 'mark the VMs a selector matches',
    parse: (rest) => (rest ? { kind: 'mark', selector: rest } : { error: ':mark needs a selector, e.g. :mark tag:env-dev node:pve2' }),
    complete: selectorCandidates,
    run: (h, cmd) => {
      if (cmd.kind === 'mark') h.markVms(cmd.selector);
    },
  },
  viewCommand('nodes', ['node'], 'nodes: status, CPU, memory, guests'),
  viewCommand('tasks', ['task'], "the cluster's recent PVE tasks"),
  viewCommand('ops', ['op', 'operations'], "this session's operations, live"),
  viewCommand('history', ['hist'], 'past operations of every front end, with per-VM outcomes'),
  viewCommand('jobs', ['job'], 'scheduler jobs: next fire, last result'),
  {
    name: 'runs',
    aliases: [],
    usage: ':runs [JOB]',
    description: "a job's runs with per-VM outcomes",
    parse: (rest) => (rest ? { kind: 'runs', job: rest } : { kind: 'runs' }),
    complete: (_text, src) => src.jobs,
    run: (h, cmd) => h.showRunsOf(cmd.kind === 'runs' ? cmd.job : undefined),
  },
  {
    name: 'retention',
    aliases: [],
    usage: RETENTION_USAGE,
    description: 'backup retention preview: keep / remove / protected with the deciding rule; D prunes',
    parse: (rest) => {
      const query = parseRetentionArgs(rest);
      return 'error' in query ? query : { kind: 'retention', query };
    },
    run: (h, cmd) => {
      if (cmd.kind !== 'retention') return;
      h.closeLine();
      h.showRetention(cmd.query);
    },
  },
  viewCommand('storage', ['storages'], 'what the storages hold: template base disks, images, ISOs, container templates, import volumes; w downloads'),
  {
    name: 'backups',
    aliases: ['backup'],
    usage: ':backups [VMID]',
    description: 'backups cluster-wide (or of one VM): size, age, protected, TTL',
    parse: (rest) => {
      if (!rest) return { kind: 'backups' };
      const vmid = Number(rest);
      return Number.isInteger(vmid) && vmid >= 100 ? { kind: 'backups', vmid } : { error: `:backups takes a VM id (e.g. :backups 8200), not '${rest}'` };
    },
    run: (h, cmd) => {
      h.closeLine();
      h.showBackups(cmd.kind === 'backups' ? cmd.vmid : undefined);
    },
  },
  {
    name: 'sort',
    aliases: [],
    usage: ':sort COLUMN [asc|desc]',
    description: `sort the VM list by ${SORT_WORDS.join(', ')}`,
    parse: (rest) => {
      const [key, order] = rest.toLowerCase().split(/\s+/);
      const k = key === 'id' ? 'vmid' : key;
      if (!k || !isSortKey(k)) return { error: `:sort needs a column: ${SORT_WORDS.join(', ')}${key ? ` ('${key}' is not one)` : ''}` };
      if (order && order !== 'asc' && order !== 'desc') return { error: `:sort order must be asc or desc, not '${order}'` };
      return order ? { kind: 'sort', key: k, descending: order === 'desc' } : { kind: 'sort', key: k };
    },
    complete: (text) => (/^\s*\S+\s+\S+\s+/.test(text) ? ['asc', 'desc'] : [...SORT_WORDS]),
    run: (h, cmd) => {
      if (cmd.kind !== 'sort') return;
      h.closeLine();
      h.setView('vms');
      h.sortBy(cmd.key, cmd.descending);
    },
  },
  {
    name: 'ctx',
    aliases: ['context'],
    usage: ':ctx [NAME]',
    description: 'switch to another context (no name: list them)',
    parse: (rest) => (rest ? { kind: 'ctx', name: rest } : { kind: 'ctx' }),
    complete: (_text, src) => src.contexts,
    run: (h, cmd) => {
      h.closeLine();
      return h.switchContext(cmd.kind === 'ctx' ? cmd.name : undefined);
    },
  },
  {
    name: 'provision',
    aliases: ['prov'],
    usage: ':provision FILE|OPERATION-ID',
    description: 'plan a cluster from a spec file (YAML or JSON): placement table and VM rows, P provisions it; or follow a provisioning operation (progress per VM, c cancel, r resume, R roll back)',
    parse: (rest) => (rest ? { kind: 'provision', path: rest } : { error: ':provision needs a spec file (e.g. :provision talos.yaml) or a provisioning operation id' }),
    run: (h, cmd) => (cmd.kind === 'provision' ? h.showProvisionPlan(cmd.path) : undefined),
  },
  {
    name: 'ct',
    aliases: ['container'],
    usage: ':ct',
    description: 'create a container from a template: a form (node, hostname, template, disk, NIC); plan first',
    parse: (rest) => (rest ? { error: ':ct takes no argument: its form asks for the rest' } : { kind: 'ct' }),
    run: (h) => h.openContainerForm(),
  },
  {
    name: 'help',
    aliases: [],
    usage: ':help',
    description: 'keys and commands',
    parse: () => ({ kind: 'help' }),
    run: (h) => {
      h.closeLine();
      h.setView('help', true);
    },
  },
  {
    name: 'quit',
    aliases: ['q'],
    usage: ':q',
    description: 'quit',
    parse: () => ({ kind: 'quit' }),
    run: (h) => {
      h.closeLine();
      h.quit();
    },
  },
];

/** The entry a typed word names (its name or an alias, any case). */
export function commandNamed(word: string): CommandSpec | undefined {
  const w = word.toLowerCase();
  return COMMAND_TABLE.find((c) => c.name === w || c.aliases.includes(w));
}

/** The entry that reads a parsed command (for dispatch of a command made elsewhere, e.g. Enter on a node). */
export function commandFor(cmd: Command): CommandSpec {
  const name = cmd.kind === 'view' ? cmd.view : cmd.kind;
  const spec = commandNamed(name);
  if (!spec) throw new Error(`no command runs '${name}'`);
  return spec;
}

