/**
 * Load: the survey webhook takes at least 1,000 responses per second on loopback without loss.
 * 20,000 signed responses (200 of them sent twice, as a retrying survey tool does) with 32 in
 * flight against the real app in its own process and the real Redis; afterwards the stored
 * surveys.response records are counted. The rate is asserted because this suite runs on a quiet
 * machine; it is printed either way.
 */
import { loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import { benchWebhook } from '../../bench/webhook.ts';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.ts';

describe('survey webhook under load', () => {
  it('stores every distinct response, answers every request 2xx, at >= 1,000 responses/s', async () => {
    const r = await benchWebhook({ redisUrl: TEST_REDIS_URL, prefix: uniquePrefix('webhook-load'), responses: 20_000, concurrency: 32, repeats: 200 });
    console.log(`webhook load: ${r.sent} requests in ${(r.ms / 1000).toFixed(2)} s = ${Math.round(r.perSecond)}/s; statuses ${JSON.stringify(r.statuses)}; stored ${r.stored} of ${r.distinct} distinct; server CPU ${r.serverCpuMs === null ? '?' : (r.serverCpuMs / r.sent).toFixed(3)} ms per response; load average ${loadavg()[0]?.toFixed(2)}`);
    expect(r.statuses).toEqual({ 202: 20_200 });
    expect(r.lost).toBe(0);
    expect(r.stored).toBe(r.distinct);
    expect(r.perSecond).toBeGreaterThanOrEqual(1_000);
  });
});
