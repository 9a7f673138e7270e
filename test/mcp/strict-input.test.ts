// Every tool's input is strict (issue 10): an unknown or misspelt argument, at any depth, is refused before
// the handler runs, as an isError result naming the field, the nearest valid name and the valid names; the
// simulator's true state and the job store show nothing happened; tools/list says additionalProperties: false.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { strictInput, strictSchema, unknownFieldRefusal } from '../../mcp/define-tool.js';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
/** Running workshop VMs that nothing protects: a shutdown of one would really stop it. */
let running: number[];
beforeAll(async () => {
  h = await startHarness({ vms: 60, taskDurationMs: 20 });
  running = h.cluster.sim.state
    .vms()
    .filter((v) => v.vmid >= 8200 && v.vmid <= 8209 && v.status === 'running' && !v.tags.includes('always-on'))
    .map((v) => v.vmid);
  expect(running.length).toBeGreaterThanOrEqual(3);
});
afterAll(() => h.close());

const vm = (id: number) => h.cluster.sim.state.vm(id)!;
const sc = (r: CallResult) => r.structuredContent as Record<string, unknown> & { counts: Record<string, number> };

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
};

/** Paths of every object with declared fields that does not say additionalProperties: false. */
function openObjects(s: JsonSchema, path: string): string[] {
  const out: string[] = [];
  if (s.properties && s.additionalProperties !== false) out.push(path);
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...openObjects(v, `${path}.${k}`));
  for (const item of Array.isArray(s.items) ? s.items : s.items ? [s.items] : []) out.push(...openObjects(item, `${path}[]`));
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) out.push(...openObjects(alt, path));
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.push(...openObjects(s.additionalProperties, `${path}{}`));
  return out;
}

/** Every object schema in `s` (itself, array items, union members). */
function objectsIn(s: JsonSchema): JsonSchema[] {
  const items = Array.isArray(s.items) ? s.items : s.items ? [s.items] : [];
  return [...(s.properties ? [s] : []), ...[...items, ...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].flatMap(objectsIn)];
}

describe('strict tool input', () => {
  it('power_vms refuses dry_run (a misspelt dryRun) and the VM keeps running', async () => {
    const id = running[0]!;
    const opsBefore = (await h.history.listOperations()).length;
    const tasksBefore = h.cluster.sim.state.tasks().length;
    const r = await h.call('power_vms', { selector: `id:${id}`, operation: 'SHUTDOWN', dry_run: true });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain("power_vms: unknown field 'dry_run'; did you mean 'dryRun'? (valid fields: ");
    const valid = /\(valid fields: ([^)]*)\)/.exec(textOf(r))![1]!.split(', ');
    expect(valid).toEqual(expect.arrayContaining(['selector', 'vmSelectors', 'operation', 'dryRun']));
    expect(r.structuredContent).toBeUndefined();
    // No task was started at all (so no shutdown can land later), and the VM runs.
    expect(h.cluster.sim.state.tasks().slice(tasksBefore)).toEqual([]);
    expect(vm(id).status).toBe('running');
    expect((await h.history.listOperations()).length).toBe(opsBefore);
  });

  it('create_job refuses enabeld and no job is created', async () => {
    const r = await h.call('create_job', {
      name: 'typo-job',
      taskType: 'snapshot_create',
      cronExpression: '0 0 2 * * ?',
      parameters: { snapshotNamePattern: 'typo-{vmid}' },
      vmSelectors: [{ type: 'VM_IDS', value: '8200' }],
      enabeld: false,
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/create_job: unknown field 'enabeld'; did you mean 'enabled'\? \(valid fields: [^)]*\bcronExpression\b/);
    expect((await h.jobs.list()).map((j) => j.name)).not.toContain('typo-job');
  });

  it('refuses a misspelt field inside a vmSelectors item, naming its path, and changes nothing', async () => {
    const preview = await h.call('resolve_selector', { vmSelectors: [{ type: 'ALL', exlude: 'always-on' }] });
    expect(preview.isError).toBe(true);
    expect(textOf(preview)).toContain("unknown field 'vmSelectors[0].exlude'; did you mean 'exclude'? (valid fields: type, value, exclude, includeTemplates)");

    const tagged = await h.call('tag_vms', { vmSelectors: [{ type: 'VM_IDS', value: '8200' }, { type: 'ALL', exlude: 'always-on' }], action: 'ADD', tags: ['strict-test'] });
    expect(tagged.isError).toBe(true);
    expect(textOf(tagged)).toContain("tag_vms: unknown field 'vmSelectors[1].exlude'; did you mean 'exclude'?");
    for (const v of h.cluster.sim.state.vms()) expect(v.tags, `VM ${v.vmid}`).not.toContain('strict-test');
  });

  it('update_job refuses a misspelt patch field and leaves the job as it was', async () => {
    const made = await h.call('create_job', { name: 'strict-upd', taskType: 'snapshot_create', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'su-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8201' }] });
    expect(made.isError).toBeFalsy();
    const r = await h.call('update_job', { job: 'strict-upd', enabeld: false });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain("update_job: unknown field 'enabeld'; did you mean 'enabled'?");
    expect((await h.jobs.list()).find((j) => j.name === 'strict-upd')?.enabled).toBe(true);
  });

  it('names every unknown field of one call, and one with no near name gets no suggestion', async () => {
    const r = await h.call('list_vms', { bogusThing: 1, limt: 5 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/unknown field 'bogusThing' \(valid fields: /);
    expect(textOf(r)).toMatch(/unknown field 'limt'; did you mean 'limit'\?/);
  });

  it('correct calls still work', async () => {
    const id = running[1]!;
    const plan = await h.call('power_vms', { selector: `id:${id}`, operation: 'SHUTDOWN', dryRun: true });
    expect(plan.isError).toBeFalsy();
    expect(sc(plan).status).toBe('planned');
    expect(sc(plan).counts.planned).toBe(1);
    expect(vm(id).status).toBe('running');

    const job = await h.call('create_job', {
      name: 'strict-ok',
      taskType: 'snapshot_create',
      cronExpression: '0 0 2 * * ?',
      parameters: { snapshotNamePattern: 'ok-{vmid}' },
      vmSelectors: [{ type: 'ALL', exclude: 'always-on' }],
      enabled: false,
    });
    expect(job.isError).toBeFalsy();
    const stored = (await h.jobs.list()).find((j) => j.name === 'strict-ok');
    expect(stored?.enabled).toBe(false);
    expect(stored?.vmSelectors).toEqual([{ type: 'ALL', exclude: 'always-on' }]);

    const preview = await h.call('resolve_selector', { vmSelectors: [{ type: 'ALL', exclude: 'always-on' }] });
    expect(preview.isError).toBeFalsy();
    // Other input errors keep naming their field.
    const range = await h.call('create_snapshots', { selector: 'id:8200', snapshotName: 'ok', ttlHours: 0 });
    expect(range.isError).toBe(true);
    expect(textOf(range)).toMatch(/ttlHours/);
  });

  it('tools/list says additionalProperties: false for every input object, nested ones included, descriptions kept', async () => {
    const { tools } = await h.client.listTools();
    expect(tools.length).toBeGreaterThan(10);
    for (const t of tools) {
      const schema = t.inputSchema as JsonSchema;
      expect(schema.additionalProperties, t.name).toBe(false);
      expect(openObjects(schema, t.name)).toEqual([]);
    }
    // The selection and the shared operation fields are explained once, in the instructions, not in every tool.
    const power = tools.find((t) => t.name === 'power_vms')!.inputSchema as JsonSchema;
    expect(power.properties!.vmSelectors).toEqual({ type: 'array' });
    expect(power.properties!.dryRun).toEqual({ type: 'boolean' });
    const instructions = h.client.getInstructions() ?? '';
    expect(instructions).toMatch(/exclude \(a tag expression\)/);
    expect(instructions).toMatch(/dryRun \(plan only, change nothing\)/);
    // A structured selector's unknown field is still refused, by the server's strict parse.
    const bad = await h.call('power_vms', { vmSelectors: [{ type: 'ALL', exlude: 'x' }], operation: 'START', dryRun: true });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/exlude.*exclude/);
  });
});

describe('read-only mode and strict input', () => {
  it('a switched-off tool still answers with the read-only refusal; an available one refuses the unknown field', async () => {
    const ro = await h.connect({ readOnly: true });
    const id = running[2]!;
    const power = await h.call('power_vms', { selector: `id:${id}`, operation: 'SHUTDOWN', dry_run: true }, ro);
    expect(power.isError).toBe(true);
    expect(textOf(power)).toMatch(/power_vms is not available: this moxxie MCP server runs read-only/);
    expect(vm(id).status).toBe('running');
    const list = await h.call('list_vms', { limt: 5 }, ro);
    expect(list.isError).toBe(true);
    expect(textOf(list)).toContain("list_vms: unknown field 'limt'; did you mean 'limit'?");
  });
});

describe('strictSchema', () => {
  // A plain (stripping) object, as a tool's shape may hold; the core's own selector schema is strict already.
  const vmSelectorSchema = z.object({
    type: z.enum(['ALL', 'VM_IDS', 'NAME_PATTERN', 'TAG_EXPRESSION']),
    value: z.string().optional(),
    exclude: z.string().optional().describe('a tag expression'),
    includeTemplates: z.boolean().optional(),
  });
  const shape = {
    vmSelectors: z.array(vmSelectorSchema).optional().describe('selectors'),
    nested: z.object({ inner: z.object({ deep: z.number() }).nullable() }).default({ inner: null }),
    loose: z.object({ known: z.string().optional() }).catchall(z.unknown()).optional(),
    free: z.record(z.string(), z.object({ a: z.string() })).optional(),
    list: z.array(z.string()).default(() => []),
  };
  const strict = strictInput(shape);

  it('refuses unknown keys at every depth with the unknown-field text, also in a plain parse (the SDK fallback)', () => {
    const issue = (input: unknown) => {
      const r = strict.safeParse(input);
      return r.success ? '' : r.error.issues.map((i) => i.message).join('\n');
    };
    expect(issue({ dryrun: 1 })).toMatch(/^unknown field 'dryrun' \(valid fields: vmSelectors, nested, loose, free, list\)$/);
    expect(issue({ vmSelectors: [{ type: 'ALL', exlude: 'x' }] })).toBe(
      "unknown field 'vmSelectors[0].exlude'; did you mean 'exclude'? (valid fields: type, value, exclude, includeTemplates)",
    );
    expect(issue({ nested: { inner: { deep: 1, deeep: 2 } } })).toMatch(/^unknown field 'nested.inner.deeep'; did you mean 'deep'\?/);
    expect(issue({ free: { k: { a: 'x', b: 'y' } } })).toMatch(/^unknown field 'free.k.b'/);
    // An object that declares its own catchall stays open.
    expect(issue({ loose: { known: 'a', other: 1 } })).toBe('');
  });

  it('keeps the original schemas as they were, descriptions, defaults and other errors', () => {
    expect(z.array(vmSelectorSchema).safeParse([{ type: 'ALL', exlude: 'x' }]).success).toBe(true);
    expect(strictSchema(vmSelectorSchema)).toBe(strictSchema(vmSelectorSchema));
    const parsed = strict.parse({});
    expect(parsed).toEqual({ nested: { inner: null }, list: [] });
    expect(strict.parse({}).list).not.toBe(parsed.list);
    const json = z.toJSONSchema(strict, { io: 'input' }) as { additionalProperties: unknown; properties: Record<string, { description?: string; additionalProperties?: unknown }> };
    expect(json.additionalProperties).toBe(false);
    expect(json.properties.vmSelectors!.description).toBe('selectors');
    expect(JSON.stringify(json)).toContain('"exclude":{"description":"a tag expression"');
    expect(json.properties.loose!.additionalProperties).toEqual({});
    const r = strict.safeParse({ vmSelectors: [{ type: 'SOME' }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.code).toBe('invalid_value');
  });

  it('unknownFieldRefusal answers only for unknown fields, naming the other problems of the call too', () => {
    expect(unknownFieldRefusal('t', strict, {})).toBeUndefined();
    expect(unknownFieldRefusal('t', strict, { vmSelectors: 'no' })).toBeUndefined();
    const refusal = unknownFieldRefusal('t', strict, { vmSelectors: [{ type: 'SOME' }], lst: [] });
    expect(refusal?.isError).toBe(true);
    const text = refusal!.content[0]!.text;
    expect(text.split('\n')[0]).toMatch(/^t: unknown field 'lst'; did you mean 'list'\?/);
    expect(text.split('\n')[1]).toMatch(/^vmSelectors\[0\]\.type: /);
  });
});
