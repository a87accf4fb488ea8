/**
 * RecordStore.upsert against a model of its contract, over random sequences of pages (fast-check):
 * the outcome (inserted, updated, unchanged, removed, changedIds in order) and the whole stored
 * state after each page (records, partition sets, the dirty set, the records version) are the
 * model's. The model is the store as it was written before the upsert moved into a script on the
 * server (HMGET of the page, then HSET, partition replacement, HDEL of the removed ids that were
 * stored, SADD dirty and INCR of the version in one MULTI), transcribed onto Maps and Sets.
 */
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ZendeskOrganization } from '../../src/contracts/records.ts';
import { keys } from '../../src/store/keys.ts';
import { RecordStore, type UpsertOutcome } from '../../src/store/record-store.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefixes: string[] = [];
afterEach(async () => {
  for (const p of prefixes.splice(0)) await dropPrefix(redis, p);
});
afterAll(() => redis.disconnect());

const KIND = 'zendesk.organization';

interface Model {
  records: Map<string, string>;
  partitions: Map<string, Set<string>>;
  dirty: Set<string>;
  version: number;
}

/** The previous implementation's semantics, step by step. */
function modelUpsert(m: Model, records: ZendeskOrganization[], options: { partition?: string; deletedIds?: string[] }): UpsertOutcome {
  const outcome: UpsertOutcome = { inserted: 0, updated: 0, unchanged: 0, removed: 0, changedIds: [] };
  const texts = new Map<string, string>();
  for (const record of records) texts.set(record.id, JSON.stringify(record));
  const ids = [...texts.keys()];
  const existing = ids.map((id) => m.records.get(id) ?? null);
  const toWrite: Array<[string, string]> = [];
  ids.forEach((id, i) => {
    const text = texts.get(id) as string;
    const before = existing[i];
    if (before === text) outcome.unchanged += 1;
    else {
      if (before === null) outcome.inserted += 1;
      else outcome.updated += 1;
      outcome.changedIds.push(id);
      toWrite.push([id, text]);
    }
  });
  const removedIds = new Set(options.deletedIds ?? []);
  if (options.partition !== undefined) for (const id of m.partitions.get(options.partition) ?? []) if (!texts.has(id)) removedIds.add(id);
  const existingGone = [...removedIds].filter((id) => m.records.has(id));
  // The MULTI, in its order.
  for (const [id, text] of toWrite) m.records.set(id, text);
  if (options.partition !== undefined) {
    if (ids.length > 0) m.partitions.set(options.partition, new Set(ids));
    else m.partitions.delete(options.partition);
  }
  outcome.removed = existingGone.length;
  for (const id of existingGone) {
    outcome.changedIds.push(id);
    m.records.delete(id);
  }
  for (const id of outcome.changedIds) m.dirty.add(id);
  if (outcome.changedIds.length > 0) m.version += 1;
  return outcome;
}

async function stored(prefix: string, partitions: readonly string[]): Promise<Model> {
  const k = keys(prefix);
  const parts = new Map<string, Set<string>>();
  for (const p of partitions) {
    const members = await redis.smembers(k.partition(KIND, p));
    if (members.length > 0) parts.set(p, new Set(members));
  }
  return {
    records: new Map(Object.entries(await redis.hgetall(k.records(KIND)))),
    partitions: parts,
    dirty: new Set(await redis.smembers(k.dirty(KIND))),
    version: Number((await redis.get(k.recordsVersion)) ?? 0),
  };
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();
const plain = (m: Model): unknown => ({
  records: [...m.records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  partitions: [...m.partitions].map(([p, s]) => [p, sorted(s)]).sort(),
  dirty: sorted(m.dirty),
  version: m.version,
});

// Few ids, so pages meet each other's records; some of them awkward on the wire (newline, quote, non-ASCII, empty).
const ID = fc.constantFrom('1', '2', '3', '4', '5', 'a\nb', 'q"x', 'é', '😀', '', 'line\r\n');
const PARTITIONS = ['2026-11-01', '2026-11-02'] as const;
const org = (id: string, name: string): ZendeskOrganization => ({ kind: KIND, id, name, domainNames: [], externalId: null, updatedAt: '2026-01-01T00:00:00Z' });
const step = fc.record({
  records: fc.array(fc.tuple(ID, fc.constantFrom('Acme', 'Beta', 'multi\nline', '')), { maxLength: 6 }),
  partition: fc.option(fc.constantFrom(...PARTITIONS), { nil: undefined }),
  deletedIds: fc.option(fc.array(ID, { maxLength: 3 }), { nil: undefined }),
  consumeDirty: fc.boolean(),
});

describe('RecordStore.upsert against the model of its contract', () => {
  it('reports and stores what the model does, page after page', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const prefix = uniquePrefix('store-model');
        prefixes.push(prefix);
        const store = new RecordStore(redis, prefix);
        const model: Model = { records: new Map(), partitions: new Map(), dirty: new Set(), version: 0 };
        for (const s of steps) {
          const records = s.records.map(([id, name]) => org(id, name));
          const options = { ...(s.partition === undefined ? {} : { partition: s.partition }), ...(s.deletedIds === undefined ? {} : { deletedIds: s.deletedIds }) };
          const expected = modelUpsert(model, records, options);
          const got = await store.upsert(KIND, records, options);
          // The removed ids come after the page's changed ids; among themselves in set order.
          const pageChanged = expected.inserted + expected.updated;
          expect({ ...got, changedIds: got.changedIds.slice(0, pageChanged) }).toEqual({ ...expected, changedIds: expected.changedIds.slice(0, pageChanged) });
          expect(sorted(got.changedIds.slice(pageChanged))).toEqual(sorted(expected.changedIds.slice(pageChanged)));
          expect(plain(await stored(prefix, PARTITIONS))).toEqual(plain(model));
          if (s.consumeDirty) {
            await redis.del(keys(prefix).dirty(KIND));
            model.dirty.clear();
          }
        }
        await dropPrefix(redis, prefix);
      }),
      { numRuns: 80 },
    );
  });

  it('lands a page far larger than one variadic command, and again unchanged with nothing dirty', { timeout: 60_000 }, async () => {
    const prefix = uniquePrefix('store-model');
    prefixes.push(prefix);
    const store = new RecordStore(redis, prefix);
    const k = keys(prefix);
    const day = (n: number): ZendeskOrganization[] => Array.from({ length: n }, (_, i) => org(`r${i}`, `Org ${i}`));
    expect(await store.upsert(KIND, day(25_000), { partition: 'p' })).toMatchObject({ inserted: 25_000, updated: 0, unchanged: 0, removed: 0 });
    expect(await redis.scard(k.partition(KIND, 'p'))).toBe(25_000);
    await redis.del(k.dirty(KIND));
    const version = await store.version();
    const again = await store.upsert(KIND, day(25_000), { partition: 'p' });
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 25_000, removed: 0, changedIds: [] });
    expect(await redis.scard(k.dirty(KIND))).toBe(0);
    expect(await store.version()).toBe(version);
    const smaller = await store.upsert(KIND, day(12_000), { partition: 'p' });
    expect(smaller).toMatchObject({ unchanged: 12_000, removed: 13_000 });
    expect(await redis.scard(k.dirty(KIND))).toBe(13_000);
    expect(await store.count(KIND)).toBe(12_000);
    expect(await store.version()).toBe(version + 1);
  });
});
