/**
 * What a CLI command needs: the environment, the Redis and key prefix the server uses (from the
 * environment, or from .data/sandbox.json while the sandbox runs), and the output mode.
 */
import { syncOptionsFromEnv } from '../config/sync-options.ts';
import type { Redis } from 'ioredis';
import { loadEnv, nowFrom, type Env } from '../config/env.ts';
import { connectRedis } from '../store/redis.ts';
import { readSandboxState } from '../sandbox/state-file.ts';
import { createSyncContext, type SyncContext } from '../sync/context.ts';
import { createLogger } from '../logging/logger.ts';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliIO {
  json: boolean;
  out(text: string): void;
  err(text: string): void;
}

export interface Target {
  env: Env;
  redisUrl: string;
  prefix: string;
  fromSandbox: boolean;
}

/** Explicit REDIS_URL / TIDEMARK_PREFIX win; otherwise a running sandbox's values. */
export function resolveTarget(source: NodeJS.ProcessEnv = process.env): Target {
  const env = loadEnv(source);
  const sandbox = readSandboxState();
  const useSandbox = sandbox !== null && !source.TIDEMARK_PREFIX;
  return {
    env,
    redisUrl: source.REDIS_URL ? env.REDIS_URL : (sandbox?.redisUrl ?? env.REDIS_URL),
    prefix: useSandbox ? sandbox.prefix : env.TIDEMARK_PREFIX,
    fromSandbox: useSandbox,
  };
}

export async function withContext<T>(fn: (ctx: SyncContext, target: Target, redis: Redis) => Promise<T>): Promise<T> {
  const target = resolveTarget();
  const redis = connectRedis(target.redisUrl);
  redis.on('error', () => undefined);
  try {
    const ctx = createSyncContext({
      redis,
      prefix: target.prefix,
      log: createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr }),
      now: () => nowFrom(target.env),
      sources: {},
      options: syncOptionsFromEnv(target.env),
    });
    return await fn(ctx, target, redis);
  } finally {
    redis.disconnect();
  }
}

export function print(io: CliIO, human: string, json: unknown): void {
  io.out(io.json ? JSON.stringify(json, null, 2) : human);
}
