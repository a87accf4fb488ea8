/** Sliding-window limiter on the emulator clock: answers how long to wait (ms), 0 when allowed. */
export class WindowLimiter {
  private readonly hits: number[] = [];
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}
  /** Records a hit when allowed; returns 0, or the milliseconds until a slot frees. */
  take(): number {
    const t = this.now();
    while (this.hits.length > 0 && (this.hits[0] ?? 0) <= t - this.windowMs) this.hits.shift();
    if (this.hits.length >= this.limit) return (this.hits[0] ?? t) + this.windowMs - t;
    this.hits.push(t);
    return 0;
  }
}
