/** Mixpanel rate limits on the emulator clock. */
import { WindowLimiter } from '../../../src/sandbox/emulator-kit/index.ts';

export interface MixpanelLimitTable {
  exportPerHour: number;
  exportPerSecond: number;
  exportConcurrent: number;
  queryPerHour: number;
  queryConcurrent: number;
}

export const MIXPANEL_LIMITS: Record<'relaxed' | 'real', MixpanelLimitTable> = {
  relaxed: { exportPerHour: 100_000, exportPerSecond: 100, exportConcurrent: 100, queryPerHour: 100_000, queryConcurrent: 50 },
  /** Mixpanel's documented limits: export 60/hour, 3/s, 100 concurrent; query API 60/hour, 5 concurrent. */
  real: { exportPerHour: 60, exportPerSecond: 3, exportConcurrent: 100, queryPerHour: 60, queryConcurrent: 5 },
};

/** A WindowLimiter that also counts the requests in its window (for the 429 message). */
export class CountingLimiter {
  private readonly inner: WindowLimiter;
  private readonly hits: number[] = [];
  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {
    this.inner = new WindowLimiter(limit, windowMs, now);
  }
  take(): number {
    const wait = this.inner.take();
    if (wait === 0) this.hits.push(this.now());
    return wait;
  }
  count(): number {
    const t = this.now();
    while (this.hits.length > 0 && (this.hits[0] ?? 0) <= t - this.windowMs) this.hits.shift();
    return this.hits.length;
  }
}
