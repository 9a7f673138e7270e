// create_container over MCP: in the lifecycle toolset, not destructive; a body with NICs, features and a
// password makes the CT (read back from the simulator) and the password is in no answer; a bad field names it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLSET_OF } from '../../mcp/toolsets.js';
import { startHarness, textOf, type Harness } from './in-memory-server.js';
import { effectiveHints } from '../../mcp/compact-listing.js';

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 20, taskDurationMs: 20 });
});
afterAll(() => h.close());

describe('create_container', () => {
  it('is a lifecycle tool, not destructive, with the request schema as its input', async () => {
    expect(TOOLSET_OF.create_container).toBe('lifecycle');
    const tool = (await h.client.listTools()).tools.find((t) => t.name === 'create_container')!;
    expect(effectiveHints(tool.annotations)).toMatchObject({ destructiveHint: false, readOnlyHint: false });
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['node', 'hostname', 'ostemplate', 'rootfs', 'networks', 'password', 'sshPublicKeys', 'features']));
  });

  it('makes and starts the CT; the password reaches no answer', async () => {
    const r = await h.call('create_container', {
      node: 'pve2', hostname: 'mcp-ct', ostemplate: TEMPLATE, rootfs: { storage: 'local-zfs', sizeGB: 10 },
      networks: [{ bridge: 'vmbr0', ip: '192.168.7.20/24', gw: '192.168.7.1' }], memoryMB: 768, features: { nesting: true },
      password: 'mcp-pass-99', start: true,
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    const op = r.structuredContent as { status: string; targets: Array<{ vmid: number }> };
    expect(op.status).toBe('succeeded');
    expect(JSON.stringify(r)).not.toContain('mcp-pass-99');
    const ct = h.cluster.sim.state.vm(op.targets[0].vmid)!;
    expect(ct).toMatchObject({ type: 'lxc', name: 'mcp-ct', node: 'pve2', status: 'running' });
    expect(ct.config).toMatchObject({ memory: '768', features: 'nesting=1', rootfs: `local-zfs:subvol-${ct.vmid}-disk-0,size=10G` });
  });

  it('a refused field comes back naming it, nothing made', async () => {
    const before = h.cluster.sim.state.vms().length;
    const r = await h.call('create_container', { node: 'pve2', hostname: 'bad', ostemplate: TEMPLATE, rootfs: { storage: 'local', sizeGB: 4 } });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/rootfs\.storage: storage 'local' does not support container directories/);
    expect(h.cluster.sim.state.vms()).toHaveLength(before);
  });
});
