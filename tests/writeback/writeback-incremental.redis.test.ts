/**
 * The write-back stage plans its candidates only (src/store/writeback-candidates.ts), against the
 * Salesforce emulator and a real Redis: a run after a change plans the changed accounts and writes
 * what a full plan writes; a changed mapping, a changed model, `sync --full`, a revert and a paused
 * write-back make the next plan full; a run that dies between its plan and its commit, a dry run
 * and a paused run consume no candidate.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import type { SalesforceAccount } from '../../src/contracts/records.ts';
import { defaultHealthModel } from '../../src/health/model.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { keys } from '../../src/store/keys.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { WRITEBACK_PAUSED, planWriteback, writebackRun, writebackSpecs } from '../../src/sync/writeback.ts';
import { revertRun } from '../../src/sync/writeback-revert.ts';
import { MAPPING_SETTING } from '../../src/writeback/mapping.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';
import { sfId, startSalesforce, type RunningSalesforce } from '../connectors/salesforce/helpers.ts';

const N = 20;
const ids = Array.from({ length: N }, (_, i) => sfId('001', i + 1));
const redis = testRedis();
let sf: RunningSalesforce;
const prefixes: string[] = [];
const PATCH = 'PATCH /services/data/vXX.X/composite/sobjects';

function account(id: string, fields: Record<string, unknown>): SalesforceAccount {
  return { kind: 'salesforce.account', id, name: id, website: null, emailDomains: [], licensedSeats: null, renewalDate: null, ownerId: null, csmId: null, industry: null, employees: null, isDeleted: false, masterRecordId: null, modstamp: '2026-11-01T00:00:00Z', fields };
}

async function org(options: Partial<SyncContext['options']> = {}): Promise<SyncContext> {
  const prefix = uniquePrefix('wbi');
  prefixes.push(prefix);
  const ctx = createSyncContext({
    redis,
    prefix,
    log: silentLogger(),
    now: () => new Date('2026-11-20T12:00:00Z'),
    sources: { salesforce: { connector: salesforceConnector as never, config: salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox', accountWriteFields: ['CS_Health_Score__c', 'CS_Health_Band__c', 'Risk_Score__c'] }) } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: 200, ...options },
  });
  // What Salesforce holds (the emulator's accounts as a pull would have stored them), and the same
  // desired values but one (so that the first write-back writes, and caches the org's describe).
  await ctx.records.upsert('salesforce.account', ids.map((id) => account(id, { CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow', Risk_Score__c: 50 })));
  await ctx.state.saveDesired(ids.map((id, i) => [id, { modelVersion: defaultHealthModel().version, fields: { CS_Health_Score__c: i === N - 1 ? 51 : 50, CS_Health_Band__c: 'Yellow' } }]));
  return ctx;
}

let score = 60;
/** New desired scores for some accounts (a score stage's result). */
async function rescore(ctx: SyncContext, changed: readonly string[]): Promise<void> {
  score += 1;
  await ctx.state.saveDesired(changed.map((id) => [id, { modelVersion: defaultHealthModel().version, fields: { CS_Health_Score__c: score, CS_Health_Band__c: 'Yellow' } }]));
}

interface Outcome {
  runId: string;
  fullPlan: number | undefined;
  candidates: number | undefined;
  written: number;
}
async function writeback(ctx: SyncContext, request: { full?: boolean; dryRun?: boolean; signal?: AbortSignal } = {}): Promise<Outcome> {
  const runId = (await ctx.runs.create({ sources: ['salesforce'], full: request.full ?? false, dryRun: request.dryRun ?? false, trigger: 'test' }, new Date())).id;
  const summary = await writebackRun(ctx, runId, { dryRun: request.dryRun ?? false, sleep: async () => undefined, signal: request.signal });
  const counters = (await ctx.runs.get(runId))?.counters ?? {};
  return { runId, fullPlan: counters['writeback.fullPlan'], candidates: counters['writeback.candidates'], written: summary.accountsWritten };
}
const candidates = async (ctx: SyncContext): Promise<string[]> => (await redis.zrange(keys(ctx.prefix).writebackCandidates, 0, -1)).sort();
const patches = async (): Promise<number> => Object.values((await sf.stats())[PATCH] ?? {}).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  sf = await startSalesforce({ Account: ids.map((Id) => ({ Id, Name: Id, CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow', Risk_Score__c: 50 })) });
});
afterEach(async () => {
  await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 1_000_000, remaining: 1_000_000 } });
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await sf.close();
  redis.disconnect();
});

describe('incremental write-back', () => {
  it('plans only the accounts marked since the last write-back and writes what a full plan writes', async () => {
    const ctx = await org();
    // The first plan is full; Salesforce already holds the other desired values, which are adopted as
    // last written (marking every account), so the second plan has 20 candidates with nothing to do.
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 1, written: 1 });
    expect(await candidates(ctx)).toEqual(ids);
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 0, candidates: N, written: 0 });
    expect(await candidates(ctx)).toEqual([]);
    await rescore(ctx, [ids[2] as string, ids[7] as string]);
    // Rescored with the values they have: not marked.
    await ctx.state.saveDesired([[ids[9] as string, { modelVersion: defaultHealthModel().version, fields: { CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' } }]]);
    expect(await candidates(ctx)).toEqual([ids[2], ids[7]]);
    const specs = await writebackSpecs(ctx);
    const full = await planWriteback(ctx, specs);
    expect(full.changes.map((c) => c.accountId)).toEqual([ids[2], ids[7]]);
    const before = await patches();
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 0, candidates: 2, written: 2 });
    expect((await patches()) - before).toBe(1);
    // The writes marked their accounts again (record and last written values): the next run finds nothing to do for them.
    expect(await candidates(ctx)).toEqual([ids[2], ids[7]]);
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 0, candidates: 2, written: 0 });
    expect(await candidates(ctx)).toEqual([]);
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 0, candidates: 0, written: 0 });
  });

  it('plans every account after a mapping change, a model change, sync --full, a revert and a paused write-back', async () => {
    const ctx = await org();
    await writeback(ctx);
    expect((await writeback(ctx)).fullPlan).toBe(0);
    expect((await writeback(ctx)).candidates).toBe(0);

    // The mapping sends the score to another field: every account's plan changes without a mark.
    await ctx.state.setSetting(MAPPING_SETTING, JSON.stringify({ CS_Health_Score__c: 'Risk_Score__c' }));
    await rescore(ctx, [ids[0] as string]);
    // Written to Risk_Score__c: the rescored account, and the one whose 51 the default field holds already.
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 1, written: 2 });
    expect((await writeback(ctx)).fullPlan).toBe(0);
    await ctx.state.setSetting(MAPPING_SETTING, '');
    expect((await writeback(ctx)).fullPlan).toBe(1);

    const otherModel = { ...ctx, options: { ...ctx.options, healthModel: { ...defaultHealthModel(), version: 'another-model' } } };
    expect((await writeback(otherModel)).fullPlan).toBe(1);
    expect((await writeback(otherModel)).fullPlan).toBe(0);
    expect((await writeback(ctx)).fullPlan).toBe(1);

    expect((await writeback(ctx, { full: true })).fullPlan).toBe(1);
    expect((await writeback(ctx)).fullPlan).toBe(0);

    await rescore(ctx, [ids[4] as string]);
    const wrote = await writeback(ctx);
    expect(wrote.written).toBe(1);
    await writeback(ctx);
    await revertRun(ctx, wrote.runId);
    expect((await writeback(ctx)).fullPlan).toBe(1);
    expect((await writeback(ctx)).fullPlan).toBe(0);

    await ctx.state.setSetting(WRITEBACK_PAUSED, 'true');
    await rescore(ctx, [ids[5] as string]);
    const marked = await candidates(ctx);
    expect(marked).toContain(ids[5]);
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 1, written: 0 });
    expect(await candidates(ctx)).toEqual(marked);
    await ctx.state.setSetting(WRITEBACK_PAUSED, 'false');
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 1, written: 1 });
    expect((await writeback(ctx)).fullPlan).toBe(0);
  });

  it('a run that dies between its plan and its commit, and a dry run, consume no candidate', async () => {
    const ctx = await org();
    await writeback(ctx);
    await writeback(ctx);
    await rescore(ctx, ids.slice(0, 3));
    const marked = await candidates(ctx);
    expect(marked).toEqual(ids.slice(0, 3));

    const dry = await writeback(ctx, { dryRun: true });
    expect(dry).toMatchObject({ fullPlan: 0, candidates: 3, written: 0 });
    expect(await candidates(ctx)).toEqual(marked);

    // This worker lost the job's lock before its first batch: the stage stops after planning.
    const lost = new AbortController();
    lost.abort('its lock was lost');
    await expect(writeback(ctx, { signal: lost.signal })).rejects.toThrow(/another worker continues it/);
    expect(await candidates(ctx)).toEqual(marked);

    const before = await patches();
    expect(await writeback(ctx)).toMatchObject({ fullPlan: 0, candidates: 3, written: 3 });
    expect((await patches()) - before).toBe(1);
  });
});
