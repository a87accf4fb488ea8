/**
 * Canonical records in Redis: one hash per kind (id -> JSON). Upserts are idempotent and report
 * what changed, so a re-run of the same page lands nothing new. A page with a partition replaces
 * that partition's records whole (Mixpanel days).
 */
import type { Redis } from 'ioredis';
import type { CanonicalRecord, RecordKind, RecordOf } from '../contracts/records.ts';
import { LUA_SLICE } from './chunks.ts';
import { LuaScript } from './lua-script.ts';
import { keys } from './keys.ts';

export interface UpsertOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  changedIds: string[];
}

const INSERTED = 'i'.charCodeAt(0);
const EQUAL = '='.charCodeAt(0);

/**
 * KEYS: the kind's records hash, its dirty set, the records version, the kind's identity journal
 * when it has one (ARGV[3] is then 'j'; 'jw' for Accounts, which also carry the write-back
 * candidates and their mark sequence next), and the partition's set when the page replaces a
 * partition. ARGV: the number n of page ids, the page's JSON texts joined by newlines (in id
 * order), 'j', 'jw' or '', the n page ids (distinct), then the ids the source reports deleted
 * (distinct). Returns the status of each page id as one string ('i' inserted, 'u' updated, '='
 * unchanged), then the removed ids: those of the deleted ids and of the partition's previous ids
 * absent from the page that were stored before the page landed. The changed and removed ids are
 * added to the dirty set and the version is incremented when anything changed, in the same atomic
 * script as the writes; the journal gets the changed and removed ids scored by the new version,
 * and for Accounts the write-back candidates get them scored by the next mark sequence number
 * (src/store/writeback-candidates.ts). Variadic commands go in slices of LUA_SLICE arguments (unpack's limit).
 */
const UPSERT_PAGE = `
local hash, dirty, version = KEYS[1], KEYS[2], KEYS[3]
local journal, part, marks, markSeq
if ARGV[3] == 'j' then journal, part = KEYS[4], KEYS[5]
elseif ARGV[3] == 'jw' then journal, marks, markSeq, part = KEYS[4], KEYS[5], KEYS[6], KEYS[7]
else part = KEYS[4] end
local n = tonumber(ARGV[1])
local joined = ARGV[2]
local slice = ${LUA_SLICE} -- even: HSET takes id, text pairs
local function sliced(cmd, key, list, step)
  for i = 1, #list, step do
    redis.call(cmd, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
end
local ids = {}
for i = 1, n do ids[i] = ARGV[3 + i] end
-- What goes away, judged on the state before this page: the deleted ids, then the partition's old ids not in the page.
local candidates = {}
for i = 4 + n, #ARGV do candidates[#candidates + 1] = ARGV[i] end
if part then
  local inPage = {}
  for i = 1, n do inPage[ids[i]] = true end
  local listed = {}
  for i = 1, #candidates do listed[candidates[i]] = true end
  for _, id in ipairs(redis.call('SMEMBERS', part)) do
    if not inPage[id] and not listed[id] then candidates[#candidates + 1] = id; listed[id] = true end
  end
end
local gone = {}
for i = 1, #candidates, slice do
  local j = math.min(i + slice - 1, #candidates)
  local present = redis.call('HMGET', hash, unpack(candidates, i, j))
  for k = 1, j - i + 1 do if present[k] then gone[#gone + 1] = candidates[i + k - 1] end end
end
local status = {}
local writes = {}
local changed = {}
local pos = 1
for i = 1, n, slice do
  local j = math.min(i + slice - 1, n)
  local old = redis.call('HMGET', hash, unpack(ids, i, j))
  for k = 1, j - i + 1 do
    if pos > #joined + 1 then return redis.error_reply('UPSERT_PAGE: fewer texts than ids') end
    local e = string.find(joined, '\\n', pos, true)
    local text
    if e then text = string.sub(joined, pos, e - 1); pos = e + 1 else text = string.sub(joined, pos); pos = #joined + 2 end
    local before = old[k]
    local id = ids[i + k - 1]
    if before == text then status[#status + 1] = '='
    else
      status[#status + 1] = before and 'u' or 'i'
      writes[#writes + 1] = id
      writes[#writes + 1] = text
      changed[#changed + 1] = id
    end
  end
end
if n > 0 and pos ~= #joined + 2 then return redis.error_reply('UPSERT_PAGE: more texts than ids') end
sliced('HSET', hash, writes, slice)
if part then
  redis.call('DEL', part)
  sliced('SADD', part, ids, slice)
end
sliced('HDEL', hash, gone, slice)
for i = 1, #gone do changed[#changed + 1] = gone[i] end
sliced('SADD', dirty, changed, slice)
if #changed > 0 then
  local v = redis.call('INCR', version)
  if journal then
    local scored = {}
    for i = 1, #changed do scored[#scored + 1] = v; scored[#scored + 1] = changed[i] end
    sliced('ZADD', journal, scored, slice)
  end
  if marks then
    local s = redis.call('INCR', markSeq)
    local scored = {}
    for i = 1, #changed do scored[#scored + 1] = s; scored[#scored + 1] = changed[i] end
    sliced('ZADD', marks, scored, slice)
  end
end
local reply = { table.concat(status) }
for i = 1, #gone do reply[#reply + 1] = gone[i] end
return reply
`;
const UPSERT_PAGE_SCRIPT = new LuaScript(UPSERT_PAGE);

/**
 * The kinds the identity index is built from: their changes are also journaled (keys
 * identityJournal), so that a resolve holding the index in memory reads only what changed.
 */
export const IDENTITY_INPUT_KINDS: ReadonlySet<RecordKind> = new Set<RecordKind>(['salesforce.account', 'salesforce.contact', 'zendesk.organization']);

/** The kind write-back plans from: its changes also mark write-back candidates (keys writebackCandidates). */
export const WRITEBACK_INPUT_KIND = 'salesforce.account' satisfies RecordKind;

export class RecordStore {
  private readonly k: ReturnType<typeof keys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
  }

  /**
   * Lands a page in one atomic script on the server (UPSERT_PAGE): the comparison with what is
   * stored, the writes, the partition's replacement, the removals, the dirty marks and the version
   * bump happen together, and only the ids and the records' JSON go over the wire (the texts as
   * one string), with one status character per id back. Outcome, in order: the page's inserted and
   * updated ids, then the removed ones (ids the source deleted, then ids of the partition absent
   * from the page, that were stored before the page landed).
   */
  async upsert<K extends RecordKind>(kind: K, records: RecordOf<K>[], options: { partition?: string; deletedIds?: string[] } = {}): Promise<UpsertOutcome> {
    const outcome: UpsertOutcome = { inserted: 0, updated: 0, unchanged: 0, removed: 0, changedIds: [] };
    // One entry per id, at its first position, with its last record (as a Map would keep them).
    const ids: string[] = [];
    const texts: string[] = [];
    const at = new Map<string, number>();
    for (const record of records) {
      const text = JSON.stringify(record);
      const seen = at.get(record.id);
      if (seen === undefined) {
        at.set(record.id, ids.length);
        ids.push(record.id);
        texts.push(text);
      } else texts[seen] = text;
    }
    const deleted = [...new Set(options.deletedIds ?? [])];
    if (ids.length === 0 && deleted.length === 0 && options.partition === undefined) return outcome;
    const journaled = IDENTITY_INPUT_KINDS.has(kind);
    const scriptKeys = [this.k.records(kind), this.k.dirty(kind), this.k.recordsVersion];
    const marked = journaled && kind === WRITEBACK_INPUT_KIND;
    if (journaled) scriptKeys.push(this.k.identityJournal(kind));
    if (marked) scriptKeys.push(this.k.writebackCandidates, this.k.writebackMarkSeq);
    if (options.partition !== undefined) scriptKeys.push(this.k.partition(kind, options.partition));
    // JSON.stringify never writes a raw newline (it escapes control characters): the texts go as one argument.
    const args = [String(scriptKeys.length), ...scriptKeys, String(ids.length), texts.join('\n'), marked ? 'jw' : journaled ? 'j' : ''].concat(ids, deleted);
    const reply = (await this.runScript(args)) as [string, ...string[]];
    const status = reply[0];
    for (let i = 0; i < ids.length; i += 1) {
      const c = status.charCodeAt(i);
      if (c === EQUAL) outcome.unchanged += 1;
      else {
        if (c === INSERTED) outcome.inserted += 1;
        else outcome.updated += 1;
        outcome.changedIds.push(ids[i] as string);
      }
    }
    for (let i = 1; i < reply.length; i += 1) outcome.changedIds.push(reply[i] as string);
    outcome.removed = reply.length - 1;
    return outcome;
  }

  /** UPSERT_PAGE by its SHA1 (the whole script once when the server does not know it yet). */
  private runScript(args: string[]): Promise<unknown> {
    return UPSERT_PAGE_SCRIPT.run(this.redis, args);
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

  /**
   * Removes every record of a kind; the ids are marked dirty so resolve and score drop what they
   * derived, and the identity epoch is dropped so that no cached identity index outlives them.
   */
  async removeAll(kind: RecordKind): Promise<void> {
    const key = this.k.records(kind);
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', 2000);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length > 0) await this.redis.multi().sadd(this.k.dirty(kind), ...ids).hdel(key, ...ids).del(this.k.identityEpoch).exec();
    } while (cursor !== '0');
    await this.redis.multi().del(key, this.k.identityEpoch).incr(this.k.recordsVersion).exec();
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
