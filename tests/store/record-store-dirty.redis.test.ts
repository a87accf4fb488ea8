/** The record store marks exactly the changed and removed ids dirty, in the write's MULTI. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { keys } from '../../src/store/keys.ts';
import { RecordStore } from '../../src/store/record-store.ts';
import { activity, org } from '../identity/fixtures.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('dirty');
afterEach(async () => dropPrefix(redis, prefix));
afterAll(() => redis.disconnect());

const dirty = async (kind: Parameters<ReturnType<typeof keys>['dirty']>[0]): Promise<string[]> => (await redis.smembers(keys(prefix).dirty(kind))).sort();

describe('RecordStore dirty sets', () => {
  it('marks inserted, updated and removed ids, never unchanged ones', async () => {
    const store = new RecordStore(redis, prefix);
    await store.upsert('zendesk.organization', [org('1', ['a.com']), org('2', ['b.com'])]);
    expect(await dirty('zendesk.organization')).toEqual(['1', '2']);
    await redis.del(keys(prefix).dirty('zendesk.organization'));

    await store.upsert('zendesk.organization', [org('1', ['a.com']), org('2', ['b2.com'])]);
    expect(await dirty('zendesk.organization')).toEqual(['2']);
    await store.upsert('zendesk.organization', [], { deletedIds: ['1', 'never-there'] });
    expect(await dirty('zendesk.organization')).toEqual(['1', '2']);
  });

  it('marks the ids a replaced partition dropped, and nothing when the same window is pulled again', async () => {
    const store = new RecordStore(redis, prefix);
    const day = '2026-11-01';
    const [a, b] = [activity('a', null, day), activity('b', null, day)];
    await store.upsert('mixpanel.activity', [a, b], { partition: day });
    await redis.del(keys(prefix).dirty('mixpanel.activity'));
    await store.upsert('mixpanel.activity', [a, b], { partition: day });
    expect(await dirty('mixpanel.activity')).toEqual([]);
    await store.upsert('mixpanel.activity', [a], { partition: day });
    expect(await dirty('mixpanel.activity')).toEqual([b.id]);
  });

  it('removeAll marks every removed id', async () => {
    const store = new RecordStore(redis, prefix);
    await store.upsert('zendesk.organization', [org('1', []), org('2', [])]);
    await redis.del(keys(prefix).dirty('zendesk.organization'));
    await store.removeAll('zendesk.organization');
    expect(await store.count('zendesk.organization')).toBe(0);
    expect(await dirty('zendesk.organization')).toEqual(['1', '2']);
  });
});

describe('RecordStore pages larger than one command can carry', () => {
  it('upserts and removes 150,000 records in one call', { timeout: 60_000 }, async () => {
    const store = new RecordStore(redis, prefix);
    const orgs = Array.from({ length: 150_000 }, (_, i) => org(String(i), []));
    expect((await store.upsert('zendesk.organization', orgs)).inserted).toBe(150_000);
    expect(await redis.scard(keys(prefix).dirty('zendesk.organization'))).toBe(150_000);
    expect((await store.upsert('zendesk.organization', [], { deletedIds: orgs.map((o) => o.id) })).removed).toBe(150_000);
    expect(await store.count('zendesk.organization')).toBe(0);
  });
});
