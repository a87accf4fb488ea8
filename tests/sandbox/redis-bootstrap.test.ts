import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureRedis, redisServerOnPath } from '../../src/sandbox/redis-bootstrap.ts';
import { redisAnswers } from '../../src/store/redis.ts';
import { TEST_REDIS_URL } from '../helpers/redis.ts';

describe('Redis bootstrap', () => {
  it('uses the Redis that answers at REDIS_URL', async () => {
    const handle = await ensureRedis(TEST_REDIS_URL, '/nonexistent');
    expect(handle).toMatchObject({ url: TEST_REDIS_URL, private: false });
    await handle.stop();
  });

  it('starts a private redis-server with AOF under the data dir when nothing answers, and stops it', async () => {
    expect(redisServerOnPath()).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-redis-'));
    try {
      const handle = await ensureRedis('redis://127.0.0.1:1', dir);
      expect(handle.private).toBe(true);
      expect(await redisAnswers(handle.url)).toBe(true);
      expect(existsSync(join(dir, 'redis'))).toBe(true);
      await handle.stop();
      expect(await redisAnswers(handle.url, 300)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains how to get Redis when none answers and redis-server is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(ensureRedis('redis://127.0.0.1:1', '/tmp')).rejects.toThrow(/apt-get install redis-server[\s\S]*REDIS_URL/);
    } finally {
      process.env.PATH = path;
    }
  });
});
