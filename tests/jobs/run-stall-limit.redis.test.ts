/**
 * A run job whose workers keep dying: BullMQ takes a stalled job over up to maxStalledCount
 * times, then fails it. The run must then be marked failed (with the reason), not left
 * "running" or "queued" for ever. A "dead worker" here is a manual BullMQ worker that takes the
 * run job and never renews its lock, which is what a SIGKILLed process leaves behind.
 */
import { Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { bullPrefix, RUNS_QUEUE } from '../../jobs/queues.ts';
import { startWorkers } from '../../jobs/workers.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { bullConnection } from '../../src/store/redis.ts';
import type { RunView } from '../../src/store/run-store.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { requestRun, waitForRun } from '../../src/sync/run.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const LOCK_MS = 400;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(name: string): Promise<{ ctx: SyncContext; connection: ReturnType<typeof bullConnection> }> {
  const redis = testRedis();
  const prefix = uniquePrefix(name);
  const connection = bullConnection(TEST_REDIS_URL);
  cleanups.push(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });
  const ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
  return { ctx, connection };
}

/** Takes the next run job like a worker that then dies: the job stays active, its lock expires. */
async function takeAndDie(ctx: SyncContext, connection: ReturnType<typeof bullConnection>): Promise<string | undefined> {
  const dead = new Worker(RUNS_QUEUE, null, { connection, prefix: bullPrefix(ctx.prefix), lockDuration: LOCK_MS, autorun: false });
  const job = await dead.getNextJob('dead-worker-token');
  await dead.close();
  return job?.id;
}

/** A run whose job a dead worker took, then real workers allowing `maxStalls` stalls; the run as it ends. */
async function runAfterDeadWorker(name: string, maxStalls: number): Promise<RunView> {
  const { ctx, connection } = await setup(name);
  const run = await requestRun(ctx, connection, { sources: [], full: false, dryRun: true, trigger: 'test' });
  expect(await takeAndDie(ctx, connection)).toBe(run.id);
  const workers = await startWorkers(ctx, connection, { lockDurationMs: LOCK_MS, maxStalls });
  cleanups.push(() => workers.close());
  return waitForRun(ctx, run.id, 20_000);
}

describe('a run job that stalls more often than allowed', () => {
  it('fails its run with the reason instead of leaving it open', async () => {
    const done = await runAfterDeadWorker('stall-limit', 0);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/stalled more than allowable limit/);
  });

  it('within the limit, the stalled run job is taken over and processed', async () => {
    const done = await runAfterDeadWorker('stall-within', 1);
    expect(done.startedAt).not.toBeNull();
    expect(done.error ?? '').not.toMatch(/stalled/);
  });
});
