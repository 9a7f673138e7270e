// A long-lived reader (the TUI, the MCP or REST server) opened its history before another process died
// mid-operation: listing the operations marks that one interrupted then, as opening the store would,
// instead of showing it running for ever. The dead owner is this process's pid with another start time
// (a reused pid), which ownerGone judges gone like a killed process.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { currentOwner } from '../../src/history/process-owner.js';
import { HistoryStore, openHistory } from '../../src/history/store.js';
import { operation, tmp } from './fixtures.js';

describe('history: a reader that stays open', () => {
  it('lists an operation whose process died after it opened as interrupted, never cancelled for a started VM', async () => {
    const me = currentOwner();
    // Linux keeps a start time per process; elsewhere a pid alone never proves a death.
    expect(me.start).toBeDefined();
    const dir = tmp('live-reader');
    const reader = await openHistory({ dir });
    const writer = new HistoryStore({ dir });
    await writer.operationStarted(operation('op-dead'));
    await writer.operationStarted(operation('op-alive'));
    await writer.flush();
    expect((await reader.listOperationSummaries()).map((o) => o.status)).toEqual(['running', 'running']);

    // op-dead's process "dies": its record and index entry name an owner that is gone.
    const dead = { ...me, start: `${me.start}9` };
    const file = writer.layout.operation('op-dead');
    const shard = JSON.parse(readFileSync(file, 'utf8')) as { operation: { owner: unknown } };
    shard.operation.owner = dead;
    writeFileSync(file, JSON.stringify(shard));
    await writer.update((d) => {
      d.operations.find((o) => o.id === 'op-dead')!.owner = dead;
    });

    const summaries = await reader.listOperationSummaries();
    expect(Object.fromEntries(summaries.map((o) => [o.id, o.status]))).toEqual({ 'op-dead': 'interrupted', 'op-alive': 'running' });
    const op = (await reader.listOperations()).find((o) => o.id === 'op-dead')!;
    // 100 had succeeded, 101 was running (interrupted, never cancelled), 102 had not started (cancelled).
    expect(op.targets.map((t) => t.state)).toEqual(['succeeded', 'interrupted', 'cancelled']);
    expect(op.targets[1].message).toMatch(/check the VM 101/);
    expect(op.summary?.counts).toMatchObject({ interrupted: 1, cancelled: 1, succeeded: 1 });
    await writer.flush();
  });
});
