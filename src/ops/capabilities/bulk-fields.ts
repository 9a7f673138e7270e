// The request fields every bulk capability shares (the seed's names): the selection, parallelism,
// dry run, force and the failure policy. Declared once; each capability's strict schema spreads them.
import { z } from 'zod';
import { boolField, enumField, intField } from '../request-schema.js';

/** A selector's text is bounded (a list of ids for thousands of VMs fits) so a request cannot grow without limit. */
export const MAX_SELECTOR_TEXT = 65_536;
const selectorText = () => z.string().max(MAX_SELECTOR_TEXT, { error: (iss) => `at most ${MAX_SELECTOR_TEXT} characters (got ${String(iss.input).length})` });

export const vmSelectorSchema = z.strictObject({
  type: enumField(['ALL', 'VM_IDS', 'NAME_PATTERN', 'TAG_EXPRESSION']),
  value: selectorText().optional().describe('VM_IDS: "8200,8201" or "8200-8209"; NAME_PATTERN: a glob like "web-*"; TAG_EXPRESSION: "env-prod AND NOT always-on"; ignored for ALL'),
  exclude: selectorText().optional().describe('a tag expression; VMs it matches are removed from this selector'),
  includeTemplates: boolField().optional().describe('templates are left out unless true'),
});

const SELECTION_HINT =
  'required: which VMs, e.g. [{"type":"VM_IDS","value":"8200,8201"}] or a selector line such as "tag:(env-prod AND NOT always-on)"';

/** Overrides safe mode, PVE protection and always-on, for the capabilities those rules guard. */
export const forceField = boolField().optional().describe('override safe mode, PVE protection and always-on (confirmed)');

export const bulkFields = {
  vmSelectors: z
    .union([selectorText(), z.array(vmSelectorSchema)], { error: (iss) => (iss.input === undefined ? SELECTION_HINT : `must be a selector line or a list of selectors; ${SELECTION_HINT}`) })
    .describe('structured selectors (their union), or the one-line selector syntax'),
  maxParallel: intField(1, 20).optional().describe("guests at once (default: the context's, usually 5)"),
  maxPerNode: intField(1, 20).optional().describe('steps at once per node (both ends of a move count)'),
  dryRun: boolField().optional().describe('only plan; change nothing'),
  onFailure: enumField(['continue', 'stop']).optional().describe('stop: start no new target after one failed (default continue)'),
};
