/**
 * `sandbox --workers 0 --no-run --schedule none` runs the emulators and the API without workers;
 * `worker` processes started in the same directory join it through .data/sandbox.json (its Redis,
 * prefix and emulator URLs) and carry a full run. Real processes (node --import tsx).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, expect, it } from 'vitest';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { RunStore } from '../../src/store/run-store.ts';
import { bullPrefix, RUNS_QUEUE } from '../../jobs/queues.ts';
import { runCli, startSandboxProc, startWorkerProc, until, type Proc } from '../../bench/sandbox-procs.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const root = mkdtempSync(join(tmpdir(), 'tidemark-sandbox-workers-'));
const base = uniquePrefix('sbw');
const redis = testRedis();
const procs: Proc[] = [];

afterAll(async () => {
  for (const p of procs) await p.stop();
  await dropPrefix(redis, base);
  redis.disconnect();
  rmSync(root, { recursive: true, force: true });
});

it('runs without workers, and worker processes join it and carry a full run', async () => {
  const dataset = await generateDataset({ accounts: 12, seed: 5, out: join(root, 'dataset'), now: new Date(), days: 20 });
  const cwd = join(root, 'run');
  const env = { LOG_LEVEL: 'warn' };
  const sandbox = await startSandboxProc(cwd, dataset.dir, TEST_REDIS_URL, { workers: 0, prefixBase: base, env, timeoutMs: 60_000 });
  procs.push(sandbox);
  expect(sandbox.state.prefix.startsWith(`${base}:sandbox:`)).toBe(true);

  const runs = new Queue(RUNS_QUEUE, { connection: bullConnection(TEST_REDIS_URL), prefix: bullPrefix(sandbox.state.prefix) });
  try {
    // No run was asked for and no scheduler exists; no process works the runs queue.
    expect(await runs.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toEqual({ waiting: 0, active: 0, delayed: 0, prioritized: 0 });
    expect(await runs.getJobSchedulersCount()).toBe(0);
    expect(await runs.getWorkersCount()).toBe(0);

    const queued = await runCli(cwd, TEST_REDIS_URL, ['sync', '--full', '--json'], 60_000);
    const runId = String((JSON.parse(queued.stdout) as { runId: string }).runId);
    expect(await runs.getJobState(runId)).toBe('waiting');

    for (const n of [1, 2]) procs.push(await startWorkerProc(cwd, TEST_REDIS_URL, n, env));
    await until('both workers on the runs queue', 30_000, async () => ((await runs.getWorkersCount()) >= 2 ? true : null));
    const waited = await runCli(cwd, TEST_REDIS_URL, ['sync', '--wait', '--json'], 120_000);
    const summary = JSON.parse(waited.stdout) as { status: string; accountsScored: number; sources: Record<string, { records: number }> };
    expect(summary.status).toBe('succeeded');
    expect(await runs.getJobState(runId)).toBe('completed');
    expect(summary.accountsScored).toBe(12);
    const full = await new RunStore(redis, sandbox.state.prefix).get(runId);
    expect(full?.status).toBe('succeeded');
    expect(full?.counters['records.salesforce']).toBeGreaterThan(12);
    expect(full?.counters['records.mixpanel']).toBeGreaterThan(0);
    expect(full?.counters.accountsScored).toBe(12);
  } finally {
    await runs.close();
  }
}, 240_000);
