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

export type ResolveWarningKind = 'unknown-vmid' | 'node-offline' | 'template-excluded';

export interface ResolveWarning {
  kind: ResolveWarningKind;
  message: string;
  vmid?: number;
  node?: string;
}
