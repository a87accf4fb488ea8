/**
 * The pull lands Mixpanel activity pages through the hand-written check and the schema: canonical
 * activities are stored as they are, one with an extra key or another key order is stored as the
 * schema outputs it, and an invalid one is quarantined with the schema's reason.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Page } from '../../../src/contracts/connector.ts';
import { fakeConnector } from '../../helpers/fake-connector.ts';
import { activityId, type MixpanelActivity } from '../../../src/contracts/records.ts';
import { keys } from '../../../src/store/keys.ts';
import { createSyncContext, type SyncContext } from '../../../src/sync/context.ts';
import { pullSource } from '../../../src/sync/pull.ts';
import { silentLogger } from '../../../src/logging/logger.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('persist-activities');
afterEach(async () => dropPrefix(redis, prefix));
afterAll(() => redis.disconnect());

const DAY = '2026-11-01';
const activity = (distinctId: string, eventCount: number): MixpanelActivity => ({
  kind: 'mixpanel.activity', id: activityId(DAY, distinctId, null), day: DAY, distinctId, accountId: null, eventCount, eventNames: ['login'], firstAt: 1, lastAt: 2,
});

function context(records: unknown[]): SyncContext {
  const connector = fakeConnector('mixpanel', [
    {
      name: 'activities',
      kind: 'mixpanel.activity',
      async *pull(): AsyncGenerator<Page<'mixpanel.activity'>> {
        yield { kind: 'mixpanel.activity', records: records as MixpanelActivity[], quarantined: [], partition: DAY, checkpoint: { completeThrough: DAY }, apiCalls: 1 };
      },
    },
  ]);
  return createSyncContext({
    redis,
    prefix,
    log: silentLogger(),
    now: () => new Date('2026-11-02T00:00:00Z'),
    sources: { mixpanel: { connector, config: {} } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: 200 },
  });
}

describe('persisting a Mixpanel activity page', () => {
  it('stores canonical activities as they are, others as the schema outputs them, and quarantines invalid ones', async () => {
    const canonical = activity('a', 3);
    const { kind, eventNames, ...rest } = activity('b', 4);
    const reordered = { eventNames, ...rest, kind, extra: 'dropped' };
    const invalid = { ...activity('c', 1), eventCount: -1 };
    const summary = await pullSource(context([canonical, reordered, invalid]), 'run-1', 'mixpanel', { full: true });
    expect(summary).toMatchObject({ records: 2, changed: 2, quarantined: 1 });
    const stored = await redis.hgetall(keys(prefix).records('mixpanel.activity'));
    expect(stored).toEqual({ [canonical.id]: JSON.stringify(canonical), [rest.id]: JSON.stringify(activity('b', 4)) });
    const ctx = context([]);
    const quarantined = await ctx.logs.query({ status: 'quarantined' });
    expect(quarantined.map((q) => [q.recordId, q.message.split(' | ')[0]])).toEqual([[invalid.id, 'mapped record invalid: eventCount: Too small: expected number to be >=0']]);
  });
});
