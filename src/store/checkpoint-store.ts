import type { Redis } from 'ioredis';
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
  async set(source: string, stream: string, checkpoint: Checkpoint): Promise<void> {
    await this.redis.hset(this.key, `${source}:${stream}`, JSON.stringify(checkpoint));
  }
  async clear(source: string, stream: string): Promise<void> {
    await this.redis.hdel(this.key, `${source}:${stream}`);
  }
  async all(): Promise<Record<string, Checkpoint>> {
    const flat = await this.redis.hgetall(this.key);
    return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, JSON.parse(v) as Checkpoint]));
  }
}
