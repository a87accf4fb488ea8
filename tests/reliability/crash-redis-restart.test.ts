/**
 * Redis killed (SIGKILL) and started again on the same port and AOF directory in the middle of a
 * run, twice: during the Zendesk pull (pages made slow by a latency fault, the kill once the users
 * stream has saved a checkpoint) and during write-back (when the second sObject Collections PATCH
 * arrives). The worker processes are not touched: ioredis reconnects, queued commands go out
 * after the restart, BullMQ carries on. Every acknowledged write survives the kill (with
 * `appendfsync always` it is on disk; with `everysec` in the kernel's page cache), and the run must end as a clean run of the same dataset (on the shared test Redis) does:
 * same records, matches, desired values, written fields, audit and counters.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { Redis } from 'ioredis';
import { COLLECTION_PATCH, expectSameOutcome, useCrashLab, waitFor } from '../helpers/crash-harness.ts';
import { PrivateRedis } from '../helpers/private-redis.ts';

const { lab, clean } = useCrashLab({ dataset: { accounts: 80, seed: 23, days: 30 }, writebackBatch: 10, timeoutMs: 120_000 });

// `everysec` is the sandbox's private Redis (Redis' default): a SIGKILL of redis-server loses no
// acknowledged write there either, the AOF write() happened before the reply (see docs/reliability.md).
describe.each(['always', 'everysec'] as const)('Redis restarted (SIGKILL, AOF appendfsync %s) in the middle of a run', (appendfsync) => {
  it('mid-pull and mid-write-back: the workers reconnect and the run ends as a clean one', async () => {
    const redisServer = await PrivateRedis.create(appendfsync);
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    // The default job lock (30 s): a restart of a fraction of a second must not make jobs stall.
    const o = await lab.org(`restart-${appendfsync}`, { redisUrl: redisServer.url, lockMs: 30_000 }, redis);
    onTestFinished(async () => {
      await o.close();
      redis.disconnect();
      await redisServer.close();
    });
    const zendesk = o.emulators.zendesk.kit.faults;
    for (const route of ['GET /api/v2/incremental/users/cursor', 'GET /api/v2/incremental/tickets/cursor']) zendesk.add({ route, type: 'latency', latencyMs: 150, rate: 1 });
    // The second write-back batch arrives: Redis goes down and comes back while the worker waits for the answer.
    let restartInWriteback: Promise<void> | null = null;
    let patches = 0;
    const salesforce = o.emulators.salesforce.kit.faults;
    const take = salesforce.take.bind(salesforce);
    salesforce.take = (label) => {
      if (label === COLLECTION_PATCH && ++patches === 2) restartInWriteback = redisServer.kill().then(() => redisServer.start());
      return take(label);
    };

    await o.spawnWorker(redisServer.url, { ZENDESK_PAGE_SIZE: '20' });
    const runId = await o.requestRun();
    await waitFor('a saved Zendesk users checkpoint', async () => (await o.ctx.checkpoints.get('zendesk', 'users')) !== null, 60_000);
    const usersBefore = await o.ctx.records.count('zendesk.user');
    await redisServer.kill();
    await redisServer.start();
    expect(await o.stage(runId)).toBe('pull');

    const done = await o.waitForRun(runId, 240_000);
    expect(restartInWriteback).not.toBeNull();
    await restartInWriteback;
    expect(redisServer.starts).toBe(3);
    expect(usersBefore).toBeGreaterThan(0);
    expect(done.counters['records.zendesk']).toBe(clean().counters['records.zendesk']);
    expectSameOutcome(await o.snapshot(runId), clean());
  });
});
