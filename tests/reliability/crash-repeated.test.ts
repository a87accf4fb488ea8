/**
 * Crash safety on a bigger dataset (300 accounts), with the worker killed again and again in one
 * run: SIGKILL mid-pull (Zendesk pages slow, once the users stream saved a checkpoint), the next
 * worker killed mid-resolve, the next one twice in write-back (when the third Collections PATCH
 * arrives), then a last worker finishes. A second run is killed twice inside score. Each time a
 * new worker takes the stalled jobs over (TIDEMARK_JOB_LOCK_MS=2000); the run jobs survive
 * several stalls (MAX_STALLS). Both runs must end as a clean run of the same dataset does, with
 * Zendesk pages and write-back batches re-requested at most once per kill.
 */
import { describe, expect, it } from 'vitest';
import { expectSameOutcome, useCrashLab, waitFor, type CrashOrg } from '../helpers/crash-harness.ts';

const BATCH = 20;
const PAGE = 50;
const { lab, clean } = useCrashLab({ dataset: { accounts: 300, seed: 31, days: 30 }, writebackBatch: BATCH, timeoutMs: 300_000 });
const org = (label: string): Promise<CrashOrg> => lab.org(label);

const calls = (o: CrashOrg, route: string): number => Object.values(o.emulators.zendesk.kit.stats.toJSON().calls[route] ?? {}).reduce((a, b) => a + b, 0);

describe('SIGKILL again and again in one run (300 accounts)', () => {
  it('mid-pull, mid-resolve, twice mid-write-back: the run ends as a clean one', async () => {
    const o = await org('repeated');
    o.emulators.zendesk.kit.faults.add({ route: 'GET /api/v2/incremental/users/cursor', type: 'latency', latencyMs: 100, rate: 1 });
    const env = { ZENDESK_PAGE_SIZE: String(PAGE) };

    const first = await o.spawnWorker(undefined, env);
    const runId = await o.requestRun();
    await waitFor('a saved Zendesk users checkpoint', async () => (await o.ctx.checkpoints.get('zendesk', 'users')) !== null, 120_000);
    first.kill('SIGKILL');
    expect(await o.stage(runId)).toBe('pull');

    const second = await o.spawnWorkerKilledAt(`${o.prefix}:match:zendesk.user`, 1, env);
    await second.killed;
    expect(await o.stage(runId)).toBe('resolve');

    for (let i = 0; i < 2; i += 1) {
      const writer = await o.spawnWorker(undefined, env);
      await o.killAtPatch(writer, 3);
      expect(await o.stage(runId)).toBe('writeback');
    }

    await o.spawnWorker(undefined, env);
    const done = await o.waitForRun(runId, 300_000);
    expect(done.error).toBeNull();
    expectSameOutcome(await o.snapshot(runId), clean());

    // Re-requested after the kills: at most one Zendesk users page, at most one batch per write-back kill.
    const users = lab.zendeskLines('users.jsonl');
    const pages = calls(o, 'GET /api/v2/incremental/users/cursor');
    expect(pages).toBeLessThanOrEqual(Math.ceil(users / PAGE) + 2);
    const batches = Math.ceil((clean().counters.accountsWritten ?? 0) / BATCH);
    const sent = Object.values(await o.collectionPatches()).reduce((a, b) => a + b, 0);
    expect(sent).toBe(batches + 2);
    console.info(`repeated kills: Zendesk users pages requested ${pages} (dataset ${Math.ceil(users / PAGE)}), Collections PATCHes ${sent} (batches ${batches})`);
  });

  it('killed twice inside score: the run ends as a clean one', async () => {
    const o = await org('repeated-score');
    // One batch of 300 accounts: 300 reads of the snapshots of 30 days ago (one pipeline), then the
    // new plans, then today's snapshots: the 301st command is the first of those, so each try is
    // killed after recording its plans (the re-runs must flag the same plans for review).
    const first = await o.spawnWorkerKilledAt(`${o.prefix}:scores:`, 301);
    const runId = await o.requestRun();
    await first.killed;
    expect(await o.stage(runId)).toBe('score');
    const second = await o.spawnWorkerKilledAt(`${o.prefix}:scores:`, 301);
    await second.killed;
    expect(await o.stage(runId)).toBe('score');

    await o.spawnWorker();
    const done = await o.waitForRun(runId, 300_000);
    expect(done.error).toBeNull();
    expectSameOutcome(await o.snapshot(runId), clean());
  });
});
