/**
 * A page's counters are applied once per page sequence: the same page transaction applied twice
 * (ioredis sends an unanswered command again once it has reconnected to a restarted Redis) counts
 * once, and the next page goes on from the sequence the first one left.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('page-counters');
afterAll(async () => {
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

describe('page counters', () => {
  it('count a repeated page transaction once', async () => {
    const runs = new RunStore(redis, prefix);
    const run = await runs.create({ sources: ['zendesk'], full: true, dryRun: false, trigger: 'test' }, new Date());
    const page = async (seq: number, value: number, partition: string | null = null): Promise<void> => {
      const m = redis.multi();
      runs.addPageCounters(m, run.id, { seq, records: { counter: 'records.zendesk', stream: 'zendesk:users', partition, value }, counters: { 'changed.zendesk': value } });
      await m.exec();
    };
    let seq = await runs.pageSeq(run.id, 'zendesk:users');
    expect(seq).toBe(0);
    await page(seq, 20);
    await page(seq, 20); // the same transaction again
    seq += 1;
    expect(await runs.pageSeq(run.id, 'zendesk:users')).toBe(seq);
    await page(seq, 7);
    await page(seq, 7);
    seq += 1;
    await page(seq, 5, '2026-11-01');
    await page(seq, 5, '2026-11-01');
    const counters = (await runs.get(run.id))?.counters ?? {};
    expect(counters['records.zendesk']).toBe(32);
    expect(counters['changed.zendesk']).toBe(32);
    // Another stream keeps its own sequence.
    expect(await runs.pageSeq(run.id, 'zendesk:tickets')).toBe(0);
  });
});
