// The core's facade: what the TUI, the MCP server and the scheduler call. Plain data in and out;
// every mutation goes through here so read-only, safe mode and protection are enforced once.
import type { ContentItem, ContentQuery, StorageRow } from './inventory/storage-content.js';
import type { TaskListItem, TaskStatus } from './pve/types.js';
import type { Inventory, Vm } from './inventory/model.js';
import type { ClusterSpec } from './ops/provisioning/cluster-spec.js';
import type { ClusterPlan, PlacementConfig } from './ops/provisioning/placement.js';
import type { ResolveWarning, VmSelector } from './select/types.js';
import type { PowerRequest } from './ops/capabilities/power.js';
import type { SnapshotCreateRequest } from './ops/capabilities/snapshot-create.js';
import type { SnapshotDeleteRequest } from './ops/capabilities/snapshot-delete.js';
import type { SnapshotRollbackRequest } from './ops/capabilities/snapshot-rollback.js';
import type { ProvisioningProgress } from './ops/provisioning/progress.js';
import type { TagRequest } from './ops/capabilities/tags.js';
import type { MigrationCheck } from './ops/migration/precondition.js';
import type { Operation, OperationKind, OperationListener, RunOptions } from './ops/types.js';
import type { BackupFilter, BackupListReport } from './ops/backup-list.js';
import type { RetentionPreview, RetentionQuery } from './ops/retention/candidates.js';
import type { ImageSourceList } from './ops/image-sources.js';
import type { QemuStatus } from './pve/endpoints/qemu.js';

// Request types come from the capabilities' schemas: one declaration, checked by the compiler.
export type BulkSnapshotCreateRequest = SnapshotCreateRequest;
export type BulkSnapshotDeleteRequest = SnapshotDeleteRequest;
export type { SnapshotRollbackRequest };
export type BulkPowerRequest = PowerRequest;
export type BulkTagRequest = TagRequest;

export interface ContextInfo {
  name: string;
  url: string;
  readOnly: boolean;
  safeMode: boolean;
  demo: boolean;
}

export interface Resolution {
  vms: Vm[];
  warnings: ResolveWarning[];
}

export interface SnapshotInfo {
  name: string;
  description: string;
  /** Epoch seconds; absent for snapshots PVE reports without a time. */
  snaptime?: number;
  vmstate: boolean;
  parent?: string;
  /** Parsed from the ` (TTL: Nh)` marker moxxie (and Moxxie) append to descriptions. */
  ttlHours?: number;
  /** Epoch seconds when the TTL runs out. */
  expiresAt?: number;
  moxxieMade: boolean;
}

/** A VM as a read needs it: its id and node (from an inventory the caller already has). */
export interface VmRef {
  vmid: number;
  node: string;
  type?: Vm['type'];
}

/** One VM's snapshots, or why they could not be read (the other VMs' lists still come back). */
export interface VmSnapshots {
  vmid: number;
  snapshots: SnapshotInfo[];
  error?: string;
}

export interface TagCount {
  tag: string;
  count: number;
}

/** A task of the cluster, as PVE lists it. */
export type ClusterTask = TaskListItem;

/** A task's log lines (from line `start`, of `total`) and its state as PVE reports it. */
export interface TaskLog extends Pick<TaskStatus, 'upid' | 'node' | 'status' | 'exitstatus' | 'type' | 'id' | 'starttime'> {
  start: number;
  total: number;
  lines: string[];
}

export interface OperationRegistry {
  list(): Operation[];
  get(id: string): Operation | undefined;
  subscribe(listener: OperationListener): () => void;
  /** Cancels a running operation: nothing new starts; returns false when it is not running. */
  cancel(id: string): boolean;
}

export interface MoxxieCore {
  readonly context: ContextInfo;
  inventory(opts?: { signal?: AbortSignal }): Promise<Inventory>;
  /** A selector list, or the one-line syntax (`tag:(env-prod AND NOT always-on) node:hv6`). */
  resolve(selectors: VmSelector[] | string): Promise<Resolution>;
  /** A VM by id (located with one inventory read) or as the caller's inventory has it (no inventory read). */
  getVmConfig(vm: number | VmRef): Promise<Record<string, unknown>>;
  /** One VM's live status (PVE's status/current) on the node given: no inventory read. */
  getVmStatus(vm: VmRef): Promise<QemuStatus>;
  /** The pool a guest is in now (GET /pools and each pool's members: no inventory read); undefined when none. */
  guestPool(vmid: number): Promise<string | undefined>;
  listSnapshots(vm: number | VmRef): Promise<SnapshotInfo[]>;
  /**
   * Snapshots of many VMs with at most one inventory read for the whole call (none when given VmRefs), read
   * a few VMs at a time; a VM whose list cannot be read carries its error instead of failing the call.
   */
  listSnapshotsOf(vms: ReadonlyArray<number | VmRef>): Promise<VmSnapshots[]>;
  listTasks(opts?: { limit?: number }): Promise<ClusterTask[]>;
  /** A task's log: its last `limit` lines (default 500) unless `start` is given, and its state. */
  taskLog(upid: string, opts?: { limit?: number; start?: number }): Promise<TaskLog>;
  listTags(): Promise<TagCount[]>;
  /** Backups cluster-wide from storage content, each once; what could not be read (an offline node) is in `warnings`. */
  listBackups(filter?: BackupFilter, opts?: { signal?: AbortSignal }): Promise<BackupListReport>;
  /** Plans a cluster spec (provisioning's dry run): placement, ids, IPs; reads the cluster, changes nothing. */
  planCluster(spec: ClusterSpec, settings?: PlacementConfig): Promise<ClusterPlan>;
  /** PVE's migration precondition for a VM and a target node, summed up (allowed or why not, local disks, online or offline). */
  checkMigration(vmid: number, target: string, opts?: { force?: boolean; withLocalDisks?: boolean }): Promise<MigrationCheck>;
  /** Templates with their disks, and per storage the importable images and ISOs (what a cloud-init create can use). */
  listImageSources(): Promise<ImageSourceList>;
  vmsWithTag(tag: string): Promise<Vm[]>;
  /** A retention policy's preview: every backup marked keep / remove / protected with its rule, cross-checked against PVE's prunebackups. */
  retentionCandidates(query: RetentionQuery): Promise<RetentionPreview>;
  /** Storages per node (one inventory read), and what they hold: images, ISOs, container templates, import volumes. */
  listStorages(query?: { storage?: string; node?: string }): Promise<StorageRow[]>;
  storageContent(query?: ContentQuery): Promise<{ items: ContentItem[]; warnings: string[] }>;

  createSnapshots(req: BulkSnapshotCreateRequest, opts?: RunOptions): Promise<Operation>;
  deleteSnapshots(req: BulkSnapshotDeleteRequest, opts?: RunOptions): Promise<Operation>;
  rollbackSnapshot(req: SnapshotRollbackRequest, opts?: RunOptions): Promise<Operation>;
  power(req: BulkPowerRequest, opts?: RunOptions): Promise<Operation>;
  applyTags(req: BulkTagRequest, opts?: RunOptions): Promise<Operation>;
  /** Any capability of the registry by its kind; the request is checked against its strict schema. */
  run(kind: OperationKind, request: object, opts?: RunOptions): Promise<Operation>;
  /**
   * Finishes an operation that was interrupted (its process died), failed or cancelled, from PVE's real
   * state: every unfinished phase first checks whether its effect is already there, so nothing is doubled.
   */
  resume(operationId: string, opts?: RunOptions): Promise<Operation>;
  /** What resume or rollback of an operation would do, as a plan (nothing is changed). */
  planContinuation(operationId: string, mode: 'resume' | 'rollback'): Promise<Operation>;
  /** Undoes what an operation did, in reverse order, each undo an awaited, recorded step. */
  rollback(operationId: string, opts?: RunOptions): Promise<Operation>;

  /** A provisioning operation's status in the seed's shape (live, or from history after it ended or its process died). */
  provisioningStatus(operationId: string): Promise<ProvisioningProgress>;
  /** Provisioning operations, newest first: running ones and the finished ones in history. */
  listProvisioning(opts?: { limit?: number }): Promise<ProvisioningProgress[]>;

  readonly operations: OperationRegistry;
  close(): Promise<void>;
}
