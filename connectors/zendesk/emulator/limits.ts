/** Zendesk rate-limit families on the emulator clock, with the counts Zendesk reports in headers. */
import { WindowLimiter } from '../../../src/sandbox/emulator-kit/index.ts';

export type ZendeskLimitFamily = 'api' | 'incremental' | 'users-cursor';

export const ZENDESK_LIMITS: Record<'relaxed' | 'real', Record<ZendeskLimitFamily, number>> = {
  /** Fast enough for any sandbox dataset; 429s are still reachable with faults. */
  relaxed: { api: 700, incremental: 600, 'users-cursor': 600 },
  /** Zendesk's documented limits: 700/min account (Enterprise), 10/min incremental exports, 20/min users cursor export. */
  real: { api: 700, incremental: 10, 'users-cursor': 20 },
};

const WINDOW_MS = 60_000;

/** A WindowLimiter that also knows how many requests remain in the window (for the headers). */
export class CountingLimiter {
  private readonly inner: WindowLimiter;
  private readonly hits: number[] = [];
  constructor(
    readonly limit: number,
    private readonly now: () => number,
  ) {
    this.inner = new WindowLimiter(limit, WINDOW_MS, now);
  }
  /** 0 when allowed (and counted), else the milliseconds until a slot frees. */
  take(): number {
    const wait = this.inner.take();
    if (wait === 0) this.hits.push(this.now());
    return wait;
  }
  remaining(): number {
    const t = this.now();
    while (this.hits.length > 0 && (this.hits[0] ?? 0) <= t - WINDOW_MS) this.hits.shift();
    return Math.max(0, this.limit - this.hits.length);
  }
  /** Seconds until the oldest counted request leaves the window. */
  resetsInSeconds(): number {
    const oldest = this.hits[0];
    return oldest === undefined ? 60 : Math.max(1, Math.ceil((oldest + WINDOW_MS - this.now()) / 1000));
  }
}
