import { describe, expect, it } from 'vitest';
import type { Inventory, Vm } from '../../src/inventory/model.js';
import { resolveSelectors, describeSelectors } from '../../src/select/resolve.js';
import { parseSelectorLine, resolveSelectorLine } from '../../src/select/selector-line.js';
import { parseVmIds } from '../../src/select/vm-ids.js';

function vm(vmid: number, name: string, tags: string[], extra: Partial<Vm> = {}): Vm {
  return { vmid, name, node: 'pve1', type: 'qemu', status: 'running', template: false, tags, cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, disk: 0, maxdisk: 1, uptime: 0, ...extra };
}

const inv: Inventory = {
  fetchedAt: 0,
  storages: [],
  nodes: [
    { node: 'pve1', status: 'online', cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, uptime: 1 },
    { node: 'pve2', status: 'offline', cpu: 0, maxcpu: 1, mem: 0, maxmem: 1, uptime: 0 },
  ],
  vms: [
    vm(100, 'web-01', ['env-prod', 'client-acme', 'web']),
    vm(101, 'web-02', ['env-dev', 'client-acme', 'web', 'always-on']),
    vm(102, 'db-01', ['env-prod', 'client-nixz', 'always-on'], { status: 'stopped' }),
    vm(8200, 'workshop-wk-01', ['workshop', 'moxxie'], { node: 'pve2', status: 'unknown' }),
    vm(8201, 'workshop-wk-02', ['workshop', 'moxxie']),
    vm(9001, 'debian-12-template', ['template'], { template: true, status: 'stopped' }),
    vm(300, 'ct-dns', ['lxc'], { type: 'lxc' }),
  ],
};

const ids = (r: { vms: Vm[] }) => r.vms.map((v) => v.vmid);

describe('selectors', () => {
  it('ALL excludes templates unless asked', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'ALL', value: '*' }]))).toEqual([100, 101, 102, 300, 8200, 8201]);
    expect(ids(resolveSelectors(inv, [{ type: 'ALL', includeTemplates: true }]))).toContain(9001);
  });

  it('VM_IDS takes lists and ranges and reports unknown ids', () => {
    const r = resolveSelectors(inv, [{ type: 'VM_IDS', value: '100, 102,8200-8202' }]);
    expect(ids(r)).toEqual([100, 102, 8200, 8201]);
    expect(r.warnings.filter((w) => w.kind === 'unknown-vmid').map((w) => w.vmid)).toEqual([8202]);
    expect(parseVmIds('8200-8203')).toEqual([8200, 8201, 8202, 8203]);
    expect(() => parseVmIds('82a0')).toThrow(/'82a0' is not a VM id or range/);
    expect(() => parseVmIds('9-5')).toThrow(/runs backwards/);
  });

  it('NAME_PATTERN is a case-insensitive full-match glob', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }]))).toEqual([8200, 8201]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'WEB-0?' }]))).toEqual([100, 101]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'web-0[2-9]' }]))).toEqual([101]);
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'web' }]))).toEqual([]);
    // Regex syntax is not regex: a dot is a dot.
    expect(ids(resolveSelectors(inv, [{ type: 'NAME_PATTERN', value: 'web.01' }]))).toEqual([]);
  });

  it('TAG_EXPRESSION with exclude; unions are de-duplicated in vmid order', () => {
    expect(ids(resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'client-acme', exclude: 'always-on' }]))).toEqual([100]);
    const union = resolveSelectors(inv, [
      { type: 'TAG_EXPRESSION', value: 'workshop' },
      { type: 'VM_IDS', value: '8201,100' },
    ]);
    expect(ids(union)).toEqual([100, 8200, 8201]);
  });

  it('warns about selected VMs on offline nodes', () => {
    const r = resolveSelectors(inv, [{ type: 'TAG_EXPRESSION', value: 'workshop' }]);
    expect(r.warnings).toEqual([expect.objectContaining({ kind: 'node-offline', node: 'pve2' })]);
  });

  it('rejects malformed selectors naming the field', () => {
    expect(() => resolveSelectors(inv, [{ type: 'TAGS' as never, value: 'x' }])).toThrow(/vmSelectors\[0\]\.type: 'TAGS' is not valid; use one of ALL, VM_IDS, NAME_PATTERN, TAG_EXPRESSION/);
    expect(() => resolveSelectors(inv, [{ type: 'NAME_PATTERN' }])).toThrow(/vmSelectors\[0\]\.value: required/);
    expect(() => resolveSelectors(inv, [{ type: 'ALL' }, { type: 'TAG_EXPRESSION', value: 'a AND' }])).toThrow(/vmSelectors\[1\]: tag expression: expected/);
    expect(() => resolveSelectors(inv, [])).toThrow(/at least one selector/);
  });

  it('describes selectors in one line', () => {
    expect(describeSelectors([{ type: 'TAG_EXPRESSION', value: 'env-prod', exclude: 'always-on' }, { type: 'VM_IDS', value: '1' }])).toBe('tag:(env-prod) excluding tag:(always-on) + id:1');
  });
});

describe('one-line selector syntax', () => {
  it('ANDs all terms', () => {
    expect(ids(resolveSelectorLine(inv, 'tag:(env-prod OR env-dev) status:running name:web-*'))).toEqual([100, 101]);
    expect(ids(resolveSelectorLine(inv, 'tag:(client-acme AND NOT always-on)'))).toEqual([100]);
    expect(ids(resolveSelectorLine(inv, 'node:pve2'))).toEqual([8200]);
    expect(ids(resolveSelectorLine(inv, 'id:8200-8209 status:running'))).toEqual([8201]);
    expect(ids(resolveSelectorLine(inv, 'type:lxc'))).toEqual([300]);
    expect(ids(resolveSelectorLine(inv, 'template:yes'))).toEqual([9001]);
    expect(ids(resolveSelectorLine(inv, 'workshop-*'))).toEqual([8200, 8201]);
    expect(ids(resolveSelectorLine(inv, 'all'))).toEqual([100, 101, 102, 300, 8200, 8201]);
  });

  it('reports unknown ids from id: terms', () => {
    expect(resolveSelectorLine(inv, 'id:100,555').warnings.map((w) => w.vmid)).toEqual([555]);
  });

  it('gives errors with positions', () => {
    expect(() => parseSelectorLine('tag:(env-prod AND) name:x')).toThrow(/expected a tag, "\(" or NOT at position 17/);
    expect(() => parseSelectorLine('status:sleeping')).toThrow(/status 'sleeping' at position 0 is not valid; use running/);
    expect(() => parseSelectorLine('colour:red')).toThrow(/unknown term 'colour:'/);
    expect(() => parseSelectorLine('tag:(a OR b')).toThrow(/unclosed "\("/);
    expect(() => parseSelectorLine('   ')).toThrow(/empty/);
  });
});
