/**
 * Crash safety of a pull: a worker process is killed with SIGKILL in the middle of a Zendesk pull;
 * a new worker takes the stalled job over and resumes from the last saved checkpoint. Nothing is
 * lost, nothing is stored twice, and the pages before the kill are not requested again.
 */
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZendeskEmulator } from '../../connectors/zendesk/emulator/index.ts';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { loadDataset } from '../../src/sandbox/dataset.ts';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { requestRun, waitForRun } from '../../src/sync/run.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { spawnTs } from '../helpers/node-process.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tidemark-crash-'));
const prefix = uniquePrefix('crash');
const redis = testRedis();
let server: Server;
let url = '';
let ctx: SyncContext;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  // spawnTs, not the tsx CLI: the spawned PID is the worker itself, so SIGKILL really kills it.
  const child = spawnTs(join(root, 'src', 'cli', 'main.ts'), ['worker'], {
    cwd: dir,
    env: {
      ...process.env,
      REDIS_URL: TEST_REDIS_URL,
      TIDEMARK_PREFIX: prefix,
      ZENDESK_URL: url,
      ZENDESK_EMAIL: 'sandbox@example.com',
      ZENDESK_API_TOKEN: 'sandbox',
      ZENDESK_PAGE_SIZE: '40',
      TIDEMARK_JOB_LOCK_MS: '2000',
      LOG_LEVEL: 'silent',
      HTTP_PROXY: '',
      HTTPS_PROXY: '',
    },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

const lines = (file: string): number => readFileSync(join(dir, 'ds', file), 'utf8').split('\n').filter(Boolean).length;

beforeAll(async () => {
  await generateDataset({ accounts: 120, seed: 5, out: join(dir, 'ds'), now: new Date(Date.now() - 3600_000), days: 10 });
  const emulator = createZendeskEmulator({ dataset: await loadDataset(join(dir, 'ds')) });
  ({ server, url } = await listen(emulator.app, 0));
  // Every export page takes a while, so the kill lands in the middle of the pull.
  const res = await fetch(`${url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults: [
    { route: 'GET /api/v2/incremental/users/cursor', type: 'latency', latencyMs: 150, rate: 1 },
    { route: 'GET /api/v2/incremental/tickets/cursor', type: 'latency', latencyMs: 150, rate: 1 },
  ] }) });
  expect(res.status).toBe(201);
  ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
}, 60_000);

afterAll(async () => {
  // Wait for the workers to be gone, so none writes a key after the cleanup below.
  await Promise.all(
    workers.map((w) =>
      w.exitCode !== null || w.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.kill('SIGKILL');
          }),
    ),
  );
  await closeServer(server);
  await dropPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGKILL mid-pull', () => {
  it('resumes from the last checkpoint with nothing lost or stored twice', async () => {
    const first = startWorker();
    const connection = bullConnection(TEST_REDIS_URL);
    // The worker registers its sources when it starts.
    for (let i = 0; i < 100 && !(await ctx.state.getSource('zendesk')); i += 1) await new Promise((r) => setTimeout(r, 100));
    const run = await requestRun(ctx, connection, { sources: ['zendesk'], full: true, dryRun: false, trigger: 'test' });
    let atKill = 0;
    for (let i = 0; i < 300; i += 1) {
      atKill = await ctx.records.count('zendesk.user');
      if (atKill >= 200 && (await ctx.checkpoints.get('zendesk', 'users'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const total = lines('zendesk/users.jsonl');
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(total);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    startWorker();
    const done = await waitForRun(ctx, run.id, 90_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(await ctx.records.count('zendesk.user')).toBe(total);
    expect(await ctx.records.count('zendesk.ticket')).toBe(lines('zendesk/tickets.jsonl'));
    expect(await ctx.records.count('zendesk.organization')).toBe(lines('zendesk/organizations.jsonl'));
    // The run's count of pulled records: every record once (the kill lands right after a checkpoint).
    expect(done.counters['records.zendesk']).toBe(total + lines('zendesk/tickets.jsonl') + lines('zendesk/organizations.jsonl'));

    // The pages before the checkpoint were not requested again: at most one page is re-read.
    const stats = (await (await fetch(`${url}/__sandbox/stats`)).json()) as { calls: Record<string, Record<string, number>> };
    const userPages = Object.values(stats.calls['GET /api/v2/incremental/users/cursor'] ?? {}).reduce((a, b) => a + b, 0);
    expect(userPages).toBeLessThanOrEqual(Math.ceil(total / 40) + 2);
  }, 150_000);
});
