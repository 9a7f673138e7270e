// Selector shapes, as the seed's `vmSelectors` send them.

export type SelectorType = 'ALL' | 'VM_IDS' | 'NAME_PATTERN' | 'TAG_EXPRESSION';

export interface VmSelector {
  type: SelectorType;
  /** ids/ranges for VM_IDS, a glob for NAME_PATTERN, an expression for TAG_EXPRESSION; ignored for ALL ("*" in the seed). */
  value?: string;
  /** A tag expression; VMs it matches are removed from this selector's result. */
  exclude?: string;
  includeTemplates?: boolean;
}

export type ResolveWarningKind = 'unknown-vmid' | 'node-offline' | 'template-excluded' | 'names-anded';

export interface ResolveWarning {
  kind: ResolveWarningKind;
  message: string;
  /** unknown-vmid: the id (the first of a run of consecutive unknown ids). */
  vmid?: number;
  /** unknown-vmid: the last id of a run of consecutive unknown ids (absent for a single id). */
  lastVmid?: number;
  /** node-offline: the offline node. */
  node?: string;
  /** How many VMs or ids the warning covers (selected VMs on the node, templates left out, ids in the run). */
  count?: number;
  /** template-excluded: the templates that matched but were left out. */
  vmids?: number[];
}
