/**
 * Crash safety of resolve and score (write-back: crash-writeback.test.ts): a worker process is
 * killed with SIGKILL at an exact point inside each stage, a second worker takes the stalled jobs over once their lock
 * expires (TIDEMARK_JOB_LOCK_MS=2000), and the run ends as a clean run of the same dataset does:
 * same matches, desired values, written Account fields, alert Tasks, counters, and every field
 * change audited exactly once.
 *
 * Landing the kill: the first worker talks to Redis through a tap (tests/helpers/redis-tap.ts)
 * that SIGKILLs it just before a given command reaches Redis (the first command on the Zendesk
 * users' matches, i.e. after the organizations were resolved and stored; the Nth command on a
 * score snapshot key).
 */
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { bullPrefix, RUNS_QUEUE } from '../../jobs/queues.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { expectSameOutcome, useCrashLab, type CrashOrg } from '../helpers/crash-harness.ts';

const { lab, redis, clean } = useCrashLab({ dataset: { accounts: 30, seed: 11, days: 20 }, writebackBatch: 5 });
const org = (label: string): Promise<CrashOrg> => lab.org(label);

/** Kills the first worker just before the occurrence-th Redis command carrying marker. */
async function killThroughTap(o: CrashOrg, marker: string, occurrence: number): Promise<string> {
  const { killed } = await o.spawnWorkerKilledAt(marker, occurrence);
  const runId = await o.requestRun();
  await Promise.race([killed, o.waitForRun(runId, 60_000).then((r) => Promise.reject(new Error(`the run ended (${r.status}) before the kill point`)))]);
  return runId;
}

describe('SIGKILL inside a stage, then a second worker takes over', () => {
  it('mid-resolve: after the organizations were matched, before the users', async () => {
    const o = await org('crash-resolve');
    const runId = await killThroughTap(o, `${o.prefix}:match:zendesk.user`, 1);
    expect(await o.stage(runId)).toBe('resolve');
    expect(await redis.hlen(`${o.prefix}:match:zendesk.organization`)).toBeGreaterThan(0);
    expect(await redis.hlen(`${o.prefix}:match:zendesk.user`)).toBe(0);

    await o.spawnWorker();
    await o.waitForRun(runId);
    expectSameOutcome(await o.snapshot(runId), clean());
  }, 180_000);

  it('mid-score: new plans recorded, no score snapshot or desired value stored yet', async () => {
    const o = await org('crash-score');
    // A batch reads each account's snapshot of 30 days ago (30 commands on scores: keys, one
    // pipeline), scores the batch and records its new plans, then writes today's snapshots (HSET +
    // HLEN per account, one pipeline), then the desired values: the 31st occurrence is the first of
    // today's snapshots, so the kill lands after the plans and before anything else of the batch.
    const runId = await killThroughTap(o, `${o.prefix}:scores:`, 31);
    expect(await o.stage(runId)).toBe('score');
    expect(await redis.hlen(`${o.prefix}:plans`)).toBeGreaterThan(0);
    expect(await redis.keys(`${o.prefix}:scores:*`)).toEqual([]);
    expect(await redis.hlen(`${o.prefix}:desired`)).toBe(0);

    await o.spawnWorker();
    await o.waitForRun(runId);
    expectSameOutcome(await o.snapshot(runId), clean());
  }, 180_000);

  it('a scheduled run killed mid-resolve is continued as the same run, not started again', async () => {
    const o = await org('crash-scheduled');
    const { killed } = await o.spawnWorkerKilledAt(`${o.prefix}:match:zendesk.user`, 1);
    // As the job scheduler enqueues it: no run id yet; the worker creates the run and stores its id in the job.
    const queue = new Queue(RUNS_QUEUE, { connection: bullConnection(o.redisUrl), prefix: bullPrefix(o.prefix) });
    try {
      await queue.add('scheduled-run', { scheduled: { sources: ['salesforce', 'zendesk', 'mixpanel', 'surveys'] } });
      await killed;
      const [run] = await o.ctx.runs.list();
      expect(run?.status).toBe('running');
      expect(await o.stage(run?.id ?? '')).toBe('resolve');

      await o.spawnWorker();
      const done = await o.waitForRun(run?.id ?? '');
      expect(done.status).toBe('succeeded');
      // One run: the worker that took the job over continued it (without the id in the job data it would start a second run and leave this one running).
      expect((await o.ctx.runs.list()).map((r) => r.id)).toEqual([run?.id]);
      expect(done.counters.resolved).toBe(clean().counters.resolved);
      expect(done.counters.accountsScored).toBe(clean().counters.accountsScored);
    } finally {
      await queue.close();
    }
  }, 180_000);
});
