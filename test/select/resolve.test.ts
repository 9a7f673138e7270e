import { describe, expect, it } from 'vitest';
import { describeSelectors } from '../../src/select/describe-selectors.js';
import { resolveSelectors, validateSelectors } from '../../src/select/resolve.js';
import { SelectorError } from '../../src/select/selector-error.js';
import type { VmSelector } from '../../src/select/types.js';
import { ids, inv, vm } from './inventory-fixture.js';

const kinds = (r: { warnings: Array<{ kind: string }> }) => r.warnings.map((w) => w.kind);

describe('ALL', () => {
  it('selects every VM but templates', () => {
    const r = resolveSelectors(inv, [{ type: 'ALL', value: '*' }]);
    expect(ids(r)).toEqual([100, 101, 102, 103, 300, 8200, 8201, 8202]);
    // Leaving templates out of ALL is the documented default, not worth a warning.
    expect(kinds(r)).toEqual(['node-offline']);
  });

  it('includes templates when asked', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'ALL', includeTemplates: true }]))).toEqual([100, 101, 102, 103, 300, 8200, 8201, 8202, 9001, 9002]);
  });

  it('takes an exclude', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'ALL', exclude: 'always-on OR workshop' }]))).toEqual([100, 103, 300]);
  });
});

describe('VM_IDS', () => {
  it('takes lists and ranges, whitespace tolerated', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'VM_IDS', value: '102, 100' }]))).toEqual([100, 102]);
    expect(ids(resolveSelectors(inv, [{ type: 'VM_IDS', value: '8200 - 8202' }]))).toEqual([8200, 8201, 8202]);
  });

  it('reports ids that do not exist instead of dropping them', () => {
    const r = resolveSelectors(inv, [{ type: 'VM_IDS', value: '100,4242' }]);
    expect(ids(r)).toEqual([100]);
    expect(r.warnings).toEqual([{ kind: 'unknown-vmid', vmid: 4242, count: 1, message: 'VM 4242 does not exist in this cluster' }]);
  });

  it('folds a run of unknown ids from a range into one warning', () => {
    const r = resolveSelectors(inv, [{ type: 'VM_IDS', value: '8201-8209,8300' }]);
    expect(ids(r)).toEqual([8201, 8202]);
    expect(r.warnings).toEqual([
      { kind: 'unknown-vmid', vmid: 8203, lastVmid: 8209, count: 7, message: 'VMs 8203-8209 do not exist in this cluster' },
      { kind: 'unknown-vmid', vmid: 8300, count: 1, message: 'VM 8300 does not exist in this cluster' },
    ]);
  });

  it('names templates explicitly, so they are included', () => {
    const r = resolveSelectors(inv, [{ type: 'VM_IDS', value: '9001' }]);
    expect(ids(r)).toEqual([9001]);
    expect(r.warnings).toEqual([]);
  });

  it('accepts a bare number and applies an exclude', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'VM_IDS', value: 101 as unknown as string }]))).toEqual([101]);
    expect(ids(resolveSelectors(inv, [{ type: 'VM_IDS', value: '100-103', exclude: 'always-on' }]))).toEqual([100, 103]);
  });
});

describe('NAME_PATTERN', () => {
  it('is a case-insensitive full-match glob', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }]))).toEqual([8200, 8201, 8202]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'WEB-0?' }]))).toEqual([100, 101]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'web-0[2-9]' }]))).toEqual([101]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'web' }]))).toEqual([]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'mon.example.com' }]))).toEqual([103]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: '*.com' }]))).toEqual([103]);
  });

  it('leaves templates out with a warning that says how to include them', () => {
    const r = resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: '*-template' }]);
    expect(ids(r)).toEqual([]);
    expect(r.warnings).toEqual([
      expect.objectContaining({ kind: 'template-excluded', count: 2, vmids: [9001, 9002], message: expect.stringMatching(/vmSelectors\[0\] \(name \*-template\) also matched 2 template\(s\) \(9001, 9002\), left out; set includeTemplates: true/) }),
    ]);
    const withTemplates = resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: '*-template', includeTemplates: true }]);
    expect(ids(withTemplates)).toEqual([9001, 9002]);
    expect(kinds(withTemplates)).toEqual(['node-offline']);
  });
});

describe('TAG_EXPRESSION', () => {
  it('evaluates the expression over each VM', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-acme' }]))).toEqual([100]);
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'client-* AND NOT always-on' }]))).toEqual([100]);
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'team.ops && net+edge' }]))).toEqual([103]);
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'ENV-PROD' }]))).toEqual([100, 102, 300]);
  });

  it('matches tags case-insensitively even when the inventory holds mixed case', () => {
    const mixed = { ...inv, vms: [vm(500, 'x', ['Env-Prod', 'CLIENT-Acme'])] };
    expect(ids(resolveSelectors(mixed, [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-*' }]))).toEqual([500]);
  });

  it('takes an exclude', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'client-acme', exclude: 'always-on' }]))).toEqual([100]);
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'env-prod', exclude: 'lxc OR client-nixz' }]))).toEqual([100]);
  });

  it('warns about a template the tags matched', () => {
    const r = resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'env-prod' }]);
    expect(ids(r)).toEqual([100, 102, 300]);
    expect(r.warnings).toEqual([expect.objectContaining({ kind: 'template-excluded', vmids: [9001] })]);
    // An exclude that removes the template removes the reason to warn.
    expect(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'env-prod', exclude: 'template' }]).warnings).toEqual([]);
  });
});

describe('several selectors', () => {
  it('are a union, de-duplicated by vmid, in vmid order', () => {
    const r = resolveSelectors(inv, [
      { type: 'TAG_EXPRESSION', value: 'workshop' },
      { type: 'VM_IDS', value: '8201,100' },
      { type: 'NAME_PATTERN', value: 'web-*' },
    ]);
    expect(ids(r)).toEqual([100, 101, 8200, 8201, 8202]);
    expect(new Set(ids(r)).size).toBe(ids(r).length);
  });

  it('apply each exclude to its own selector only', () => {
    const r = resolveSelectors(inv, [
      { type: 'TAG_EXPRESSION', value: 'workshop', exclude: 'always-on' },
      { type: 'VM_IDS', value: '8202' },
    ]);
    expect(ids(r)).toEqual([8200, 8201, 8202]);
  });

  it('do not warn about a template another selector took', () => {
    const r = resolveSelectors(inv, [
      { type: 'NAME_PATTERN', value: '*-template' },
      { type: 'VM_IDS', value: '9001' },
    ]);
    expect(ids(r)).toEqual([9001]);
    expect(r.warnings).toEqual([expect.objectContaining({ kind: 'template-excluded', vmids: [9002] })]);
  });

  it('report each unknown id once', () => {
    const r = resolveSelectors(inv, [
      { type: 'VM_IDS', value: '4242' },
      { type: 'VM_IDS', value: '4242,4243' },
    ]);
    expect(r.warnings.map((w) => w.message)).toEqual(['VMs 4242-4243 do not exist in this cluster']);
  });
});

describe('offline nodes', () => {
  it('warn once per node about the selected VMs on it', () => {
    const r = resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'workshop' }]);
    expect(ids(r)).toEqual([8200, 8201, 8202]);
    expect(r.warnings).toEqual([{ kind: 'node-offline', node: 'pve2', count: 1, message: 'node pve2 is offline: 1 selected VM(s) on it cannot be acted on' }]);
  });

  it('stay quiet when nothing selected is on them', () => {
    expect(resolveSelectors(inv, [{ type: 'VM_IDS', value: '100' }]).warnings).toEqual([]);
  });
});

describe('selector validation', () => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /vmSelectors: give at least one selector/],
    ['ALL', /vmSelectors: give at least one selector/],
    [[null], /vmSelectors\[0\]: must be an object with type and value/],
    [[{ type: 'TAGS', value: 'x' }], /vmSelectors\[0\]\.type: 'TAGS' is not valid; use one of ALL, VM_IDS, NAME_PATTERN, TAG_EXPRESSION/],
    [[{ value: 'x' }], /vmSelectors\[0\]\.type: missing; use one of ALL, VM_IDS, NAME_PATTERN, TAG_EXPRESSION/],
    [[{ type: 'vm_ids', value: '1' }], /vmSelectors\[0\]\.type: 'vm_ids' is not valid/],
    [[{ type: 'NAME_PATTERN' }], /vmSelectors\[0\]\.value: required for NAME_PATTERN, e\.g\. "workshop-wk-\*"/],
    [[{ type: 'TAG_EXPRESSION', value: '  ' }], /vmSelectors\[0\]\.value: required for TAG_EXPRESSION/],
    [[{ type: 'VM_IDS', value: ['8200'] }], /vmSelectors\[0\]\.value: must be a string/],
    [[{ type: 'ALL' }, { type: 'VM_IDS', value: '8200,x1' }], /vmSelectors\[1\]\.value: 'x1' is not a VM id or range/],
    [[{ type: 'ALL' }, { type: 'TAG_EXPRESSION', value: 'a AND' }], /vmSelectors\[1\]\.value: tag expression: expected a tag, "\(" or NOT at position 5, found end of input/],
    [[{ type: 'ALL', exclude: 'a b' }], /vmSelectors\[0\]\.exclude: tag expression: expected AND, OR or end of input at position 2/],
    [[{ type: 'ALL', exclude: 42 }], /vmSelectors\[0\]\.exclude: must be a tag expression/],
    [[{ type: 'NAME_PATTERN', value: 'web-[' }], /vmSelectors\[0\]\.value: 'web-\[' is not a valid glob/],
    [[{ type: 'ALL', includeTemplates: 'yes' }], /vmSelectors\[0\]\.includeTemplates: must be true or false/],
    [[{ type: 'VM_IDS', values: '8200' }], /vmSelectors\[0\]\.values: unknown field; a selector has type, value, exclude, includeTemplates/],
  ];
  it.each(cases)('%j is refused', (selectors, message) => {
    expect(() => resolveSelectors(inv, selectors as VmSelector[])).toThrow(SelectorError);
    expect(() => resolveSelectors(inv, selectors as VmSelector[])).toThrow(message);
  });

  it('keeps the position of a tag-expression error', () => {
    try {
      validateSelectors([{ type: 'TAG_EXPRESSION', value: 'env-prod AND' }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SelectorError);
      expect((err as SelectorError).position).toBe(12);
      expect((err as SelectorError).field).toBe('vmSelectors[0].value');
    }
  });

  it('fails the whole request before matching anything', () => {
    expect(() => resolveSelectors(inv, [{ type: 'VM_IDS', value: '100' }, { type: 'NAME_PATTERN', value: '' }])).toThrow(/vmSelectors\[1\]\.value/);
  });

  it('names the list as the caller calls it', () => {
    expect(() => validateSelectors([{ type: 'X' }], { field: 'job.vmSelectors' })).toThrow(/^job\.vmSelectors\[0\]\.type/);
  });

  it('returns the selectors normalised', () => {
    expect(validateSelectors([{ type: 'NAME_PATTERN', value: ' web-* ', includeTemplates: false }, { type: 'ALL', value: '*', includeTemplates: true }, { type: 'VM_IDS', value: 8200 as unknown as string }])).toEqual([
      { type: 'NAME_PATTERN', value: 'web-*' },
      { type: 'ALL', value: '*', includeTemplates: true },
      { type: 'VM_IDS', value: '8200' },
    ]);
  });
});

describe('describing selectors in one line', () => {
  it.each<[VmSelector[], string]>([
    [[{ type: 'ALL', value: '*' }], 'all VMs'],
    [[{ type: 'ALL', includeTemplates: true }], 'all VMs (templates included)'],
    [[{ type: 'VM_IDS', value: '8200' }], 'VM 8200'],
    [[{ type: 'VM_IDS', value: '8202,8200,8201' }], 'VMs 8200-8202'],
    [[{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }], 'names matching workshop-wk-*'],
    [[{ type: 'TAG_EXPRESSION', value: 'env-prod' }], 'tags env-prod'],
    [[{ type: 'TAG_EXPRESSION', value: 'env-dev and not always-on' }], 'tags (env-dev AND NOT always-on)'],
    [
      [
        { type: 'TAG_EXPRESSION', value: 'env-prod && client-acme', exclude: 'always-on' },
        { type: 'VM_IDS', value: '8200,8201,8202' },
      ],
      'tags (env-prod AND client-acme) except tags always-on, or VMs 8200-8202',
    ],
    [[{ type: 'TAG_EXPRESSION', value: 'a AND (' }], 'tags (a AND ()'],
    [[], 'no VMs'],
  ])('%j → %s', (selectors, text) => {
    expect(describeSelectors(selectors)).toBe(text);
  });
});
