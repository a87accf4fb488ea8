import type { ChainableCommander, Redis } from 'ioredis';
import type { Checkpoint } from '../contracts/connector.ts';
import { keys } from './keys.ts';

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
  /** The saved checkpoints of a source's streams and the runs that saved them, as one text (equal text: no progress). */
  async ofSource(source: string): Promise<string> {
    const [saved, by] = await Promise.all([this.redis.hgetall(this.key), this.redis.hgetall(this.runKey)]);
    const mine = (flat: Record<string, string>): string[][] => Object.entries(flat).filter(([field]) => field.startsWith(`${source}:`)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify([mine(saved), mine(by)]);
  }
  async all(): Promise<Record<string, Checkpoint>> {
    const flat = await this.redis.hgetall(this.key);
    return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, JSON.parse(v) as Checkpoint]));
  }
  private get runKey(): string {
    return `${this.key}:run`;
  }
}
