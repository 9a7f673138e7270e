// The mark a provisioning run leaves on every VM it creates: one line in the VM's description naming the
// operation. A rollback deletes a VM only when both its id (from the journal) and this mark say the
// operation made it; a VM that merely has the expected name, or the id but not the mark, is left alone.

const MARKER_RE = /^moxxie-provision: (\S+) cluster=(\S+)$/m;

/** The description line a created VM carries. */
export function provisionMarker(operationId: string, cluster: string): string {
  return `moxxie-provision: ${operationId} cluster=${cluster}`;
}

/** The operation and cluster a VM's description names, if it carries the mark. */
export function readProvisionMarker(description: string | undefined): { operationId: string; cluster: string } | undefined {
  const m = description ? MARKER_RE.exec(description) : null;
  return m ? { operationId: m[1], cluster: m[2] } : undefined;
}
