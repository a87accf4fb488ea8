/**
 * Redis killed (SIGKILL) and started again on the same port and AOF directory in the middle of a
 * run, twice: during the Zendesk pull (pages made slow by a latency fault, the kill once the users
 * stream has saved a checkpoint) and during write-back (when the second sObject Collections PATCH
 * arrives). The worker processes are not touched: ioredis reconnects, queued commands go out
 * after the restart, BullMQ carries on. Every acknowledged write survives the kill (with
 * `appendfsync always` it is on disk; with `everysec` in the kernel's page cache), and the run must end as a clean run of the same dataset (on the shared test Redis) does:
 * same records, matches, desired values, written fields, audit and counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { Redis } from 'ioredis';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { CrashOrg, expectSameOutcome, waitFor, type RunSnapshot } from '../helpers/crash-harness.ts';
import { PrivateRedis } from '../helpers/private-redis.ts';
import { testRedis } from '../helpers/redis.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const BATCH = 10;
const shared = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'tidemark-redis-restart-'));
const datasetDir = join(dir, 'ds');
let control: CrashOrg | null = null;
let clean: RunSnapshot;

beforeAll(async () => {
  await generateDataset({ accounts: 80, seed: 23, out: datasetDir, now: new Date(NOW), days: 30 });
  control = await CrashOrg.start(shared, { datasetDir, label: 'restart-control', now: NOW, writebackBatch: BATCH });
  await control.startInProcessWorkers();
  const runId = await control.requestRun();
  await control.waitForRun(runId, 120_000);
  clean = await control.snapshot(runId);
  expect(clean.status).toBe('succeeded');
  expect(clean.counters.accountsWritten).toBeGreaterThan(2 * BATCH);
});

afterAll(async () => {
  await control?.close();
  shared.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

// `everysec` is the sandbox's private Redis (Redis' default): a SIGKILL of redis-server loses no
// acknowledged write there either, the AOF write() happened before the reply (see docs/reliability.md).
describe.each(['always', 'everysec'] as const)('Redis restarted (SIGKILL, AOF appendfsync %s) in the middle of a run', (appendfsync) => {
  it('mid-pull and mid-write-back: the workers reconnect and the run ends as a clean one', async () => {
    const redisServer = await PrivateRedis.create(appendfsync);
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    // The default job lock (30 s): a restart of a fraction of a second must not make jobs stall.
    const o = await CrashOrg.start(redis, { datasetDir, label: 'restart', now: NOW, writebackBatch: BATCH, redisUrl: redisServer.url, lockMs: 30_000 });
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
      if (label === 'PATCH /services/data/vXX.X/composite/sobjects' && ++patches === 2) restartInWriteback = redisServer.kill().then(() => redisServer.start());
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
    expect(done.counters['records.zendesk']).toBe(clean.counters['records.zendesk']);
    expectSameOutcome(await o.snapshot(runId), clean);
  });
});
