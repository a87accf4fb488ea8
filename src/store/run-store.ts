/**
 * Runs: one hash per run with its metadata and counters (records per source, unmatched,
 * accounts scored, fields written, API calls, stage durations), and a sorted set for listing.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import { sourceIdSchema } from '../contracts/records.ts';
import { keys } from './keys.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const RUN_STAGES = ['queued', 'pull', 'resolve', 'score', 'writeback', 'done'] as const;

export const runMetaSchema = z.object({
  id: z.string(),
  status: z.enum(RUN_STATUSES),
  stage: z.enum(RUN_STAGES),
  sources: z.array(sourceIdSchema),
  full: z.boolean(),
  dryRun: z.boolean(),
  trigger: z.enum(['cli', 'schedule', 'sandbox', 'api', 'test']),
  requestedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type RunMeta = z.infer<typeof runMetaSchema>;
export type RunRequest = Pick<RunMeta, 'sources' | 'full' | 'dryRun' | 'trigger'>;

export interface RunView extends RunMeta {
  counters: Record<string, number>;
}

export interface RunJournal {
  /** Account -> the write-back stage's JSON for it. */
  entries: Map<string, string>;
  apiCalls: number;
  flags: Record<string, number>;
}

const JOURNAL_TTL_SECONDS = 2 * 24 * 3600;

export class RunStore {
  private readonly k: ReturnType<typeof keys>;
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly retain = 500,
  ) {
    this.k = keys(prefix);
  }

  async create(request: RunRequest, now: Date): Promise<RunMeta> {
    const seq = await this.redis.incr(this.k.runSeq);
    const meta: RunMeta = {
      id: `run-${seq}`,
      status: 'queued',
      stage: 'queued',
      ...request,
      requestedAt: now.toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
    };
    await this.redis.multi().hset(this.k.run(meta.id), 'meta', JSON.stringify(meta)).zadd(this.k.runs, seq, meta.id).exec();
    await this.trim();
    return meta;
  }

  async get(id: string): Promise<RunView | null> {
    const flat = await this.redis.hgetall(this.k.run(id));
    if (!flat.meta) return null;
    const meta = runMetaSchema.parse(JSON.parse(flat.meta));
    const counters: Record<string, number> = {};
    for (const [field, value] of Object.entries(flat)) if (field.startsWith('c.')) counters[field.slice(2)] = Number(value);
    return { ...meta, counters };
  }

  async update(id: string, patch: Partial<RunMeta>): Promise<RunMeta> {
    const text = await this.redis.hget(this.k.run(id), 'meta');
    if (text === null) throw new Error(`run ${id} not found`);
    const meta = { ...runMetaSchema.parse(JSON.parse(text)), ...patch };
    await this.redis.hset(this.k.run(id), 'meta', JSON.stringify(meta));
    return meta;
  }

  async incr(id: string, counters: Record<string, number>): Promise<void> {
    const entries = Object.entries(counters).filter(([, v]) => v !== 0);
    if (entries.length === 0) return;
    const m = this.redis.multi();
    for (const [name, by] of entries) m.hincrby(this.k.run(id), `c.${name}`, Math.round(by));
    await m.exec();
  }

  /**
   * Adds one pulled page's counters to a transaction (the one that saves the page's checkpoint,
   * so a crash never leaves a page counted without its checkpoint or the other way round). The
   * records counter counts each record once per run: a partition page (e.g. a Mixpanel day) read
   * again by the same run replaces its earlier count, and a stream that starts over from its
   * beginning (see restartStreamCount) starts its count over.
   *
   * `seq` is the stream's page sequence in this run (pageSeq, then one more per page): the
   * counters apply only when it is the stored one, which they move on, so the same transaction
   * applied twice (ioredis sends an unanswered command again after a reconnect) counts once.
   */
  addPageCounters(m: ChainableCommander, id: string, page: { seq: number; records: { counter: string; stream: string; partition: string | null; value: number }; counters: Record<string, number> }): void {
    const { records } = page;
    const flat = Object.entries(page.counters).filter(([, v]) => v !== 0).flatMap(([name, by]) => [`c.${name}`, String(Math.round(by))]);
    m.eval(
      `local seq = tonumber(redis.call('HGET', KEYS[2], ARGV[5]) or '0')
       if seq ~= tonumber(ARGV[6]) then return 0 end
       redis.call('HSET', KEYS[2], ARGV[5], seq + 1)
       local value = tonumber(ARGV[4])
       local delta = value
       if ARGV[3] ~= '' then
         delta = value - tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0')
         redis.call('HSET', KEYS[2], ARGV[3], value)
       end
       redis.call('HINCRBY', KEYS[2], ARGV[2], delta)
       redis.call('HINCRBY', KEYS[1], ARGV[1], delta)
       for i = 7, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
       return delta`,
      2,
      this.k.run(id),
      this.partsKey(id),
      `c.${records.counter}`,
      `s|${records.stream}`,
      records.partition === null ? '' : `p|${records.stream}|${records.partition}`,
      String(Math.round(records.value)),
      `q|${records.stream}`,
      String(page.seq),
      ...flat,
    );
  }

  /** The page sequence a stream's next page transaction carries in this run (see addPageCounters). */
  async pageSeq(id: string, stream: string): Promise<number> {
    return Number((await this.redis.hget(this.partsKey(id), `q|${stream}`)) ?? '0');
  }

  /** A stream of this run starts over from its beginning (no cursor to resume from): what it counted so far is taken back. */
  async restartStreamCount(id: string, counter: string, stream: string): Promise<void> {
    await this.redis.eval(
      `local prev = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
       if prev ~= 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], -prev) end
       redis.call('HDEL', KEYS[2], ARGV[2])
       local fields = redis.call('HKEYS', KEYS[2])
       for _, f in ipairs(fields) do
         if string.sub(f, 1, #ARGV[3]) == ARGV[3] then redis.call('HDEL', KEYS[2], f) end
       end
       return prev`,
      2,
      this.k.run(id),
      this.partsKey(id),
      `c.${counter}`,
      `s|${stream}`,
      `p|${stream}|`,
    );
  }

  /** A stream this run read to its end: a worker that takes the run's pull over skips it. */
  async markStreamDone(id: string, stream: string): Promise<void> {
    await this.redis.hset(this.partsKey(id), `d|${stream}`, '1');
  }

  /** markStreamDone inside a caller's transaction (the stream's final checkpoint). */
  markStreamDoneIn(m: ChainableCommander, id: string, stream: string): void {
    m.hset(this.partsKey(id), `d|${stream}`, '1');
  }

  async streamDone(id: string, stream: string): Promise<boolean> {
    return (await this.redis.hexists(this.partsKey(id), `d|${stream}`)) === 1;
  }

  /** The hash of a run's per-stream progress (streams done: `d|<source>:<stream>`). */
  partsKey(id: string): string {
    return `${this.k.run(id)}:parts`;
  }

  async set(id: string, counters: Record<string, number>): Promise<void> {
    const flat: string[] = [];
    for (const [name, value] of Object.entries(counters)) flat.push(`c.${name}`, String(Math.round(value)));
    if (flat.length > 0) await this.redis.hset(this.k.run(id), ...flat);
  }

  /**
   * The write-back journal of a run: per account what was sent and Salesforce's answer (JSON owned
   * by the write-back stage), and the API calls spent, written in one transaction after each
   * batch. A write-back taken over after a crash (or retried) reads it, so a batch Salesforce
   * answered is neither sent nor counted again. Kept two days after its last write.
   */
  async journalWrites(id: string, entries: ReadonlyArray<[string, string]>, apiCalls: number): Promise<void> {
    if (entries.length === 0 && apiCalls === 0) return;
    const key = this.journalKey(id);
    const m = this.redis.multi();
    if (entries.length > 0) m.hset(key, ...entries.flatMap(([account, text]) => [`a:${account}`, text]));
    if (apiCalls !== 0) m.hincrby(key, 'calls', Math.round(apiCalls));
    await m.expire(key, JOURNAL_TTL_SECONDS).exec();
  }

  async setJournalFlag(id: string, flag: string, value: number): Promise<void> {
    await this.redis.multi().hset(this.journalKey(id), `f:${flag}`, String(value)).expire(this.journalKey(id), JOURNAL_TTL_SECONDS).exec();
  }

  async writeJournal(id: string): Promise<RunJournal> {
    const flat = await this.redis.hgetall(this.journalKey(id));
    const entries = new Map<string, string>();
    const flags: Record<string, number> = {};
    for (const [field, value] of Object.entries(flat)) {
      if (field.startsWith('a:')) entries.set(field.slice(2), value);
      else if (field.startsWith('f:')) flags[field.slice(2)] = Number(value);
    }
    return { entries, apiCalls: Number(flat.calls ?? 0), flags };
  }

  private journalKey(id: string): string {
    return `${this.k.run(id)}:writeback`;
  }

  /** Newest first. */
  async list(limit = 20): Promise<RunView[]> {
    const ids = await this.redis.zrevrange(this.k.runs, 0, limit - 1);
    const out: RunView[] = [];
    for (const id of ids) {
      const run = await this.get(id);
      if (run) out.push(run);
    }
    return out;
  }

  private async trim(): Promise<void> {
    const excess = (await this.redis.zcard(this.k.runs)) - this.retain;
    if (excess <= 0) return;
    const old = await this.redis.zrange(this.k.runs, 0, excess - 1);
    const m = this.redis.multi().zrem(this.k.runs, ...old);
    for (const id of old) m.del(this.k.run(id), this.journalKey(id), this.partsKey(id));
    await m.exec();
  }
}
