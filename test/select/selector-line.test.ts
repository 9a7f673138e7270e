import { describe, expect, it } from 'vitest';
import { resolveSelectors } from '../../src/select/resolve.js';
import { SelectorError } from '../../src/select/selector-error.js';
import { parseSelectorLine, resolveSelectorLine } from '../../src/select/selector-line.js';
import { ids, inv } from './inventory-fixture.js';

describe('one-line selectors: matching', () => {
  it.each<[string, number[]]>([
    ['all', [100, 101, 102, 103, 300, 8200, 8201, 8202]],
    ['ALL', [100, 101, 102, 103, 300, 8200, 8201, 8202]],
    ['tag:env-prod', [100, 102, 300]],
    ['tag:client-*', [100, 101, 102]],
    ['tag:(env-prod AND NOT always-on)', [100, 300]],
    ['tag:(client-acme && !always-on)', [100]],
    ['tag:(a)OR(web)', [100, 101]],
    ['tag:"team.ops"', [103]],
    ['tag:web tag:always-on', [101]],
    ['tag:(env-prod OR env-dev) status:running name:web-*', [100, 101]],
    ['name:web-*', [100, 101]],
    ['web-*', [100, 101]],
    ['WEB-0?', [100, 101]],
    ['*.example.com', [103]],
    ['name:web-* name:*-02', [101]],
    ['id:8200-8209', [8200, 8201, 8202]],
    ['id:8200,8202', [8200, 8202]],
    ['id:100-110 id:101-200', [101, 102, 103]],
    ['id:8200-8209 status:running', [8201]],
    ['id:100-9999 tag:always-on', [101, 102, 8202]],
    ['node:pve2', [8200]],
    ['node:PVE[23]', [102, 103, 8200]],
    ['pool:workshop', [8201, 8202]],
    ['status:stopped', [102, 8202]],
    ['status:Unknown', [8200]],
    ['type:lxc', [300]],
    ['type:qemu tag:env-prod', [100, 102]],
    ['template:yes', [9001, 9002]],
    ['template:yes node:pve1', [9001]],
    ['template:no name:*-template', []],
    ['all status:stopped', [102, 8202]],
    ['  tag:workshop   status:running  ', [8201]],
  ])('%s', (line, expected) => {
    expect(ids(resolveSelectorLine(inv, line))).toEqual(expected);
  });

  it('reports unknown ids from id: terms', () => {
    expect(resolveSelectorLine(inv, 'id:100,555').warnings).toEqual([{ kind: 'unknown-vmid', vmid: 555, count: 1, message: 'VM 555 does not exist in this cluster' }]);
  });

  it('warns about selected VMs on offline nodes', () => {
    const r = resolveSelectorLine(inv, 'tag:workshop');
    expect(r.warnings).toEqual([expect.objectContaining({ kind: 'node-offline', node: 'pve2', count: 1 })]);
    expect(resolveSelectorLine(inv, 'tag:workshop node:pve1').warnings).toEqual([]);
  });

  it('leaves templates out unless template:yes, and says so', () => {
    const r = resolveSelectorLine(inv, 'name:*-template');
    expect(ids(r)).toEqual([]);
    expect(r.warnings).toEqual([expect.objectContaining({ kind: 'template-excluded', vmids: [9001, 9002], message: expect.stringContaining('add template:yes to include them') })]);
    // Only templates that passed the other terms are named.
    expect(resolveSelectorLine(inv, 'name:*-template node:pve1').warnings).toEqual([expect.objectContaining({ kind: 'template-excluded', vmids: [9001] })]);
    expect(ids(resolveSelectorLine(inv, 'name:*-template template:yes'))).toEqual([9001, 9002]);
    // An explicit id names its VM, template or not.
    expect(ids(resolveSelectorLine(inv, 'id:9001'))).toEqual([9001]);
  });
});

describe('one-line selectors: parsed into the same selectors', () => {
  it.each<[string, object]>([
    ['all', { type: 'ALL', value: '*' }],
    ['tag:(env-prod AND NOT always-on)', { type: 'TAG_EXPRESSION', value: '(env-prod AND NOT always-on)' }],
    ['tag:a tag:(b OR c)', { type: 'TAG_EXPRESSION', value: '(a) AND ((b OR c))' }],
    ['workshop-wk-*', { type: 'NAME_PATTERN', value: 'workshop-wk-*' }],
    ['id:8202,8200-8201', { type: 'VM_IDS', value: '8200-8202' }],
    ['template:yes', { type: 'ALL', value: '*', includeTemplates: true }],
  ])('%s', (line, selector) => {
    const parsed = parseSelectorLine(line);
    expect(parsed.selectors).toEqual([selector]);
    expect(parsed.filters).toMatchObject({ names: [], tags: [], nodes: [], pools: [], statuses: [], types: [] });
    // With no filters left, the selectors alone select the same VMs.
    if (line !== 'template:yes') expect(ids(resolveSelectors(inv, parsed.selectors))).toEqual(ids(resolveSelectorLine(inv, parsed)));
  });

  it('keeps the other terms as filters', () => {
    const parsed = parseSelectorLine('tag:(env-prod AND NOT always-on) node:pve2 status:running name:web-* id:8200-8209 type:qemu');
    expect(parsed.selectors).toEqual([{ type: 'VM_IDS', value: '8200-8209' }]);
    expect(parsed.filters).toEqual({ names: ['web-*'], tags: ['(env-prod AND NOT always-on)'], nodes: ['pve2'], pools: [], statuses: ['running'], types: ['qemu'] });
    expect(parsed.terms.map((t) => [t.key, t.position])).toEqual([
      ['tag', 0],
      ['node', 33],
      ['status', 43],
      ['name', 58],
      ['id', 69],
      ['type', 82],
    ]);
  });
});

describe('one-line selectors: errors name the term and its position', () => {
  const errorOf = (line: string): SelectorError => {
    try {
      parseSelectorLine(line);
    } catch (err) {
      expect(err).toBeInstanceOf(SelectorError);
      return err as SelectorError;
    }
    throw new Error(`'${line}' parsed without error`);
  };

  // [line, message pattern, position]
  const cases: Array<[string, RegExp, number]> = [
    ['', /^selector: empty; try `all`/, 0],
    ['   ', /^selector: empty/, 0],
    ['tag:(env-prod AND) name:x', /^selector: in 'tag:\(env-prod AND\)' at position 0: tag expression: expected a tag, "\(" or NOT at position 17, found '\)'$/, 17],
    ['name:x tag:(env-prod AND', /in 'tag:\(env-prod AND' at position 7: tag expression: expected a tag, "\(" or NOT at position 24, found end of input/, 24],
    ['tag:(a OR b', /expected AND, OR or "\)" at position 11, found end of input/, 11],
    ['TAG:a&b', /expected AND, OR or end of input at position 5, found '&' \(write && or AND\)/, 5],
    ['tag:', /^selector: 'tag:' at position 0 needs a value, e\.g\. tag:env-prod/, 0],
    ['web-* name:', /'name:' at position 6 needs a value/, 6],
    ['status:sleeping', /^selector: status 'sleeping' at position 0 is not valid; use running, stopped, paused, suspended, unknown$/, 0],
    ['all type:vm', /type 'vm' at position 4 is not valid; use qemu or lxc/, 4],
    ['template:maybe', /template 'maybe' at position 0 is not valid; use yes or no/, 0],
    ['template:yes template:no', /'template:no' at position 13 contradicts an earlier template: term/, 13],
    ['colour:red', /^selector: unknown term 'colour:' at position 0; use tag: name: id: node: pool: status: type: template: or all, or a bare word as a name glob$/, 0],
    ['id:82a0', /^selector: 'id:82a0' at position 0: '82a0' is not a VM id or range/, 0],
    ['id:100 id:8200-8209', /'id:8200-8209' at position 7 shares no id with 'id:100'/, 7],
    ['name:web-[0-9', /'name:web-\[0-9' at position 0: 'web-\[0-9' is not a valid glob/, 0],
    ['tag:env-prod AND client-acme', /'AND' at position 13 is an operator outside a tag expression; put the expression in parentheses, e\.g\. tag:\(env-prod AND client-acme\)/, 13],
    ['tag:a || tag:b', /'\|\|' at position 6 is an operator outside a tag expression/, 6],
    ['(env-prod OR env-dev)', /'\(env-prod OR env-dev\)' at position 0 looks like a tag expression; write it as tag:\(env-prod OR env-dev\)/, 0],
    ['status:running !always-on', /'!always-on' at position 15 looks like a tag expression/, 15],
  ];
  it.each(cases)('%j', (line, message, position) => {
    const err = errorOf(line);
    expect(err.message).toMatch(message);
    expect(err.position).toBe(position);
  });

  it('names the offending term', () => {
    expect(errorOf('all status:sleeping').field).toBe('status:sleeping');
    expect(errorOf('tag:(a AND) web').field).toBe('tag:(a AND)');
  });

  it('resolving a bad line throws the same error', () => {
    expect(() => resolveSelectorLine(inv, 'status:sleeping')).toThrow(/status 'sleeping' at position 0/);
  });
});
