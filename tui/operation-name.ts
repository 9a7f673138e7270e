// How the TUI names an operation, the same in every view: the capability's label of its request. Apart
// from operation-text.ts because it reads the capability registry, which the first frame does without.
import { labelOf } from '../src/ops/capabilities/index.js';
import type { Operation } from '../src/ops/types.js';

/** What the operation does, from its capability ("shutdown", "snapshot nightly-{vm}"); the kind for old records. */
export function opName(op: Pick<Operation, 'label' | 'kind'> & { request?: unknown }): string {
  if (op.label) return op.label;
  // A record made before labels were kept: the capability's label of its request ("shutdown", not "power").
  if (op.request && typeof op.request === 'object') {
    try {
      return labelOf(op.kind, op.request);
    } catch {
      // A request the capability no longer reads: its kind is all there is to say.
    }
  }
  return op.kind;
}
