/**
 * Write-back controls against the Salesforce emulator and a real Redis: zero calls after a restart
 * (fresh Tidemark state, Accounts pulled again from Salesforce), the field mapping and the org's
 * describe types, manual edits respected, REQUEST_LIMIT_EXCEEDED reported and resumed, a revert
 * that leaves later writes alone and keeps to the budget, and the dry run's call estimate.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import { BudgetError } from '../../src/contracts/errors.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { pullSource } from '../../src/sync/pull.ts';
import { LIMIT_EXCEEDED_SETTING, writebackRun } from '../../src/sync/writeback.ts';
import { revertRun } from '../../src/sync/writeback-revert.ts';
import { MAPPING_SETTING } from '../../src/writeback/mapping.ts';
import { formatSummary, summarizeRun } from '../../src/sync/run.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';
import { sfId, startSalesforce, type RunningSalesforce } from '../connectors/salesforce/helpers.ts';

const N = 12;
const ids = Array.from({ length: N }, (_, i) => sfId('001', i + 1));
const redis = testRedis();
let sf: RunningSalesforce;
const prefixes: string[] = [];
const PATCH = 'PATCH /services/data/vXX.X/composite/sobjects';
const opts = { dryRun: false, sleep: async () => undefined };

function context(options: Partial<SyncContext['options']> = {}): SyncContext {
  const prefix = uniquePrefix('wbc');
  prefixes.push(prefix);
  return createSyncContext({
    redis,
    prefix,
    log: silentLogger(),
    now: () => new Date('2026-11-20T12:00:00Z'),
    sources: { salesforce: { connector: salesforceConnector as never, config: salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox', accountWriteFields: ['CS_Health_Score__c', 'CS_Health_Band__c', 'CS_Health_Updated__c', 'CS_Success_Plan_Review__c', 'CS_Open_Tickets__c', 'Risk_Score__c'] }) } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: 200, ...options },
  });
}

const run = async (ctx: SyncContext, dryRun = false): Promise<string> => (await ctx.runs.create({ sources: ['salesforce'], full: false, dryRun, trigger: 'test' }, new Date())).id;
const total = async (): Promise<number> => Object.values(await sf.stats()).reduce((n, byStatus) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
const patches = async (): Promise<number> => Object.values((await sf.stats())[PATCH] ?? {}).reduce((a, b) => a + b, 0);
const desired = (i: number) => ({ CS_Health_Score__c: 60 + i, CS_Health_Band__c: 'Yellow', CS_Open_Tickets__c: i, CS_Success_Plan_Review__c: true });

async function pulled(ctx: SyncContext): Promise<void> {
  await pullSource(ctx, await run(ctx), 'salesforce', { full: true });
}
async function read(field: string, id: string): Promise<unknown> {
  const conn = await sf.connect();
  return (await conn.query<Record<string, unknown>>(`SELECT ${field} FROM Account WHERE Id = '${id}'`)).records[0]?.[field];
}

beforeAll(async () => {
  sf = await startSalesforce({ Account: ids.map((Id) => ({ Id, Name: Id, CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow', CS_Open_Tickets__c: 0, CS_Success_Plan_Review__c: false, Risk_Score__c: 1.25 })) });
});
afterEach(async () => {
  await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 1_000_000, remaining: 1_000_000 } });
  await sf.control('DELETE', '/__sandbox/faults');
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await sf.close();
  redis.disconnect();
});

describe('write-back controls', () => {
  it('after a restart (fresh state, Accounts pulled again) an unchanged org costs zero write-back calls', async () => {
    const first = context();
    await pulled(first);
    await first.state.saveDesired(ids.map((id, i) => [id, { modelVersion: 'm1', fields: desired(i) }]));
    expect(await writebackRun(first, await run(first), opts)).toMatchObject({ accountsWritten: N });

    const restarted = context();
    await pulled(restarted);
    await restarted.state.saveDesired(ids.map((id, i) => [id, { modelVersion: 'm1', fields: desired(i) }]));
    const before = await total();
    const runId = await run(restarted);
    expect(await writebackRun(restarted, runId, opts)).toMatchObject({ planned: 0, apiCalls: 0, manualEdits: 0 });
    expect(await total()).toBe(before);
    expect(summarizeRun((await restarted.runs.get(runId))!)).toMatchObject({ writebackApiCalls: 0 });
  });

  it('writes a mapped value to its mapped field, typed as the org describes it, and never the default field', async () => {
    const ctx = context();
    await pulled(ctx);
    await ctx.state.setSetting(MAPPING_SETTING, JSON.stringify({ CS_Health_Score__c: 'Risk_Score__c' }));
    await ctx.state.saveDesired([[ids[0] as string, { modelVersion: 'm1', fields: { CS_Health_Score__c: 42.345 } }]]);
    const scoreBefore = await read('CS_Health_Score__c', ids[0] as string);
    expect(await writebackRun(ctx, await run(ctx), opts)).toMatchObject({ accountsWritten: 1 });
    // Risk_Score__c is Number(18,2) in this org: two decimals kept, not the shipped Number(3,0).
    expect(await read('Risk_Score__c', ids[0] as string)).toBe(42.35);
    expect(await read('CS_Health_Score__c', ids[0] as string)).toBe(scoreBefore);
    expect((await ctx.state.writes(ids[0] as string)).map((w) => [w.field, w.new])).toContainEqual(['Risk_Score__c', 42.35]);
  });

  it('logs a manual edit of an owned field and, when configured, leaves it as edited', async () => {
    const ctx = context({ writebackRespectManualEdits: true });
    await pulled(ctx);
    const id = ids[5] as string;
    await ctx.state.saveDesired([[id, { modelVersion: 'm1', fields: { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 } }]]);
    await writebackRun(ctx, await run(ctx), opts);
    // The CSM clears the review flag in Salesforce; the next pull sees it.
    await (await sf.connect()).sobject('Account').update({ Id: id, CS_Success_Plan_Review__c: false });
    await pulled(ctx);
    const before = await patches();
    const runId = await run(ctx);
    expect(await writebackRun(ctx, runId, opts)).toMatchObject({ planned: 0, manualEdits: 1, apiCalls: 0 });
    expect(await patches()).toBe(before);
    expect((await ctx.logs.query({ runId, status: 'warning' }))[0]?.message).toBe('manual edit in Salesforce: CS_Success_Plan_Review__c is false, Tidemark last wrote true; left as edited (TIDEMARK_WRITEBACK_RESPECT_MANUAL_EDITS)');
    // Without the setting the edit is logged and overwritten.
    const strict = { ...ctx, options: { ...ctx.options, writebackRespectManualEdits: false } };
    expect(await writebackRun(strict, await run(ctx), opts)).toMatchObject({ accountsWritten: 1, manualEdits: 1 });
    expect(await read('CS_Success_Plan_Review__c', id)).toBe(true);
  });

  it('REQUEST_LIMIT_EXCEEDED stops write-back, is logged and thrown, and the next run writes what was left', async () => {
    const ctx = context();
    await pulled(ctx);
    await ctx.state.saveDesired(ids.map((id, i) => [id, { modelVersion: 'm1', fields: { CS_Open_Tickets__c: 100 + i } }]));
    const injected = await sf.control('POST', '/__sandbox/faults', { route: PATCH, type: 'rate-limit', status: 403, count: 1 });
    expect(injected.ok).toBe(true);
    const runId = await run(ctx);
    const err = await writebackRun(ctx, runId, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetError);
    expect(String(err)).toMatch(/REQUEST_LIMIT_EXCEEDED/);
    expect((await ctx.logs.query({ runId, status: 'failed' }))[0]?.message).toMatch(/REQUEST_LIMIT_EXCEEDED: .*write-back is paused until budget returns/);
    expect((await ctx.runs.get(runId))?.counters.limitExceeded).toBe(1);
    expect(await ctx.state.getSetting(LIMIT_EXCEEDED_SETTING)).toContain(runId);
    expect(await ctx.state.writes(ids[0] as string)).toEqual([]);
    expect(await writebackRun(ctx, await run(ctx), opts)).toMatchObject({ accountsWritten: N, failures: 0 });
    expect(await ctx.state.getSetting(LIMIT_EXCEEDED_SETTING)).toBe('');
  });

  it('a dry run shows old -> new per account and field and the calls the real run would make, and calls nothing', async () => {
    const ctx = context();
    await pulled(ctx);
    await ctx.state.saveDesired(ids.map((id) => [id, { modelVersion: 'm1', fields: { CS_Open_Tickets__c: 7 } }]));
    const before = await total();
    const runId = await run(ctx, true);
    await writebackRun(ctx, runId, { dryRun: true });
    expect(await total()).toBe(before);
    const view = await ctx.runs.get(runId);
    expect(view?.counters).toMatchObject({ plannedWrites: N, plannedFields: N, plannedApiCalls: 3, plannedBulkJobs: 0 });
    const summary = summarizeRun(view as NonNullable<typeof view>);
    expect(summary.planned).toEqual({ accounts: N, fields: N, apiCalls: 3, bulkJobs: 0 });
    expect(formatSummary(summary)).toContain(`would write: ${N} fields on ${N} accounts, about 3 API calls`);
    const logs = await ctx.logs.query({ runId, status: 'skipped', limit: 100 });
    expect(logs).toHaveLength(N);
    expect(logs.every((l) => /^dry run: would write CS_Open_Tickets__c \d+ -> 7$/.test(l.message))).toBe(true);
  });

  it('revert restores what a run replaced, leaves fields a later run wrote again, and keeps to the budget', async () => {
    const ctx = context();
    await pulled(ctx);
    await ctx.state.saveDesired(ids.map((id) => [id, { modelVersion: 'm1', fields: { CS_Open_Tickets__c: 11, CS_Health_Band__c: 'Green' } }]));
    const r1 = await run(ctx);
    await writebackRun(ctx, r1, opts);
    await ctx.state.saveDesired(ids.map((id) => [id, { modelVersion: 'm2', fields: { CS_Open_Tickets__c: 12, CS_Health_Band__c: 'Green' } }]));
    await writebackRun(ctx, await run(ctx), opts);
    const bandBefore = (await ctx.state.writes(ids[2] as string)).find((w) => w.runId === r1 && w.field === 'CS_Health_Band__c')?.old;
    const result = await revertRun(ctx, r1);
    expect(result).toMatchObject({ accounts: N, failed: 0, skippedFields: N, deferred: 0 });
    expect(await read('CS_Health_Band__c', ids[2] as string)).toBe(bandBefore);
    expect(await read('CS_Open_Tickets__c', ids[2] as string)).toBe(12);

    // With no budget left the revert sends nothing and says so.
    const again = context();
    await pulled(again);
    await again.state.saveDesired([[ids[3] as string, { modelVersion: 'm3', fields: { CS_Open_Tickets__c: 13 } }]]);
    const r3 = await run(again);
    await writebackRun(again, r3, opts);
    await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 10, remaining: 8 } });
    const before = await patches();
    expect(await revertRun(again, r3)).toMatchObject({ accounts: 0, deferred: 1 });
    expect(await patches()).toBe(before);
  });
});
