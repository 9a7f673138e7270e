// Plans made as a form changes: each change waits `delayMs` (a burst of keys makes one plan), and only
// the newest plan's answer is applied — an older dry run that answers late is dropped, so it can never
// overwrite a newer one.
export class LatestPlan<I, R> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiting: I | undefined;
  private seq = 0;
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly delayMs: number,
    private readonly work: (input: I) => Promise<R>,
    private readonly apply: (result: R, input: I) => void,
    private readonly failed: (err: Error, input: I) => void,
  ) {}

  /** A new input: plans it after the delay, and makes every earlier one stale. */
  schedule(input: I): void {
    const mine = ++this.seq;
    if (this.timer) clearTimeout(this.timer);
    this.waiting = input;
    this.timer = setTimeout(() => this.fire(mine, input), this.delayMs);
  }

  /** Nothing waiting or running counts any more (an input that cannot be planned). */
  cancel(): void {
    this.seq++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = undefined;
  }

  /** Plans what is waiting now, and resolves once the newest plan has answered. */
  async flush(): Promise<void> {
    if (this.timer && this.waiting !== undefined) {
      clearTimeout(this.timer);
      this.fire(this.seq, this.waiting);
    }
    await this.inflight;
  }

  private fire(mine: number, input: I): void {
    this.timer = undefined;
    this.waiting = undefined;
    this.inflight = this.work(input).then(
      (result) => {
        if (mine === this.seq) this.apply(result, input);
      },
      (err: Error) => {
        if (mine === this.seq) this.failed(err, input);
      },
    );
  }
}
