/**
 * A pull that saved checkpoints before a transient failure retries from them without spending
 * one of its attempts: a long pull under a steady trickle of failures (each attempt gets further)
 * finishes, while a pull that fails without getting anywhere still fails after its attempts.
 * Real BullMQ workers on a real Redis; the connector fails on purpose after every page.
 */
import { Queue, type Job } from 'bullmq';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PROGRESS_RETRIES } from '../../jobs/error-policy.ts';
import { bullPrefix, pullQueueName, DEFAULT_JOB_OPTIONS } from '../../jobs/queues.ts';
import { startWorkers } from '../../jobs/workers.ts';
import type { Page } from '../../src/contracts/connector.ts';
import { TransientError } from '../../src/contracts/errors.ts';
import type { ZendeskUser } from '../../src/contracts/records.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { fakeConnector } from '../helpers/fake-connector.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const user = (id: string): ZendeskUser => ({ kind: 'zendesk.user', id, name: null, email: `${id}@example.com`, organizationId: null, externalId: null, role: 'end-user', active: true, updatedAt: '2026-11-01T00:00:00Z' });

/**
 * Zendesk users in `pages` pages; each attempt reads `perAttempt` pages from its checkpoint and
 * then fails as a transient error would (a reset connection), until the last page.
 */
function flakyUsers(pages: number, perAttempt: number): { starts: () => number; connector: ReturnType<typeof fakeConnector> } {
  let starts = 0;
  const connector = fakeConnector('zendesk', [
    {
      name: 'users',
      kind: 'zendesk.user',
      async *pull(pc): AsyncGenerator<Page<'zendesk.user'>> {
        starts += 1;
        const from = typeof pc.checkpoint?.page === 'number' ? pc.checkpoint.page : 0;
        for (let page = from + 1; page <= Math.min(pages, from + perAttempt); page++) {
          yield { kind: 'zendesk.user', records: [user(`u${page}`)], quarantined: [], checkpoint: { page }, apiCalls: 1 };
        }
        if (from + perAttempt < pages) throw new TransientError('connection reset by peer (injected)');
      },
    },
  ]);
  return { starts: () => starts, connector };
}

async function setUp(connector: ReturnType<typeof fakeConnector>): Promise<{ ctx: SyncContext; queue: Queue; runId: string }> {
  const redis = testRedis();
  const prefix = uniquePrefix('progress-retry');
  cleanups.push(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });
  const ctx = createSyncContext({ redis, prefix, log: pino({ level: 'silent' }), now: () => new Date(), sources: { zendesk: { connector: connector as never, config: {} } }, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
  const connection = bullConnection(TEST_REDIS_URL);
  const workers = await startWorkers(ctx, connection);
  cleanups.push(() => workers.close());
  const queue = new Queue(pullQueueName('zendesk'), { connection, prefix: bullPrefix(prefix) });
  cleanups.push(() => queue.close());
  const run = await ctx.runs.create({ sources: ['zendesk'], full: true, dryRun: false, trigger: 'test' }, new Date());
  return { ctx, queue, runId: run.id };
}

async function settled(queue: Queue, id: string): Promise<Job> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = await queue.getJob(id);
    if (job && (job.finishedOn ?? 0) > 0) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('retries of a pull that made progress', () => {
  it('do not spend attempts: 12 failing attempts that each save a page finish a job allowed 2', async () => {
    const flaky = flakyUsers(13, 1);
    const { ctx, queue, runId } = await setUp(flaky.connector);
    await queue.add('pull:zendesk', { runId, source: 'zendesk', full: true }, { ...DEFAULT_JOB_OPTIONS, attempts: 2, backoff: { type: 'exponential', delay: 5 }, jobId: 'progress-1' });
    const job = await settled(queue, 'progress-1');
    expect(job.failedReason ?? null).toBeNull();
    // Each page counted once in the run, over all the attempts.
    expect(await ctx.runs.get(runId)).toMatchObject({ counters: { 'records.zendesk': 13 } });
    expect(flaky.starts()).toBe(13);
    expect(job.attemptsMade).toBeLessThan(2);
    expect((await ctx.records.all('zendesk.user')).map((u) => u.id).sort()).toEqual(Array.from({ length: 13 }, (_, i) => `u${i + 1}`).sort());
    expect(await ctx.checkpoints.get('zendesk', 'users')).toEqual({ page: 13 });
  }, 30_000);

  it('still fail after the job\'s attempts when an attempt saves nothing', async () => {
    const flaky = flakyUsers(5, 0);
    const { queue, runId } = await setUp(flaky.connector);
    await queue.add('pull:zendesk', { runId, source: 'zendesk', full: true }, { ...DEFAULT_JOB_OPTIONS, attempts: 3, backoff: { type: 'exponential', delay: 5 }, jobId: 'progress-2' });
    const job = await settled(queue, 'progress-2');
    expect(job.failedReason).toContain('connection reset by peer');
    expect(job.attemptsMade).toBe(3);
    expect(flaky.starts()).toBe(3);
  }, 30_000);

  it('are bounded: progress buys at most MAX_PROGRESS_RETRIES attempts beyond the job\'s own', async () => {
    const pages = MAX_PROGRESS_RETRIES + 20;
    const flaky = flakyUsers(pages, 1);
    const { queue, runId } = await setUp(flaky.connector);
    await queue.add('pull:zendesk', { runId, source: 'zendesk', full: true }, { ...DEFAULT_JOB_OPTIONS, attempts: 2, backoff: { type: 'fixed', delay: 1 }, jobId: 'progress-3' });
    const job = await settled(queue, 'progress-3');
    expect(job.failedReason).toContain('connection reset by peer');
    expect(flaky.starts()).toBe(2 + MAX_PROGRESS_RETRIES);
  }, 60_000);
});
