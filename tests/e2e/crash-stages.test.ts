/**
 * Crash safety of resolve, score and write-back: a worker process is killed with SIGKILL at an
 * exact point inside each stage, a second worker takes the stalled jobs over once their lock
 * expires (TIDEMARK_JOB_LOCK_MS=2000), and the run ends as a clean run of the same dataset does:
 * same matches, desired values, written Account fields, alert Tasks, counters, and every field
 * change audited exactly once.
 *
 * Landing the kill: for resolve and score the first worker talks to Redis through a tap
 * (tests/helpers/redis-tap.ts) that SIGKILLs it just before a given command reaches Redis (the
 * first write to the Zendesk users' matches, i.e. after the organizations were resolved and
 * stored; the Nth score snapshot). For write-back the in-process Salesforce emulator SIGKILLs the
 * worker when the third sObject Collections PATCH arrives (batches of 5): two batches answered,
 * one in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { CrashOrg, exited, expectSameOutcome, type RunSnapshot } from '../helpers/crash-harness.ts';
import { RedisTap } from '../helpers/redis-tap.ts';
import { testRedis, TEST_REDIS_URL } from '../helpers/redis.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const BATCH = 5;
const redis = testRedis();
const dir = mkdtempSync(join(tmpdir(), 'tidemark-crash-stages-'));
const datasetDir = join(dir, 'ds');
const orgs: CrashOrg[] = [];
let clean: RunSnapshot;

async function org(label: string): Promise<CrashOrg> {
  const o = await CrashOrg.start(redis, { datasetDir, label, now: NOW, writebackBatch: BATCH });
  orgs.push(o);
  return o;
}

beforeAll(async () => {
  await generateDataset({ accounts: 30, seed: 11, out: datasetDir, now: new Date(NOW), days: 20 });
  const control = await org('crash-control');
  await control.startInProcessWorkers();
  const runId = await control.requestRun();
  await control.waitForRun(runId);
  clean = await control.snapshot(runId);
  expect(clean.status).toBe('succeeded');
  expect(clean.counters.fieldsWritten).toBeGreaterThan(0);
  // Enough changes for several write-back batches.
  expect(clean.counters.accountsWritten).toBeGreaterThan(3 * BATCH);
}, 60_000);

afterAll(async () => {
  for (const o of orgs) await o.close();
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

/** Kills the first worker through the Redis tap at the occurrence-th command carrying marker. */
async function killThroughTap(o: CrashOrg, marker: (prefix: string) => string, occurrence: number): Promise<string> {
  const tap = await RedisTap.start(TEST_REDIS_URL);
  try {
    const first = await o.spawnWorker(tap.url);
    const fired = tap.arm(marker(o.prefix), occurrence, () => first.kill('SIGKILL'));
    const runId = await o.requestRun();
    await Promise.race([fired, o.waitForRun(runId, 60_000).then((r) => Promise.reject(new Error(`the run ended (${r.status}) before the kill point`)))]);
    await exited(first);
    return runId;
  } finally {
    await tap.close();
  }
}

describe('SIGKILL inside a stage, then a second worker takes over', () => {
  it('mid-resolve: after the organizations were matched, before the users', async () => {
    const o = await org('crash-resolve');
    const runId = await killThroughTap(o, (p) => `${p}:match:zendesk.user`, 1);
    expect(await o.stage(runId)).toBe('resolve');
    expect(await redis.hlen(`${o.prefix}:match:zendesk.organization`)).toBeGreaterThan(0);
    expect(await redis.hlen(`${o.prefix}:match:zendesk.user`)).toBe(0);

    await o.spawnWorker();
    await o.waitForRun(runId);
    expectSameOutcome(await o.snapshot(runId), clean);
  }, 60_000);

  it('mid-score: some accounts scored, the desired values not yet stored', async () => {
    const o = await org('crash-score');
    // Each account reads and writes its score snapshot key: the 30th occurrence is about halfway.
    const runId = await killThroughTap(o, (p) => `${p}:scores:`, 30);
    expect(await o.stage(runId)).toBe('score');
    expect(await redis.hlen(`${o.prefix}:desired`)).toBe(0);

    await o.spawnWorker();
    await o.waitForRun(runId);
    expectSameOutcome(await o.snapshot(runId), clean);
  }, 60_000);

  it('mid-write-back: two batches answered, the third in flight', async () => {
    const o = await org('crash-writeback');
    const first = await o.spawnWorker();
    const faults = o.emulators.salesforce.kit.faults;
    const take = faults.take.bind(faults);
    let patches = 0;
    faults.take = (label) => {
      if (label === 'PATCH /services/data/vXX.X/composite/sobjects' && ++patches === 3) first.kill('SIGKILL');
      return take(label);
    };
    const runId = await o.requestRun();
    await exited(first);
    expect(patches).toBe(3);
    expect(await o.stage(runId)).toBe('writeback');

    await o.spawnWorker();
    await o.waitForRun(runId);
    expectSameOutcome(await o.snapshot(runId), clean);
    // The batches answered before the kill are not sent again; the one in flight may be (idempotent).
    const batches = Math.ceil((clean.counters.accountsWritten ?? 0) / BATCH);
    const sent = Object.values(await o.collectionPatches()).reduce((a, b) => a + b, 0);
    expect(sent).toBeGreaterThanOrEqual(batches);
    expect(sent).toBeLessThanOrEqual(batches + 1);
  }, 60_000);
});
