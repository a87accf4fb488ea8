/**
 * Crash safety of write-back: the worker is SIGKILLed when the third sObject Collections PATCH
 * reaches the in-process Salesforce emulator (batches of 5): two batches answered and journaled,
 * one in flight (the emulator still applies it). A second worker takes the stalled jobs over
 * (TIDEMARK_JOB_LOCK_MS=2000) and settles the run from the write-back journal: the answered
 * batches are not sent again, the one in flight is sent again (idempotent), and the run ends as a
 * clean run of the same dataset does: same written Account fields, alert Tasks, counters, and
 * every field change audited exactly once.
 */
import { describe, expect, it } from 'vitest';
import { expectSameOutcome, useCrashLab } from '../helpers/crash-harness.ts';

const BATCH = 5;
const { lab, clean } = useCrashLab({ dataset: { accounts: 30, seed: 11, days: 20 }, writebackBatch: BATCH });

describe('SIGKILL inside write-back, then a second worker takes over', () => {
  it('mid-write-back: two batches answered, the third in flight', async () => {
    expect(clean().counters.accountsWritten).toBeGreaterThan(3 * BATCH);
    const o = await lab.org('crash-writeback');
    const first = await o.spawnWorker();
    const killed = o.killAtPatch(first, 3);
    const runId = await o.requestRun();
    await killed;
    expect(await o.stage(runId)).toBe('writeback');
    // The two answered batches are in the run's write-back journal, the one in flight is not.
    expect((await o.ctx.runs.writeJournal(runId)).entries.size).toBe(2 * BATCH);

    await o.spawnWorker();
    await o.waitForRun(runId);
    expectSameOutcome(await o.snapshot(runId), clean());
    // The batches answered before the kill are not sent again; the one in flight is (idempotent).
    const batches = Math.ceil((clean().counters.accountsWritten ?? 0) / BATCH);
    const sent = Object.values(await o.collectionPatches()).reduce((a, b) => a + b, 0);
    expect(sent).toBe(batches + 1);
  }, 60_000);
});
