/**
 * Derived state: record-to-account matches, desired field values and score history per
 * account, the plans generated, the write audit, and org settings (write-back pause, sources).
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RecordKind } from '../contracts/records.ts';
import { keys } from './keys.ts';
import { markCandidates, setChangedAndMark } from './writeback-candidates.ts';

export const storedMatchSchema = z.object({
  a: z.string().nullable(),
  m: z.string().nullable(),
  r: z.string().nullable(),
  c: z.array(z.string()).optional(),
  /** The exclude-domain rule that excluded this person (carried to the person's events). */
  x: z.string().optional(),
});
export type StoredMatch = z.infer<typeof storedMatchSchema>;

/**
 * A stored match read back, validated. Matches repeat a few texts (one per account, method and
 * reason) over hundreds of thousands of records, so each distinct text is parsed once and the
 * result shared (frozen: callers copy what they change); the memo is bounded.
 */
const parsedMatches = new Map<string, Readonly<StoredMatch>>();
const PARSED_MATCHES_MAX = 50_000;
export function parseStoredMatch(text: string): Readonly<StoredMatch> {
  let m = parsedMatches.get(text);
  if (m === undefined) {
    const parsed = storedMatchSchema.parse(JSON.parse(text));
    if (parsed.c) Object.freeze(parsed.c);
    m = Object.freeze(parsed);
    if (parsedMatches.size >= PARSED_MATCHES_MAX) parsedMatches.clear();
    parsedMatches.set(text, m);
  }
  return m;
}

/** A private, mutable copy of a parsed match. */
const copyMatch = (m: Readonly<StoredMatch>): StoredMatch => (m.c ? { ...m, c: [...m.c] } : { ...m });

export const scoreSnapshotSchema = z.object({
  score: z.number().nullable(),
  band: z.string().nullable(),
  modelVersion: z.string(),
});
export type ScoreSnapshot = z.infer<typeof scoreSnapshotSchema>;

export const desiredValuesSchema = z.object({
  modelVersion: z.string(),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type DesiredValues = z.infer<typeof desiredValuesSchema>;

export const writeAuditSchema = z.object({
  at: z.string(),
  runId: z.string(),
  modelVersion: z.string().nullable(),
  field: z.string(),
  old: z.unknown(),
  new: z.unknown(),
  outcome: z.enum(['written', 'failed', 'dry-run', 'reverted']),
  error: z.string().nullable(),
});
export type WriteAudit = z.infer<typeof writeAuditSchema>;

const lastWrittenSchema = z.record(z.string(), z.unknown());

/** An account's last success plan: its opportunity, the run that recorded it, and the plan before it. */
const planEntrySchema = z.object({ opp: z.string(), run: z.string().nullable(), prev: z.string().nullable() });
type PlanEntry = z.infer<typeof planEntrySchema>;

function parsePlanEntry(text: string | null): PlanEntry | null {
  if (text === null) return null;
  // Entries written before runs were recorded hold the bare opportunity id.
  return text.startsWith('{') ? planEntrySchema.parse(JSON.parse(text)) : { opp: text, run: null, prev: null };
}

/** The plan opportunity as the given run sees it: its own entry (a re-run after a crash) counts as the plan before. */
function planOpportunity(entry: PlanEntry | null, runId?: string): string | null {
  if (!entry) return null;
  return runId !== undefined && entry.run === runId ? entry.prev : entry.opp;
}

export const sourceStateSchema = z.object({
  enabled: z.boolean(),
  schedule: z.string().nullable(),
  tz: z.string().default('UTC'),
});
export type SourceState = z.infer<typeof sourceStateSchema>;

export class StateStore {
  private readonly k: ReturnType<typeof keys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.k = keys(prefix);
  }

  /** Replaces matches of a kind in batches; returns how many differ from before. */
  async saveMatches(kind: RecordKind, matches: Array<[string, StoredMatch]>): Promise<number> {
    const key = this.k.matches(kind);
    let changed = 0;
    for (let i = 0; i < matches.length; i += 2000) {
      const slice = matches.slice(i, i + 2000);
      const before = await this.redis.hmget(key, ...slice.map(([id]) => id));
      const flat: string[] = [];
      slice.forEach(([id, m], j) => {
        const text = JSON.stringify(m);
        if (before[j] !== text) {
          changed += 1;
          flat.push(id, text);
        }
      });
      if (flat.length > 0) await this.redis.hset(key, ...flat);
    }
    return changed;
  }

  async removeMatchesNotIn(kind: RecordKind, keep: Set<string>): Promise<void> {
    const key = this.k.matches(kind);
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', 2000);
      cursor = next;
      const gone: string[] = [];
      for (let i = 0; i < flat.length; i += 2) if (!keep.has(flat[i] as string)) gone.push(flat[i] as string);
      if (gone.length > 0) await this.redis.hdel(key, ...gone);
    } while (cursor !== '0');
  }

  async getMatch(kind: RecordKind, id: string): Promise<StoredMatch | null> {
    const text = await this.redis.hget(this.k.matches(kind), id);
    return text === null ? null : copyMatch(parseStoredMatch(text));
  }

  async *scanMatches(kind: RecordKind): AsyncGenerator<Array<[string, StoredMatch]>> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.k.matches(kind), cursor, 'COUNT', 2000);
      cursor = next;
      const out: Array<[string, StoredMatch]> = [];
      for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, copyMatch(parseStoredMatch(flat[i + 1] as string))]);
      if (out.length > 0) yield out;
    } while (cursor !== '0');
  }

  /** Today's score snapshot of many accounts in one round trip (plus one per account over the retention of `retentionDays` days). */
  async saveScores(day: string, entries: Array<[string, ScoreSnapshot]>, retentionDays: number): Promise<void> {
    if (entries.length === 0) return;
    const p = this.redis.pipeline();
    for (const [id, snapshot] of entries) p.hset(this.k.scores(id), day, JSON.stringify(snapshot)).hlen(this.k.scores(id));
    const results = (await p.exec()) ?? [];
    const over = entries.filter((_, i) => Number(results[2 * i + 1]?.[1] ?? 0) > retentionDays);
    for (const [id] of over) {
      const key = this.k.scores(id);
      // Oldest days go first (keys are YYYY-MM-DD).
      const days = (await this.redis.hkeys(key)).sort();
      const excess = days.length - retentionDays;
      if (excess > 0) await this.redis.hdel(key, ...days.slice(0, excess));
    }
  }

  /** The score snapshots of many accounts on one day, in one round trip (null where none is stored). */
  async getScores(accountIds: readonly string[], day: string): Promise<Array<ScoreSnapshot | null>> {
    if (accountIds.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of accountIds) p.hget(this.k.scores(id), day);
    return ((await p.exec()) ?? []).map(([err, text]) => {
      if (err) throw err;
      return typeof text === 'string' ? scoreSnapshotSchema.parse(JSON.parse(text)) : null;
    });
  }


  async scoreHistory(accountId: string): Promise<Array<{ day: string } & ScoreSnapshot>> {
    const flat = await this.redis.hgetall(this.k.scores(accountId));
    return Object.entries(flat)
      .map(([day, text]) => ({ day, ...scoreSnapshotSchema.parse(JSON.parse(text)) }))
      .sort((a, b) => a.day.localeCompare(b.day));
  }

  /**
   * The values Tidemark wants on an account, with the model version that produced them. Those that
   * differ from the stored ones are written and their accounts marked as write-back candidates,
   * atomically; returns how many differed.
   */
  async saveDesired(entries: Array<[string, DesiredValues]>): Promise<number> {
    return setChangedAndMark(this.redis, this.k, this.k.desired, entries.map(([id, d]) => [id, JSON.stringify(d)]));
  }

  /** Drops the desired values of accounts that are gone (deleted or merged away in Salesforce). */
  async dropDesired(accountIds: readonly string[]): Promise<void> {
    for (let i = 0; i < accountIds.length; i += 1000) {
      const slice = accountIds.slice(i, i + 1000);
      if (slice.length === 0) continue;
      const m = this.redis.multi().hdel(this.k.desired, ...slice);
      markCandidates(m, this.k, slice);
      await m.exec();
    }
  }

  /** The desired values of many accounts (null where none), in one round trip. */
  async getDesiredMany(accountIds: readonly string[]): Promise<Array<DesiredValues | null>> {
    if (accountIds.length === 0) return [];
    return (await this.redis.hmget(this.k.desired, ...accountIds)).map((text) => (text === null ? null : desiredValuesSchema.parse(JSON.parse(text))));
  }

  /** Accounts that have desired values. */
  async desiredAccountIds(): Promise<string[]> {
    return this.redis.hkeys(this.k.desired);
  }

  async getDesired(accountId: string): Promise<DesiredValues | null> {
    const text = await this.redis.hget(this.k.desired, accountId);
    return text === null ? null : desiredValuesSchema.parse(JSON.parse(text));
  }

  async allDesired(): Promise<Map<string, DesiredValues>> {
    const flat = await this.redis.hgetall(this.k.desired);
    return new Map(Object.entries(flat).map(([id, text]) => [id, desiredValuesSchema.parse(JSON.parse(text))]));
  }

  private async planEntry(accountId: string): Promise<PlanEntry | null> {
    return parsePlanEntry(await this.redis.hget(this.k.plans, accountId));
  }

  /** getPlanOpportunity for many accounts in one round trip. */
  async getPlanOpportunities(accountIds: readonly string[], runId?: string): Promise<Array<string | null>> {
    if (accountIds.length === 0) return [];
    return (await this.redis.hmget(this.k.plans, ...accountIds)).map((text) => planOpportunity(parsePlanEntry(text), runId));
  }

  /**
   * The opportunity of the account's last plan. Given the scoring run, a plan that run itself
   * recorded (a score stage re-run after a crash) does not count: the plan before it does, so the
   * re-run decides "new plan" exactly as the interrupted try did.
   */
  async getPlanOpportunity(accountId: string, runId?: string): Promise<string | null> {
    return planOpportunity(await this.planEntry(accountId), runId);
  }

  async setPlanOpportunity(accountId: string, opportunityId: string, runId?: string): Promise<void> {
    const before = await this.planEntry(accountId);
    const prev = before === null ? null : runId !== undefined && before.run === runId ? before.prev : before.opp;
    const entry: PlanEntry = { opp: opportunityId, run: runId ?? null, prev };
    await this.redis.hset(this.k.plans, accountId, JSON.stringify(entry));
  }

  async appendWrites(accountId: string, entries: WriteAudit[], retain = 500): Promise<void> {
    await this.appendWritesMany([[accountId, entries]], retain);
  }

  /** appendWrites for many accounts, in one transaction per 1,000 accounts (a write-back settles thousands). */
  async appendWritesMany(audits: ReadonlyArray<[string, WriteAudit[]]>, retain = 500): Promise<void> {
    const nonEmpty = audits.filter(([, entries]) => entries.length > 0);
    for (let i = 0; i < nonEmpty.length; i += 1000) {
      const m = this.redis.multi();
      for (const [accountId, entries] of nonEmpty.slice(i, i + 1000)) {
        const key = this.k.writes(accountId);
        m.lpush(key, ...entries.map((e) => JSON.stringify(e))).ltrim(key, 0, retain - 1);
      }
      await m.exec();
    }
  }

  async writes(accountId: string, limit = 100): Promise<WriteAudit[]> {
    const items = await this.redis.lrange(this.k.writes(accountId), 0, limit - 1);
    return items.map((t) => writeAuditSchema.parse(JSON.parse(t)));
  }

  /**
   * What Tidemark last wrote to each account's owned fields (Salesforce field -> value), merged
   * field by field. Used only to notice manual edits in Salesforce, never to decide a write.
   */
  async saveLastWritten(entries: Array<[string, Record<string, unknown>]>): Promise<void> {
    for (let i = 0; i < entries.length; i += 1000) {
      const slice = entries.slice(i, i + 1000);
      const before = await this.redis.hmget(this.k.lastWritten, ...slice.map(([id]) => id));
      const flat: string[] = [];
      slice.forEach(([id, values], j) => {
        const prev = before[j] ? (lastWrittenSchema.parse(JSON.parse(before[j] as string)) as Record<string, unknown>) : {};
        flat.push(id, JSON.stringify({ ...prev, ...values }));
      });
      if (flat.length === 0) continue;
      // The accounts are write-back candidates again (what was last written is a planning input).
      const m = this.redis.multi().hset(this.k.lastWritten, ...flat);
      markCandidates(m, this.k, slice.map(([id]) => id));
      await m.exec();
    }
  }

  async allLastWritten(): Promise<Map<string, Record<string, unknown>>> {
    const flat = await this.redis.hgetall(this.k.lastWritten);
    return new Map(Object.entries(flat).map(([id, text]) => [id, lastWrittenSchema.parse(JSON.parse(text))]));
  }

  /** What Tidemark last wrote to many accounts (undefined where nothing), in one round trip. */
  async getLastWrittenMany(accountIds: readonly string[]): Promise<Array<Record<string, unknown> | undefined>> {
    if (accountIds.length === 0) return [];
    return (await this.redis.hmget(this.k.lastWritten, ...accountIds)).map((text) => (text === null ? undefined : lastWrittenSchema.parse(JSON.parse(text))));
  }

  /** Record-level write failures awaiting a retry (JSON per account); null clears one. Marks the accounts as write-back candidates. */
  async saveWriteFailures(entries: Array<[string, string | null]>): Promise<void> {
    for (let i = 0; i < entries.length; i += 1000) {
      const slice = entries.slice(i, i + 1000);
      const set = slice.filter((e): e is [string, string] => e[1] !== null).flat();
      const cleared = slice.filter(([, v]) => v === null).map(([id]) => id);
      const m = this.redis.multi();
      if (set.length > 0) m.hset(this.k.writeFailures, ...set);
      if (cleared.length > 0) m.hdel(this.k.writeFailures, ...cleared);
      markCandidates(m, this.k, slice.map(([id]) => id));
      await m.exec();
    }
  }

  async allWriteFailures(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.k.writeFailures)));
  }

  /** API calls Tidemark made on a UTC day (pulls and writes), for the daily budget share. */
  async addApiCalls(day: string, calls: number): Promise<void> {
    if (calls <= 0) return;
    const key = `${this.k.settings}:api-calls:${day}`;
    await this.redis.multi().incrby(key, Math.round(calls)).expire(key, 3 * 86_400).exec();
  }

  async apiCallsOn(day: string): Promise<number> {
    return Number((await this.redis.get(`${this.k.settings}:api-calls:${day}`)) ?? 0);
  }

  async getSetting(name: string): Promise<string | null> {
    return this.redis.hget(this.k.settings, name);
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.redis.hset(this.k.settings, name, value);
  }

  async getSource(source: string): Promise<SourceState | null> {
    const text = await this.redis.hget(this.k.sources, source);
    return text === null ? null : sourceStateSchema.parse(JSON.parse(text));
  }

  async setSource(source: string, state: SourceState): Promise<void> {
    await this.redis.hset(this.k.sources, source, JSON.stringify(state));
  }

  async allSources(): Promise<Record<string, SourceState>> {
    const flat = await this.redis.hgetall(this.k.sources);
    return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, sourceStateSchema.parse(JSON.parse(v))]));
  }
}
