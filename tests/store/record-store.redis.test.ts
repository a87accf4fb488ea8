import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RecordStore } from '../../src/store/record-store.ts';
import { LogStore } from '../../src/store/log-store.ts';
import { RunStore } from '../../src/store/run-store.ts';
import type { MixpanelActivity, ZendeskOrganization } from '../../src/contracts/records.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis: Redis = testRedis();
let prefix = '';
beforeEach(() => {
  prefix = uniquePrefix('store');
});
afterEach(async () => {
  await dropPrefix(redis, prefix);
});
afterAll(() => redis.disconnect());

const org = (id: string, name: string): ZendeskOrganization => ({ kind: 'zendesk.organization', id, name, domainNames: [], externalId: null, updatedAt: '2026-01-01T00:00:00Z' });
const activity = (day: string, user: string, n: number): MixpanelActivity => ({ kind: 'mixpanel.activity', id: `${day}|${user}|`, day, distinctId: user, accountId: null, eventCount: n, eventNames: ['login'] });

describe('RecordStore', () => {
  it('upserts idempotently and reports what changed', async () => {
    const store = new RecordStore(redis, prefix);
    expect(await store.upsert('zendesk.organization', [org('1', 'Acme'), org('2', 'Beta')])).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await store.upsert('zendesk.organization', [org('1', 'Acme'), org('2', 'Beta')])).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    expect(await store.upsert('zendesk.organization', [org('2', 'Beta Corp')])).toMatchObject({ updated: 1, changedIds: ['2'] });
    expect((await store.get('zendesk.organization', '2'))?.name).toBe('Beta Corp');
    expect(await store.count('zendesk.organization')).toBe(2);
  });

  it('replaces a partition whole', async () => {
    const store = new RecordStore(redis, prefix);
    await store.upsert('mixpanel.activity', [activity('2026-11-01', 'a', 3), activity('2026-11-01', 'b', 1)], { partition: '2026-11-01' });
    await store.upsert('mixpanel.activity', [activity('2026-11-02', 'a', 2)], { partition: '2026-11-02' });
    const again = await store.upsert('mixpanel.activity', [activity('2026-11-01', 'a', 4)], { partition: '2026-11-01' });
    expect(again).toMatchObject({ updated: 1, removed: 1 });
    const all = (await store.all('mixpanel.activity')).map((a) => `${a.id}=${a.eventCount}`).sort();
    expect(all).toEqual(['2026-11-01|a|=4', '2026-11-02|a|=2']);
  });

  it('removes records the source reports deleted', async () => {
    const store = new RecordStore(redis, prefix);
    await store.upsert('zendesk.organization', [org('1', 'Acme'), org('2', 'Beta')]);
    expect(await store.upsert('zendesk.organization', [], { deletedIds: ['2', '99'] })).toMatchObject({ removed: 1 });
    expect(await store.count('zendesk.organization')).toBe(1);
  });
});

describe('LogStore and RunStore', () => {
  it('filters logs newest first', async () => {
    const logs = new LogStore(redis, prefix);
    await logs.append([
      { runId: 'run-1', status: 'ok', message: 'first' },
      { runId: 'run-1', status: 'failed', accountId: '001A', message: 'UNABLE_TO_LOCK_ROW' },
      { runId: 'run-2', status: 'ok', message: 'third' },
    ]);
    expect((await logs.query()).map((e) => e.message)).toEqual(['third', 'UNABLE_TO_LOCK_ROW', 'first']);
    expect((await logs.query({ runId: 'run-1', status: 'failed' })).map((e) => e.accountId)).toEqual(['001A']);
    expect((await logs.query({ search: 'lock' })).length).toBe(1);
  });

  it('appends a large batch whole and in order in one script call, within the length cap', async () => {
    const logs = new LogStore(redis, prefix, 5_000);
    const entries = Array.from({ length: 12_000 }, (_, i) => ({ runId: 'run-big', status: 'unmatched' as const, recordId: `r${i}`, message: `entry ${i}` }));
    await logs.append(entries);
    const newest = await logs.query({ limit: 3 });
    expect(newest.map((e) => e.message)).toEqual(['entry 11999', 'entry 11998', 'entry 11997']);
    // MAXLEN ~ keeps at least the cap and trims whole nodes beyond it.
    const length = await redis.xlen(`${prefix}:logs`);
    expect(length).toBeGreaterThanOrEqual(5_000);
    expect(length).toBeLessThan(12_000);
  });

  it('trims log entries older than the retention', async () => {
    const logs = new LogStore(redis, prefix, 200_000, 1);
    const old = Date.now() - 3 * 86_400_000;
    await redis.xadd(`${prefix}:logs`, `${old}-0`, 'e', JSON.stringify({ at: new Date(old).toISOString(), runId: 'run-0', status: 'ok', source: null, kind: null, recordId: null, accountId: null, message: 'three days old' }));
    await logs.append([{ runId: 'run-1', status: 'ok', message: 'fresh' }]);
    expect((await logs.query()).map((e) => e.message)).toEqual(['fresh']);
  });

  it('creates runs with counters and lists them newest first', async () => {
    const runs = new RunStore(redis, prefix);
    const a = await runs.create({ sources: ['salesforce'], full: true, dryRun: false, trigger: 'test' }, new Date());
    const b = await runs.create({ sources: ['zendesk'], full: false, dryRun: false, trigger: 'test' }, new Date());
    await runs.incr(a.id, { 'records.salesforce': 5 });
    await runs.incr(a.id, { 'records.salesforce': 2 });
    expect((await runs.get(a.id))?.counters['records.salesforce']).toBe(7);
    expect((await runs.list()).map((r) => r.id)).toEqual([b.id, a.id]);
  });
});
