/**
 * A worker that loses a job's lock (its process stalled longer than the lock: a long GC pause, a
 * blocked event loop) must stop that job: another worker may already have taken it over, and two
 * copies of a pull would both persist pages and count them. BullMQ reports the failed renewal
 * ('lockRenewalFailed'); the worker cancels the job, and the pull stops at the next page boundary
 * without persisting the page or moving the checkpoint.
 *
 * The lock is lost for real: the test overwrites the job's lock key with another worker's token,
 * so the next renewal fails, exactly as after a takeover.
 */
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bullPrefix, pullQueueName, DEFAULT_JOB_OPTIONS } from '../../jobs/queues.ts';
import { startWorkers } from '../../jobs/workers.ts';
import type { Page } from '../../src/contracts/connector.ts';
import { fakeConnector } from '../helpers/fake-connector.ts';
import type { ZendeskUser } from '../../src/contracts/records.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { createSyncContext } from '../../src/sync/context.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const user = (id: string): ZendeskUser => ({ kind: 'zendesk.user', id, name: null, email: `${id}@example.com`, organizationId: null, externalId: null, role: 'end-user', active: true, updatedAt: '2026-11-01T00:00:00Z' });

async function until<T>(what: string, check: () => Promise<T | null> | T | null, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a job whose lock is lost', () => {
  it('stops at the next page: the page is not persisted and the checkpoint stays', async () => {
    const redis = testRedis();
    const prefix = uniquePrefix('lock-lost');
    cleanups.push(async () => {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    });
    let firstPersisted = false;
    let abortedSeen = false;
    const connector = fakeConnector('zendesk', [
      {
        name: 'users',
        kind: 'zendesk.user',
        async *pull(pc): AsyncGenerator<Page<'zendesk.user'>> {
          yield { kind: 'zendesk.user', records: [user('u1')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
          firstPersisted = true;
          // The next page arrives only after this copy of the job lost its lock (the signal says so).
          await until('the abort signal', () => (pc.signal?.aborted ? true : null));
          abortedSeen = true;
          yield { kind: 'zendesk.user', records: [user('u2')], quarantined: [], checkpoint: { page: 2 }, apiCalls: 1 };
        },
      },
    ]);
    const logged: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    const ctx = createSyncContext({ redis, prefix, log, now: () => new Date(), sources: { zendesk: { connector: connector as never, config: {} } }, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
    const connection = bullConnection(TEST_REDIS_URL);
    const workers = await startWorkers(ctx, connection, { lockDurationMs: 1000 });
    cleanups.push(() => workers.close());
    const queue = new Queue(pullQueueName('zendesk'), { connection, prefix: bullPrefix(prefix) });
    cleanups.push(() => queue.close());

    const run = await ctx.runs.create({ sources: ['zendesk'], full: true, dryRun: false, trigger: 'test' }, new Date());
    await queue.add('pull:zendesk', { runId: run.id, source: 'zendesk', full: true }, { ...DEFAULT_JOB_OPTIONS, attempts: 1, jobId: 'lost-1' });
    await until('the first page', async () => (firstPersisted && (await ctx.checkpoints.get('zendesk', 'users')) ? true : null));

    // Another worker's takeover: the lock now holds its token, so this worker's next renewal fails.
    const lockKey = `${bullPrefix(prefix)}:${pullQueueName('zendesk')}:lost-1:lock`;
    expect(await redis.exists(lockKey)).toBe(1);
    await redis.set(lockKey, 'another-workers-token', 'PX', 60_000);

    // The processor has ended (it said why) before anything is checked.
    await until('the job to stop', () => (logged.some((l) => l.includes('job stopped: its lock was lost')) ? true : null));
    expect(abortedSeen).toBe(true);
    expect(logged.some((l) => l.includes('job lock lost: stopping this copy of the job'))).toBe(true);
    expect((await ctx.records.all('zendesk.user')).map((u) => u.id)).toEqual(['u1']);
    expect(await ctx.checkpoints.get('zendesk', 'users')).toEqual({ page: 1 });
  }, 30_000);
});
