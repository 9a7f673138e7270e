// Plans (dry runs) kept for a while, so get_operation can page through a large destructive plan by its id
// before the user confirms it. In this process only, bounded in count and age: a plan is a preview, not history.
import type { Operation } from '../src/ops/types.js';

export const PLAN_TTL_MS = 30 * 60_000;
const MAX_PLANS = 200;

export class PlanStore {
  private readonly plans = new Map<string, { op: Operation; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  keep(op: Operation): void {
    this.prune();
    if (this.plans.size >= MAX_PLANS) {
      const oldest = this.plans.keys().next().value;
      if (oldest !== undefined) this.plans.delete(oldest);
    }
    this.plans.set(op.id, { op, expiresAt: this.now() + PLAN_TTL_MS });
  }

  get(id: string): Operation | undefined {
    this.prune();
    return this.plans.get(id)?.op;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, p] of this.plans) if (p.expiresAt <= now) this.plans.delete(id);
  }
}
