// The contract every capability declares once (src/ops/capabilities/): its request schema, label,
// danger, guest types, planner and phases. The core, MCP, the TUI, the CLI and the scheduler read these
// declarations; none keeps its own list of kinds, labels or dangers.
import type { z } from 'zod';
import type { Inventory, Vm } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import type { TaskResult } from '../pve/types.js';
import type { MigrationHistoryReader } from './migration/record.js';
import type { GuestType, Operation, OperationKind, OperationStatus, OperationTarget } from './types.js';
import type { StepEnvironment } from './runner.js';
import type { VmidAllocator } from './vmid-allocator.js';
import type { PlacementConfig } from './provisioning/placement.js';

/** What a phase may use while it runs. */
export interface PhaseTools {
  client: PveClient;
  /**
   * Awaits a PVE task, recording its UPID on the phase (journaled); throws unless it ends OK. `timeoutMs`
   * overrides the operation's task timeout for this task (a phase whose time depends on the guest);
   * `intervalMs` bounds the gap between looks at it (tasks of one type whose lengths vary widely).
   */
  awaitTask(upid: string, opts?: { timeoutMs?: number; intervalMs?: number }): Promise<TaskResult>;
  /** True once the operation is cancelled: a phase with several tasks stops between them (throw StepCancelled). */
  cancelled(): boolean;
  /** What the phase has done so far; kept in the target's message if it then fails or is cancelled. */
  progress(done: string): void;
  /** This phase's persisted data (journaled with the phase): what its undo or a resume needs. */
  data: Record<string, unknown>;
  /** Race-safe VM ids for a phase that creates a guest (create, clone, restore). */
  vmids: VmidAllocator;
  /**
   * Journals the phase's data and its target now (awaited). A phase about to send a write whose effect a
   * resume or rollback must find (the id a create is sent for) records it before the request goes out: the
   * UPID is only journaled after PVE's answer, and a process killed in between would leave no trace of it.
   */
  record?(): Promise<void>;
}

/**
 * One named phase of a target's step. `check` reads PVE first: when the effect is already there (a resume
 * after a crash, a retry after a lost answer) it returns a message and `run` is not called, so nothing is
 * done twice. `undo` reverses a completed phase in a rollback.
 */
export interface Phase {
  name: string;
  check?(tools: PhaseTools): Promise<string | undefined>;
  run(tools: PhaseTools): Promise<string | void>;
  undo?(tools: PhaseTools): Promise<string | void>;
  /**
   * After its write's task ended OK, what must happen before `check` can see the effect (an HA request's
   * task only files it: the HA manager's own task then moves the guest). Also run for a task found after a
   * lost answer, so the write is not sent a second time while the effect is on its way.
   */
  settle?(tools: PhaseTools, upid: string): Promise<void>;
  /** The PVE task type its write starts (qmsnapshot, qmstart …): after a lost answer, the task to look for. */
  taskType?: string;
  /** The id its task carries when that is not the guest's (a download's file name, a clone's source id): after a lost answer, with taskType, the task to look for. */
  taskId?: string;
  /** The node its task runs on when that is not the target's (a clone: the source's; a VM made where its image is). */
  taskNode?: string;
  /** A read that leaves nothing behind (a verify): a rollback has nothing to undo for it. */
  changesNothing?: boolean;
}

/** What a step holds while it runs; caps apply per kind (maxParallel, maxPerNode, per storage, per template). */
export interface TargetResources {
  /** The guests it works on: never two steps on one guest at once, across operations. */
  guests: number[];
  /** Both ends of a move count. */
  nodes: string[];
  storages?: string[];
  /** The template a clone reads from. */
  template?: number;
  /**
   * Hold the template only until this phase has ended (the clone), not for the whole target: the phases after
   * it do not read the template, and the next VM of that template may clone meanwhile.
   */
  templateUntil?: string;
  /** Held alone: at most one step at a time per key, across the operation (a node's vzdump lock: `vzdump:pve1`). */
  exclusive?: string[];
}

/** What a request's danger may depend on besides the request: the context's safe mode. */
export interface DangerPolicy {
  safeMode?: boolean;
}

export interface PlanInput {
  client: PveClient;
  inventory: Inventory;
  vms: Vm[];
  safeMode: boolean;
  force: boolean;
  /** Race-safe VM ids (a planner may reserve one to show it, and must release it). */
  vmids: VmidAllocator;
  /** The context's provisioning placement settings (zones, cpuOvercommit, VM id range); absent: the planner's defaults. */
  placement?: PlacementConfig;
  /** What moxxie recorded of earlier migrations (undrain moves back what a drain moved); absent without a history store. */
  migrations?: MigrationHistoryReader;
}

export interface Plan {
  targets: OperationTarget[];
  /**
   * Targets that cannot be attempted (offline node, unreadable state). A dry run shows them skipped with
   * the reason; a real run reports them failed, because the operator asked for them and they were not done.
   */
  blocked: Set<string>;
}

export interface Capability<R extends object = Record<string, unknown>> {
  kind: OperationKind;
  /** "Create snapshots": help screens, tool titles. */
  title: string;
  /** One or two sentences: what it does and what counts as success. */
  description: string;
  /** Strict: an unknown field is refused. The seed's field names. */
  schema: z.ZodType<R>;
  /** The guest types its planner handles; others are skipped with the reason. */
  guestTypes: readonly GuestType[];
  /** What the operation does, for every front end: "shutdown", "stop (forced)", "snapshot nightly-{vm}". */
  label(request: R): string;
  /**
   * Loses data or interrupts guests, or hands out what safe mode guards (the safe-mode tag): safe mode guards
   * it and every front end confirms it. `policy` is the context's; without it, safe mode counts as on.
   */
  destructive(request: R, policy?: DangerPolicy): boolean;
  /** The audit log's name for it ("power STOP"); defaults to the kind. */
  auditName?(request: R): string;
  /** How long one PVE task of this operation may run before its target fails. */
  taskTimeoutMs(request: R): number;
  plan(input: PlanInput, request: R): Plan | Promise<Plan>;
  /** The phases of one target, rebuilt from its plain `spec` (so a later process can resume or undo them). */
  phases(target: OperationTarget, request: R): Phase[];
  /** A target that fails is undone at once (create, clone): what it makes exists only if every phase succeeded. */
  undoFailed?: boolean;
  /** Steps at once when the request says it in its own words (provisioning's parallelProvisioning, maxParallelOperations). */
  maxParallel?(request: R): number | undefined;
  /**
   * Run order: targets of a lower wave all succeed before a higher wave starts (provisioning's dependsOn); a
   * wave that did not fully succeed leaves the later ones not started (cancelled, with the reason).
   */
  waveOf?(target: OperationTarget, request: R): number;
  /**
   * After the runner (a run or a resume): what the capability does with the outcome (provisioning applies its
   * rollback strategy after a failure or a cancel). Returns the operation's final status, or undefined for
   * the usual one. Takes the place of `undoFailed`.
   */
  afterRun?(ctx: SettleContext<R>): Promise<OperationStatus | undefined>;
  /** Its own rollback, in place of undoing completed phases in reverse (provisioning deletes what PVE shows it made). */
  rollback?(ctx: SettleContext<R>): Promise<OperationStatus | undefined>;
  /** What a target's step holds while it runs (default: its guest and its node). */
  resources?(target: OperationTarget, request: R): TargetResources;
  /**
   * Whether some request of it may destroy or interrupt (its exact answer per request is `destructive`,
   * plus `force`), and whether repeating a request changes nothing more: MCP's tool annotations.
   */
  hints: { destructive: boolean; idempotent: boolean };
  /** Front-end names, declared here so no front end keeps a table of its own. */
  names: { tool: string; verb: readonly string[]; cli?: CliWords };
}

/** What afterRun and rollback work with. */
export interface SettleContext<R> {
  op: Operation;
  request: R;
  env: StepEnvironment;
  /** The run was cancelled (by the operator or a caller's signal). */
  cancelled: boolean;
}

/** How the CLI verb reads its words: `moxxie power shutdown SELECTOR`, `moxxie tags add SELECTOR TAG…`. */
export interface CliWords {
  /** An enum field whose value is the word after the verb, in lower case (power's operation, tags' action). */
  modeField?: string;
  /** An array field that takes the words after the selector (tags' `tags`). */
  restField?: string;
  /** `--file` with this field holds the body of another capability (`vm create --file` takes a cloud-init body: imageSource). */
  fileRoute?: { field: string; kind: OperationKind };
  /**
   * A text or number field that may be given as the first word after the verb (`moxxie vm clone 9000`,
   * `moxxie node drain pve2`); it stays a flag as well.
   */
  positionalField?: string;
  /** Short flag names: { name: 'snapshotName' } makes --name mean --snapshot-name. */
  aliases?: Record<string, string>;
}

// A capability with its request type erased, for the registry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCapability = Capability<any>;
