/**
 * Canonical records in Redis: one hash per kind (id -> JSON). Upserts are idempotent and report
 * what changed, so a re-run of the same page lands nothing new. A page with a partition replaces
 * that partition's records whole (Mixpanel days).
 */
import type { Redis } from 'ioredis';
import type { CanonicalRecord, RecordKind, RecordOf } from '../contracts/records.ts';
import { CHUNK, inChunks } from './chunks.ts';
import { keys } from './keys.ts';

export interface UpsertOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  changedIds: string[];
}

export class RecordStore {
  private readonly k: ReturnType<typeof keys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
  }

  async upsert<K extends RecordKind>(kind: K, records: RecordOf<K>[], options: { partition?: string; deletedIds?: string[] } = {}): Promise<UpsertOutcome> {
    const key = this.k.records(kind);
    const outcome: UpsertOutcome = { inserted: 0, updated: 0, unchanged: 0, removed: 0, changedIds: [] };
    const texts = new Map<string, string>();
    for (const record of records) texts.set(record.id, JSON.stringify(record));
    const ids = [...texts.keys()];
    const existing = await this.hmgetAll(key, ids);
    const toWrite: string[] = [];
    ids.forEach((id, i) => {
      const text = texts.get(id) as string;
      const before = existing[i];
      if (before === text) outcome.unchanged += 1;
      else {
        if (before === null || before === undefined) outcome.inserted += 1;
        else outcome.updated += 1;
        outcome.changedIds.push(id);
        toWrite.push(id, text);
      }
    });
    const pipeline = this.redis.multi();
    inChunks(toWrite, 2 * CHUNK, (slice) => pipeline.hset(key, ...slice));
    const removedIds = new Set(options.deletedIds ?? []);
    if (options.partition !== undefined) {
      const partKey = this.k.partition(kind, options.partition);
      const previous = await this.redis.smembers(partKey);
      for (const id of previous) if (!texts.has(id)) removedIds.add(id);
      pipeline.del(partKey);
      inChunks(ids, CHUNK, (slice) => pipeline.sadd(partKey, ...slice));
    }
    if (removedIds.size > 0) {
      const gone = [...removedIds];
      const present = await this.hmgetAll(key, gone);
      const existingGone = gone.filter((_, i) => present[i] !== null);
      outcome.removed = existingGone.length;
      for (const id of existingGone) outcome.changedIds.push(id);
      inChunks(existingGone, CHUNK, (slice) => pipeline.hdel(key, ...slice));
    }
    inChunks(outcome.changedIds, CHUNK, (slice) => pipeline.sadd(this.k.dirty(kind), ...slice));
    if (outcome.changedIds.length > 0) pipeline.incr(this.k.recordsVersion);
    await pipeline.exec();
    return outcome;
  }

  /** HMGET of any number of fields, in slices (a single spread of a very large page overflows the stack). */
  private async hmgetAll(key: string, ids: readonly string[]): Promise<Array<string | null>> {
    const out: Array<string | null> = [];
    for (let i = 0; i < ids.length; i += CHUNK) for (const v of await this.redis.hmget(key, ...ids.slice(i, i + CHUNK))) out.push(v);
    return out;
  }

  async get<K extends RecordKind>(kind: K, id: string): Promise<RecordOf<K> | null> {
    const text = await this.redis.hget(this.k.records(kind), id);
    return text === null ? null : (JSON.parse(text) as RecordOf<K>);
  }

  async count(kind: RecordKind): Promise<number> {
    return this.redis.hlen(this.k.records(kind));
  }

  /** Streams every record of a kind in batches (HSCAN): memory is bounded by the batch. */
  async *scan<K extends RecordKind>(kind: K, batch = 2000): AsyncGenerator<RecordOf<K>[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.k.records(kind), cursor, 'COUNT', batch);
      cursor = next;
      const out: RecordOf<K>[] = [];
      for (let i = 1; i < flat.length; i += 2) out.push(JSON.parse(flat[i] as string) as RecordOf<K>);
      if (out.length > 0) yield out;
    } while (cursor !== '0');
  }

  async all<K extends RecordKind>(kind: K): Promise<RecordOf<K>[]> {
    const out: RecordOf<K>[] = [];
    for await (const batch of this.scan(kind)) out.push(...batch);
    return out;
  }

  /** Removes every record of a kind; the ids are marked dirty so resolve and score drop what they derived. */
  async removeAll(kind: RecordKind): Promise<void> {
    const key = this.k.records(kind);
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', 2000);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) await this.redis.multi().sadd(this.k.dirty(kind), ...ids).hdel(key, ...ids).exec();
    } while (cursor !== '0');
    await this.redis.multi().del(key).incr(this.k.recordsVersion).exec();
  }

  /** Several records of a kind by id (null where absent), in one round trip. */
  async getMany<K extends RecordKind>(kind: K, ids: readonly string[]): Promise<Array<RecordOf<K> | null>> {
    if (ids.length === 0) return [];
    const texts = await this.redis.hmget(this.k.records(kind), ...ids);
    return texts.map((t) => (t === null ? null : (JSON.parse(t) as RecordOf<K>)));
  }

  /** Changes whenever any stored record changes: the input version of resolve and score. */
  async version(): Promise<number> {
    return Number((await this.redis.get(this.k.recordsVersion)) ?? 0);
  }
}

export type AnyRecord = CanonicalRecord;
