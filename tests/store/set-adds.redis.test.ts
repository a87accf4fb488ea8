/** Many small SADDs as a few script calls (src/store/set-adds.ts): the sets end up as SADD would leave them. */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK } from '../../src/store/chunks.ts';
import { addToSets } from '../../src/store/set-adds.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis: Redis = testRedis();
let prefix = '';
beforeEach(() => {
  prefix = uniquePrefix('setadds');
});
afterEach(async () => {
  await dropPrefix(redis, prefix);
});
afterAll(() => redis.disconnect());

async function members(key: string): Promise<string[]> {
  return (await redis.smembers(key)).sort();
}

describe('addToSets', () => {
  it('adds every member to its set, next to what the set held, in few calls', async () => {
    await redis.sadd(`${prefix}:s:a`, 'old');
    const sets = new Map<string, string[]>([
      ['a', ['x', 'y', 'x']],
      ['b', []],
      ['big', Array.from({ length: CHUNK * 2 + 17 }, (_, i) => `m${i}`)],
      ...Array.from({ length: 3_000 }, (_, i): [string, string[]] => [`k${i}`, [`r${i}`, `r${i + 1}`]]),
    ]);
    const m = redis.pipeline();
    addToSets(m, sets, (name) => `${prefix}:s:${name}`);
    // 2 * 10,000 + 17 members of one set and 3,000 sets of 2: a handful of script calls, not 3,000 commands.
    expect(m.length).toBeLessThanOrEqual(6);
    const replies = await m.exec();
    expect(replies?.every(([err]) => err === null)).toBe(true);
    expect(await members(`${prefix}:s:a`)).toEqual(['old', 'x', 'y']);
    expect(await redis.exists(`${prefix}:s:b`)).toBe(0);
    expect(await redis.scard(`${prefix}:s:big`)).toBe(CHUNK * 2 + 17);
    expect(await members(`${prefix}:s:k2999`)).toEqual(['r2999', 'r3000']);
  });

  it('leaves the sets as one SADD per set would, for any sets and members', async () => {
    const name = fc.string({ minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(name, fc.array(fc.string({ maxLength: 8 }), { maxLength: 20 })), { maxLength: 40 }), async (entries) => {
        const run = uniquePrefix('setadds-prop');
        try {
          const sets = new Map<string, string[]>();
          for (const [key, list] of entries) sets.set(key, [...(sets.get(key) ?? []), ...list]);
          const m = redis.pipeline();
          addToSets(m, sets, (key) => `${run}:a:${key}`);
          const each = redis.pipeline();
          for (const [key, list] of sets) if (list.length > 0) each.sadd(`${run}:b:${key}`, ...list);
          await Promise.all([m.exec(), each.exec()]);
          for (const key of sets.keys()) expect(await members(`${run}:a:${key}`)).toEqual(await members(`${run}:b:${key}`));
        } finally {
          await dropPrefix(redis, run);
        }
      }),
      { numRuns: 40 },
    );
  });
});
