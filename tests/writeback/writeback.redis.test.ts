/**
 * The write-back stage against the Salesforce emulator and a real Redis: zero calls when nothing
 * changed, ceil(changed/200) collection calls, one Bulk API job above the threshold, the
 * missing-field pre-flight error, record failures logged and retried, the budget cap, dry runs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import type { SalesforceAccount } from '../../src/contracts/records.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { writebackRun } from '../../src/sync/writeback.ts';
import { BULK_JOB_CALLS } from '../../src/writeback/budget.ts';
import { revertRun } from '../../src/sync/writeback-revert.ts';
import { createAlertTasks } from '../../src/alerts/deliver-alerts.ts';
import { createServer } from 'node:http';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';
import { sfId, startSalesforce, type RunningSalesforce } from '../connectors/salesforce/helpers.ts';

const N = 450;
const ids = Array.from({ length: N }, (_, i) => sfId('001', i + 1));
const redis = testRedis();
let sf: RunningSalesforce;
let prefix = '';
let ctx: SyncContext;

function account(id: string, fields: Record<string, unknown>): SalesforceAccount {
  return { kind: 'salesforce.account', id, name: id, website: null, emailDomains: [], licensedSeats: null, renewalDate: null, ownerId: null, csmId: null, industry: null, employees: null, isDeleted: false, masterRecordId: null, modstamp: '2026-11-01T00:00:00Z', fields };
}

async function setUp(changed: number, options: Partial<SyncContext['options']> = {}): Promise<void> {
  prefix = uniquePrefix('wb');
  ctx = createSyncContext({
    redis,
    prefix,
    log: silentLogger(),
    now: () => new Date('2026-11-20T12:00:00Z'),
    sources: { salesforce: { connector: salesforceConnector as never, config: salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox' }) } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: 200, ...options },
  });
  await ctx.records.upsert('salesforce.account', ids.map((id) => account(id, { CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' })));
  await ctx.state.saveDesired(ids.map((id, i) => [id, { modelVersion: 'test-1', fields: i < changed ? { CS_Health_Score__c: 50 + (i % 30) + 1, CS_Health_Band__c: i % 50 === 0 ? 'Red' : 'Yellow' } : { CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' } }]));
}

async function calls(): Promise<Record<string, number>> {
  const stats = await sf.stats();
  return Object.fromEntries(Object.entries(stats).map(([route, byStatus]) => [route, Object.values(byStatus).reduce((a, b) => a + b, 0)]));
}
const delta = (after: Record<string, number>, before: Record<string, number>, route: string): number => (after[route] ?? 0) - (before[route] ?? 0);
const PATCH = 'PATCH /services/data/vXX.X/composite/sobjects';
const run = async (): Promise<string> => (await ctx.runs.create({ sources: ['salesforce'], full: false, dryRun: false, trigger: 'test' }, new Date())).id;

beforeAll(async () => {
  sf = await startSalesforce({ Account: ids.map((Id) => ({ Id, Name: Id, CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' })) });
});
afterEach(async () => {
  await dropPrefix(redis, prefix);
  await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 1_000_000, remaining: 1_000_000 } });
});
afterAll(async () => {
  await sf.close();
  redis.disconnect();
});

describe('write-back', () => {
  it('makes no Salesforce call at all when nothing changed', async () => {
    await setUp(0);
    const before = await calls();
    const summary = await writebackRun(ctx, await run(), { dryRun: false });
    expect(summary).toMatchObject({ planned: 0, apiCalls: 0, fieldsWritten: 0 });
    expect(Object.values(await calls()).reduce((a, b) => a + b, 0)).toBe(Object.values(before).reduce((a, b) => a + b, 0));
  });

  it('writes 401 changed accounts in exactly ceil(401/200) = 3 collection calls, and audits them', async () => {
    await setUp(401);
    const before = await calls();
    const runId = await run();
    const summary = await writebackRun(ctx, runId, { dryRun: false });
    expect(summary.accountsWritten).toBe(401);
    expect(delta(await calls(), before, PATCH)).toBe(3);
    const row = (await sf.connect()).query<{ CS_Health_Score__c: number; CS_Health_Updated__c: string | null }>(`SELECT CS_Health_Score__c, CS_Health_Updated__c FROM Account WHERE Id = '${ids[1]}'`);
    const r = (await row).records[0];
    expect(r?.CS_Health_Score__c).toBe(52);
    expect(r?.CS_Health_Updated__c).toBeTruthy();
    const audit = await ctx.state.writes(ids[1] as string);
    expect(audit.map((a) => [a.field, a.old, a.new, a.runId, a.modelVersion])).toContainEqual(['CS_Health_Score__c', 50, 52, runId, 'test-1']);
    const again = await writebackRun(ctx, await run(), { dryRun: false });
    expect(again.planned).toBe(0);
  });

  it('uses one Bulk API 2.0 job above the threshold and joins its results per record', async () => {
    await setUp(300, { writebackBulkThreshold: 250 });
    const before = await calls();
    const summary = await writebackRun(ctx, await run(), { dryRun: false });
    const after = await calls();
    expect(summary.accountsWritten).toBe(300);
    expect(delta(after, before, 'POST /services/data/vXX.X/jobs/ingest')).toBe(1);
    expect(delta(after, before, PATCH)).toBe(0);
    // The job's own requests are BULK_JOB_CALLS (the emulator finishes it before the first status
    // check): create, upload, close, one check, successful and failed results; no unprocessed records.
    const jobRoutes = Object.keys(after).filter((route) => route.includes('/jobs/ingest'));
    expect(jobRoutes.reduce((n, route) => n + delta(after, before, route), 0)).toBe(BULK_JOB_CALLS);
    expect(delta(after, before, 'GET /services/data/vXX.X/jobs/ingest/{jobId}/unprocessedrecords')).toBe(0);
  });

  it('in a Bulk job, a record that does not change a checkbox another record changes keeps it (false, never null)', async () => {
    await setUp(0, { writebackBulkThreshold: 250 });
    await ctx.state.saveDesired(ids.slice(0, 300).map((id, i): [string, { modelVersion: string; fields: Record<string, number | boolean> }] => [id, { modelVersion: 'test-1', fields: i % 2 === 0 ? { CS_Health_Score__c: 61, CS_Onboarding_Overdue__c: true } : { CS_Health_Score__c: 62 } }]));
    const summary = await writebackRun(ctx, await run(), { dryRun: false });
    expect(summary).toMatchObject({ accountsWritten: 300, failures: 0 });
    const conn = await sf.connect();
    const row = (await conn.query<{ CS_Onboarding_Overdue__c: boolean | null; CS_Health_Score__c: number }>(`SELECT CS_Onboarding_Overdue__c, CS_Health_Score__c FROM Account WHERE Id = '${ids[1]}'`)).records[0];
    expect(row).toMatchObject({ CS_Health_Score__c: 62 });
    expect(row?.CS_Onboarding_Overdue__c ?? false).toBe(false);
  });

  it('refuses to write anything when a mapped field is missing, naming it', async () => {
    await setUp(10);
    await sf.control('POST', '/__sandbox/describe', { missingFields: ['Account.CS_Health_Score__c'] });
    try {
      const before = await calls();
      const err = await writebackRun(ctx, await run(), { dryRun: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(String(err)).toMatch(/CS_Health_Score__c does not exist on Account: deploy the shipped metadata/);
      expect(delta(await calls(), before, PATCH)).toBe(0);
    } finally {
      await sf.control('POST', '/__sandbox/describe', { missingFields: [] });
    }
  });

  it('retries a locked record within the run, logs a validation failure and retries it on later runs with backoff', async () => {
    await setUp(5);
    await sf.control('POST', '/__sandbox/record-faults', { id: ids[0], statusCode: 'UNABLE_TO_LOCK_ROW', count: 1 });
    await sf.control('POST', '/__sandbox/record-faults', { id: ids[1], statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Score must be reviewed', count: 2 });
    const t0 = Date.parse('2026-11-20T13:00:00Z');
    let clock = t0;
    const waits: number[] = [];
    const opts = { dryRun: false, clock: () => new Date(clock), sleep: async (ms: number) => void waits.push(ms) };
    const before = await calls();
    const first = await writebackRun(ctx, await run(), opts);
    expect(first).toMatchObject({ accountsWritten: 4, failures: 1 });
    // One collection call for the five, one for the locked record's retry within the run.
    expect(delta(await calls(), before, PATCH)).toBe(2);
    expect(waits).toEqual([500]);
    const failed = await ctx.logs.query({ status: 'failed' });
    expect(failed[0]?.message).toMatch(/FIELD_CUSTOM_VALIDATION_EXCEPTION: Score must be reviewed \(retried after 2026-11-20T13:10:00.000Z\)/);
    expect((await ctx.state.writes(ids[1] as string))[0]).toMatchObject({ outcome: 'failed', error: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Score must be reviewed' });

    // A minute later the record is still in its backoff: no call is spent on it.
    clock = t0 + 60_000;
    const mid = await calls();
    const waitingRun = await run();
    expect(await writebackRun(ctx, waitingRun, opts)).toMatchObject({ planned: 1, waitingRetry: 1, accountsWritten: 0, apiCalls: 0 });
    expect(delta(await calls(), mid, PATCH)).toBe(0);
    expect((await ctx.logs.query({ runId: waitingRun, status: 'skipped' }))[0]?.message).toMatch(/retry after 2026-11-20T13:10:00.000Z: attempt 1 was refused/);

    // After 10 minutes it is tried again and refused again: the wait doubles.
    clock = t0 + 11 * 60_000;
    expect(await writebackRun(ctx, await run(), opts)).toMatchObject({ planned: 1, accountsWritten: 0, failures: 1 });
    clock = t0 + 25 * 60_000;
    expect(await writebackRun(ctx, await run(), opts)).toMatchObject({ waitingRetry: 1, accountsWritten: 0 });
    clock = t0 + 32 * 60_000;
    expect(await writebackRun(ctx, await run(), opts)).toMatchObject({ planned: 1, accountsWritten: 1, failures: 0 });
    expect(await ctx.state.allWriteFailures()).toEqual(new Map());
    expect(await writebackRun(ctx, await run(), opts)).toMatchObject({ planned: 0, apiCalls: 0 });
  });

  it('stays within its share of the daily API budget: band changes first, the rest deferred', async () => {
    await setUp(450, { apiBudgetShare: 0.2 });
    // 20% of 20 = 4 calls: describe and /limits leave 2 collection calls (400 accounts).
    await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 20, remaining: 20 } });
    const runId = await run();
    const before = await calls();
    const summary = await writebackRun(ctx, runId, { dryRun: false });
    expect(delta(await calls(), before, PATCH)).toBe(2);
    expect(summary.accountsWritten).toBe(400);
    const deferred = await ctx.logs.query({ status: 'skipped', runId, limit: 100 });
    expect(deferred).toHaveLength(50);
    expect(deferred[0]?.message).toMatch(/deferred to the next run: the API budget/);
    const bandChanges = ids.filter((_, i) => i % 50 === 0);
    expect(deferred.some((d) => bandChanges.includes(d.accountId ?? ''))).toBe(false);
    expect((await ctx.runs.get(runId))?.counters['budget.max']).toBe(20);
  });

  it('reverts a run: the values it replaced are written back and audited', async () => {
    await setUp(5);
    const runId = await run();
    await writebackRun(ctx, runId, { dryRun: false });
    const conn = await sf.connect();
    const read = async (): Promise<number | undefined> => (await conn.query<{ CS_Health_Score__c: number }>(`SELECT CS_Health_Score__c FROM Account WHERE Id = '${ids[3]}'`)).records[0]?.CS_Health_Score__c;
    expect(await read()).toBe(54);
    const result = await revertRun(ctx, runId);
    expect(result).toMatchObject({ accounts: 5, failed: 0 });
    expect(await read()).toBe(50);
    expect((await ctx.state.writes(ids[3] as string)).find((w) => w.outcome === 'reverted')).toMatchObject({ runId: `revert:${runId}`, field: 'CS_Health_Score__c', new: 50 });
    await expect(revertRun(ctx, 'run-404')).rejects.toThrow(/wrote nothing that can be reverted/);
  });

  it('creates one Task for the CSM when an account crosses into Red, posts the webhook, and never duplicates an open Task', async () => {
    const received: string[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end('ok');
      });
    });
    const { url } = await listen(hook as never, 0);
    try {
      await setUp(0, { alertWebhookUrl: url });
      const target = ids[449] as string;
      await ctx.state.saveDesired([[target, { modelVersion: 'test-1', fields: { CS_Health_Score__c: 30, CS_Health_Band__c: 'Red', CS_Health_Drivers__c: 'Score 30 Red: active users 9 -> 2' } }]]);
      const runId = await run();
      await writebackRun(ctx, runId, { dryRun: false });
      await writebackRun(ctx, await run(), { dryRun: false });
      const conn = await sf.connect();
      const tasks = await conn.query<{ Subject: string; Description: string }>(`SELECT Id, Subject, Description FROM Task WHERE WhatId = '${target}'`);
      expect(tasks.records.map((t) => t.Subject).sort()).toEqual(['Tidemark: health is Red', 'Tidemark: health score dropped']);
      expect((await ctx.runs.get(runId))?.counters.alertTasks).toBe(2);
      expect(tasks.records[0]?.Description).toContain('active users 9 -> 2');
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0] ?? '{}')).toMatchObject({ text: expect.stringContaining(target) });
      const again = await createAlertTasks(conn, [{ accountId: target, reason: 'red', subject: 'Tidemark: health is Red', description: 'x' }], () => null, '2026-11-20');
      expect(again).toMatchObject({ created: 0, alreadyOpen: 1 });
    } finally {
      await closeServer(hook as never);
    }
  });

  it('a dry run writes nothing and logs what it would write', async () => {
    await setUp(3);
    const before = await calls();
    const runId = (await ctx.runs.create({ sources: ['salesforce'], full: false, dryRun: true, trigger: 'test' }, new Date())).id;
    await writebackRun(ctx, runId, { dryRun: true });
    expect(Object.values(await calls()).reduce((a, b) => a + b, 0)).toBe(Object.values(before).reduce((a, b) => a + b, 0));
    const logs = await ctx.logs.query({ runId, status: 'skipped' });
    expect(logs).toHaveLength(3);
    expect(logs[0]?.message).toMatch(/dry run: would write CS_Health_Score__c 50 -> \d+/);
  });
});
