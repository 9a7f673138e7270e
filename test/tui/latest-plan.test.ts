// The options form's re-planning: a burst of changes makes one plan after the pause, and an older plan
// that answers after a newer one is dropped. Fake timers; the "plans" are promises the test settles.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LatestPlan } from '../../tui/latest-plan.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A planner whose answers the test gives, in any order. */
function planner() {
  const calls: Array<{ input: number; answer: (r: string) => void; fail: (e: Error) => void }> = [];
  const work = (input: number) =>
    new Promise<string>((answer, fail) => {
      calls.push({ input, answer, fail });
    });
  return { calls, work };
}

describe('LatestPlan', () => {
  it('plans once after a burst of changes, with the last input', async () => {
    const { calls, work } = planner();
    const applied: string[] = [];
    const live = new LatestPlan(250, work, (r) => applied.push(r), () => {});
    live.schedule(1);
    await vi.advanceTimersByTimeAsync(100);
    live.schedule(2);
    await vi.advanceTimersByTimeAsync(200);
    live.schedule(3);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(249);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.input)).toEqual([3]);
    calls[0].answer('plan 3');
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual(['plan 3']);
  });

  it('drops an older answer that arrives after a newer plan was asked for', async () => {
    const { calls, work } = planner();
    const applied: string[] = [];
    const failed: string[] = [];
    const live = new LatestPlan(250, work, (r) => applied.push(r), (e) => failed.push(e.message));
    live.schedule(1);
    await vi.advanceTimersByTimeAsync(250);
    live.schedule(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(calls.map((c) => c.input)).toEqual([1, 2]);
    calls[1].answer('plan 2');
    await vi.advanceTimersByTimeAsync(0);
    calls[0].answer('plan 1');
    calls[0].fail(new Error('late'));
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual(['plan 2']);
    expect(failed).toEqual([]);
  });

  it('a change still waiting makes the running plan stale; cancel drops both; flush plans at once', async () => {
    const { calls, work } = planner();
    const applied: string[] = [];
    const live = new LatestPlan(250, work, (r) => applied.push(r), () => {});
    live.schedule(1);
    await vi.advanceTimersByTimeAsync(250);
    live.schedule(2);
    calls[0].answer('plan 1');
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([]);
    live.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
    live.schedule(4);
    const done = live.flush();
    expect(calls.map((c) => c.input)).toEqual([1, 4]);
    calls[1].answer('plan 4');
    await done;
    expect(applied).toEqual(['plan 4']);
  });
});
