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
import { describe, expect, it } from 'vitest';
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
  }, 60_000);

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
  }, 60_000);
});
