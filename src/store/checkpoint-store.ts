import type { ChainableCommander, Redis } from 'ioredis';
import type { Checkpoint } from '../contracts/connector.ts';
import { keys } from './keys.ts';

/** The checkpoint name of part `index` of a stream's split backfill (adoptPartsIfDone's script spells it the same). */
export const partStreamName = (stream: string, index: number): string => `${stream}#${index}`;

/** Checkpoints per source stream. Saved only after the page's records are persisted. */
export class CheckpointStore {
  private readonly key: string;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = keys(prefix).checkpoints;
  }
  async get(source: string, stream: string): Promise<Checkpoint | null> {
    const text = await this.redis.hget(this.key, `${source}:${stream}`);
    return text === null ? null : (JSON.parse(text) as Checkpoint);
  }
  /**
   * Saves the checkpoint and, with a run id, which run saved it (one atomic write); `also` adds
   * commands to the same transaction (the page's run counters).
   */
  async set(source: string, stream: string, checkpoint: Checkpoint, runId?: string, also?: (m: ChainableCommander) => void): Promise<void> {
    const field = `${source}:${stream}`;
    const m = this.redis.multi().hset(this.key, field, JSON.stringify(checkpoint));
    if (runId === undefined) m.hdel(this.runKey, field);
    else m.hset(this.runKey, field, runId);
    also?.(m);
    const results = await m.exec();
    const failed = results?.find(([err]) => err !== null);
    if (failed) throw failed[0] as Error;
  }
  /** The run that saved the current checkpoint, if it was saved with one. */
  async savedBy(source: string, stream: string): Promise<string | null> {
    return this.redis.hget(this.runKey, `${source}:${stream}`);
  }
  async clear(source: string, stream: string): Promise<void> {
    await this.redis.multi().hdel(this.key, `${source}:${stream}`).hdel(this.runKey, `${source}:${stream}`).exec();
  }
  /**
   * The saved checkpoints of a source's streams and the runs that saved them, as one text (equal
   * text: no progress); with a part of a backfill (pull.ts), those of that part's pull job only.
   */
  async ofSource(source: string, part?: number): Promise<string> {
    const [saved, by] = await Promise.all([this.redis.hgetall(this.key), this.redis.hgetall(this.runKey)]);
    const ofJob = (field: string): boolean => {
      if (!field.startsWith(`${source}:`)) return false;
      if (part !== undefined && part > 0) return field.endsWith(partStreamName('', part));
      return !field.includes('#') || field.endsWith(partStreamName('', 0));
    };
    const mine = (flat: Record<string, string>): string[][] => Object.entries(flat).filter(([field]) => ofJob(field)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify([mine(saved), mine(by)]);
  }

  /**
   * A backfill split into parts (`<stream>#<i>`, part 0 the newest) becomes the stream's own
   * checkpoint only once every part is done in this run (`doneKey`: the run's streams done), in
   * one script: part 0's checkpoint, saved by the run. Until then the stream keeps the checkpoint
   * it had, so a run that fails in an older part leaves no gap behind a later checkpoint. Returns
   * whether it was adopted (any part may be the last to finish; adopting twice is the same write).
   */
  async adoptPartsIfDone(source: string, stream: string, count: number, runId: string, doneKey: string): Promise<boolean> {
    const adopted = await this.redis.eval(
      `for i = 0, tonumber(ARGV[2]) - 1 do
         if redis.call('HEXISTS', KEYS[3], 'd|' .. ARGV[1] .. '#' .. i) == 0 then return 0 end
       end
       local cp = redis.call('HGET', KEYS[1], ARGV[1] .. '#0')
       if not cp then return 0 end
       redis.call('HSET', KEYS[1], ARGV[1], cp)
       redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
       return 1`,
      3, this.key, this.runKey, doneKey, `${source}:${stream}`, String(count), runId,
    );
    return adopted === 1;
  }
  async all(): Promise<Record<string, Checkpoint>> {
    const flat = await this.redis.hgetall(this.key);
    return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, JSON.parse(v) as Checkpoint]));
  }
  private get runKey(): string {
    return `${this.key}:run`;
  }
}
