/**
 * A Lua script sent by its SHA1 (EVALSHA), and whole (EVAL) only when the server does not know it
 * yet (a fresh or restarted Redis). Arguments go as one array, which ioredis flattens: never
 * spread into a call, so any number of them is safe.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** EVALSHA with `args` (numkeys, keys, then arguments), EVAL on NOSCRIPT. */
  async run(redis: Redis, args: readonly string[]): Promise<unknown> {
    try {
      return await redis.call('EVALSHA', [this.sha, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.call('EVAL', [this.source, ...args]);
    }
  }
}
