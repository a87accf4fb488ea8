/**
 * Fault injection, long variant: a generated 300-account dataset synced in the sandbox while every
 * emulator fails in bursts and at seeded random rates on every route: 429 storms with Retry-After,
 * 5xx bursts, connections reset mid-body, truncated and malformed bodies, and (Salesforce, whose
 * OAuth sessions expire) expired sessions. TIDEMARK_FAULT_SEED picks another seed. The run completes through the job error policy with
 * exactly the dataset's records per kind (no duplicates) and the written Account fields equal to
 * the generator's ground truth. The short variant is tests/e2e/faults-sync.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { requestRun, waitForRun } from '../../src/sync/run.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { expectDatasetCounts, expectTruthFields, injectFaults, useSandbox } from '../helpers/sandbox-truth.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const SEED = Number(process.env.TIDEMARK_FAULT_SEED ?? 20261123);

const SF = (path: string, method = 'GET'): string => `${method} /services/data/vXX.X/${path}`;
const seeded = (rate: number): Array<Record<string, unknown>> => [
  { type: 'status', status: 500, rate },
  { type: 'reset', rate },
  { type: 'truncate', rate },
  { type: 'malformed', rate },
];

/**
 * Every fault type on every emulator: bursts (the next N requests of a route) so that each type
 * surely fires, on different routes so that two of them never land on the same request, plus
 * seeded random rates on every route ("*"). A 429 costs no attempt (the queue waits for
 * Retry-After; a storm of them is free); the others cost one of the job's 6 attempts each, and a
 * pull resumes from its last checkpoint, so the bursts stay within that budget. Salesforce
 * answers its API limits on data routes with REQUEST_LIMIT_EXCEEDED (the org's daily budget: the
 * Salesforce queue then waits 15 minutes by design), so its 429 storm is on the OAuth token route;
 * its expired sessions are refreshed by jsforce through the same OAuth flow.
 */
const FAULTS = {
  salesforce: [
    { route: 'POST /services/oauth2/token', type: 'rate-limit', rate: 0.3, retryAfterSeconds: 1 },
    { type: 'status', status: 503, count: 2 },
    { route: SF('queryAll'), type: 'session-expired', count: 2 },
    { route: SF('sobjects/{type}/describe'), type: 'reset', count: 1 },
    { route: SF('limits'), type: 'malformed', count: 1 },
    { route: SF('composite/sobjects', 'PATCH'), type: 'truncate', count: 1 },
    ...seeded(0.005),
  ],
  zendesk: [
    { route: 'GET /api/v2/incremental/tickets/cursor', type: 'rate-limit', count: 4, retryAfterSeconds: 1 },
    { route: 'GET /api/v2/incremental/organizations', type: 'status', status: 503, count: 1 },
    { route: 'GET /api/v2/incremental/users/cursor', type: 'reset', count: 1 },
    { type: 'rate-limit', rate: 0.1, retryAfterSeconds: 1 },
    ...seeded(0.01),
  ],
  mixpanel: [
    { route: 'GET /api/2.0/export', type: 'truncate', count: 1 },
    { route: 'POST /api/query/engage', type: 'malformed', count: 1 },
    { type: 'rate-limit', rate: 0.15, retryAfterSeconds: 1 },
    { route: 'GET /api/2.0/export', type: 'reset', rate: 0.03 },
    ...seeded(0.005),
  ],
};

/**
 * How often each fault type fired on an emulator: the emulator lists its rate faults with their
 * count and drops a burst once it is used up (so a burst missing from the list fired in full).
 */
async function firedByType(url: string, injected: ReadonlyArray<Record<string, unknown>>): Promise<Record<string, number>> {
  const { faults: list } = (await (await fetch(`${url}/__sandbox/faults`)).json()) as { faults: Array<Record<string, unknown> & { type: string; fired: number; remaining: number | null }> };
  const out: Record<string, number> = {};
  const listed = [...list];
  for (const spec of injected) {
    const at = listed.findIndex((f) => f.type === spec.type && f.route === (spec.route ?? '*') && f.rate === spec.rate && f.count === spec.count && f.status === spec.status);
    const entry = at >= 0 ? listed.splice(at, 1)[0] : undefined;
    const type = String(spec.type);
    out[type] = (out[type] ?? 0) + (entry ? entry.fired : Number(spec.count ?? 0));
  }
  return out;
}

/** Changes connector settings of the running sandbox (its workers read them at each job). */
function tune(source: 'salesforce' | 'zendesk' | 'mixpanel', patch: Record<string, unknown>): void {
  const configured = handle.sandbox().services.ctx.sources[source];
  if (!configured) throw new Error(`the sandbox has no ${source} source`);
  configured.config = { ...(configured.config as Record<string, unknown>), ...patch };
}

const handle = useSandbox('faults-long', {
  env: { TIDEMARK_NOW: NOW, SANDBOX_SEED: String(SEED) },
  startTimeoutMs: 300_000,
  async prepare(dataDir) {
    const datasetDir = join(dataDir, 'dataset');
    await generateDataset({ accounts: 300, seed: SEED % 100_000, out: datasetDir, now: new Date(NOW), days: 35 });
    return datasetDir;
  },
});
const { redis, prefix } = handle;

describe('long sync under random faults on every route', () => {
  it('completes with exactly the dataset records and the ground-truth field values', async () => {
    const sandbox = handle.sandbox();
    const { salesforce, zendesk, mixpanel } = sandbox.urls;
    // Mixpanel exports of 3 days (more requests for the seeded rates); a Salesforce request cut by
    // a reset fails after 5 s instead of the connection's default 120 s.
    tune('salesforce', { timeoutMs: 5_000 });
    tune('mixpanel', { maxDaysPerRequest: 3, idleTimeoutMs: 5_000 });
    await injectFaults(salesforce, { faults: FAULTS.salesforce });
    await injectFaults(zendesk, { faults: FAULTS.zendesk });
    await injectFaults(mixpanel, { faults: FAULTS.mixpanel });

    const connection = bullConnection(sandbox.redisUrl);
    const started = Date.now();
    const run = await requestRun(sandbox.services.ctx, connection, { sources: ['salesforce', 'zendesk', 'mixpanel', 'surveys'], full: true, dryRun: false, trigger: 'test' });
    const done = await waitForRun(sandbox.services.ctx, run.id, 540_000);
    // Every kind of fault really fired, on every emulator (a 429 storm on Zendesk and Mixpanel,
    // and on the Salesforce token route).
    const fired = await Promise.all([firedByType(salesforce, FAULTS.salesforce), firedByType(zendesk, FAULTS.zendesk), firedByType(mixpanel, FAULTS.mixpanel)]);
    console.log(`faults-long seed ${SEED}: run ${((Date.now() - started) / 1000).toFixed(1)} s; faults fired (salesforce, zendesk, mixpanel): ${fired.map((f) => JSON.stringify(f)).join(', ')}`);
    if (done.status !== 'succeeded') {
      const why = [...(await sandbox.services.ctx.logs.query({ runId: run.id, status: 'error', limit: 20 })), ...(await sandbox.services.ctx.logs.query({ runId: run.id, status: 'failed', limit: 20 }))];
      const jobs = await Promise.all(['pull-salesforce', 'pull-zendesk', 'pull-mixpanel', 'resolve', 'score', 'writeback'].map(async (q) => `${q}: ${(await redis.hget(`${prefix}:q:${q}:${run.id}-${q}`, 'failedReason')) ?? '-'}`));
      console.log(`run ${done.status}: ${done.error}\n${jobs.join('\n')}\n${why.map((l) => l.message).join('\n')}`);
    }
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    for (const [i, f] of fired.entries()) {
      expect(f['rate-limit'] ?? 0, `429s on emulator ${i}`).toBeGreaterThan(0);
      expect((f.status ?? 0) + (f.reset ?? 0) + (f.truncate ?? 0) + (f.malformed ?? 0), `failures on emulator ${i}`).toBeGreaterThan(0);
    }
    for (const type of ['status', 'reset', 'truncate', 'malformed']) expect(fired.reduce((n, f) => n + (f[type] ?? 0), 0), type).toBeGreaterThan(0);
    expect(fired[0]?.['session-expired'] ?? 0).toBeGreaterThan(0);

    await expectDatasetCounts(sandbox.services.ctx, sandbox.datasetDir);
    // Stop the faults, then read the written values back like any Salesforce client.
    await fetch(`${salesforce}/__sandbox/faults`, { method: 'DELETE' });
    const accounts = await expectTruthFields(salesforce, sandbox.datasetDir, ['CS_Active_Users_30d__c', 'CS_License_Utilization__c', 'CS_Open_Tickets__c', 'CS_Urgent_Tickets_90d__c', 'CS_NPS__c']);
    expect(accounts).toBe(300);
  }, 600_000);
});
