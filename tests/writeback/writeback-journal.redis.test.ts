/**
 * The write-back journal: an attempt that dies after a Collections batch was answered but before
 * the answer was journaled (here: the clock throws there, as a SIGKILL would stop it) is followed
 * by another attempt of the same run, which sends only what no earlier attempt journaled, audits
 * every field change once and counts every account, field and API call once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesforceConnector, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import type { SalesforceAccount } from '../../src/contracts/records.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { writebackRun } from '../../src/sync/writeback.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';
import { sfId, startSalesforce, type RunningSalesforce } from '../connectors/salesforce/helpers.ts';

const N = 120;
const BATCH = 20;
const ids = Array.from({ length: N }, (_, i) => sfId('001', i + 1));
const redis = testRedis();
const prefix = uniquePrefix('wbj');
let sf: RunningSalesforce;
let ctx: SyncContext;

const account = (id: string): SalesforceAccount => ({
  kind: 'salesforce.account', id, name: id, website: null, emailDomains: [], licensedSeats: null, renewalDate: null, ownerId: null, csmId: null,
  industry: null, employees: null, isDeleted: false, masterRecordId: null, modstamp: '2026-11-01T00:00:00Z', fields: { CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' },
});

const patches = async (): Promise<number> => Object.values((await sf.stats())['PATCH /services/data/vXX.X/composite/sobjects'] ?? {}).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  sf = await startSalesforce({ Account: ids.map((Id) => ({ Id, Name: Id, CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' })) });
  ctx = createSyncContext({
    redis, prefix, log: silentLogger(), now: () => new Date('2026-11-20T12:00:00Z'),
    sources: { salesforce: { connector: salesforceConnector as never, config: salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox' }) } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: BATCH },
  });
  await ctx.records.upsert('salesforce.account', ids.map(account));
  await ctx.state.saveDesired(ids.map((id, i) => [id, { modelVersion: 'test-1', fields: { CS_Health_Score__c: 60 + (i % 30), CS_Health_Band__c: 'Green' } }]));
});

afterAll(async () => {
  await sf.close();
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

describe('write-back journal', () => {
  it('a second attempt sends only the unjournaled batches and counts everything once', async () => {
    const runId = (await ctx.runs.create({ sources: ['salesforce'], full: false, dryRun: false, trigger: 'test' }, new Date())).id;
    const before = await patches();
    // clock() is read twice before sending, once after /limits, then once per answered batch:
    // the 6th read is the third batch's answer, which is then lost with the attempt.
    let reads = 0;
    const dying = (): Date => {
      reads += 1;
      if (reads === 6) throw new Error('killed');
      return new Date('2026-11-20T12:00:00Z');
    };
    await expect(writebackRun(ctx, runId, { dryRun: false, clock: dying })).rejects.toThrow('killed');
    expect(await patches()).toBe(before + 3);
    const journal = await ctx.runs.writeJournal(runId);
    expect(journal.entries.size).toBe(2 * BATCH);
    expect(journal.apiCalls).toBeGreaterThan(2);
    expect((await ctx.state.writes(ids[0] as string)).length).toBe(0);

    const summary = await writebackRun(ctx, runId, { dryRun: false });
    const batches = N / BATCH;
    // Batches 1 and 2 are not sent again; batch 3 (answered, not journaled) is, idempotently.
    expect(await patches()).toBe(before + batches + 1);
    expect(summary.accountsWritten).toBe(N);
    const run = await ctx.runs.get(runId);
    expect(run?.counters.accountsWritten).toBe(N);
    // Both attempts' calls: describe + limits each and every PATCH, except the one whose answer
    // died with the first attempt (its calls are journaled with its answers).
    expect(run?.counters['apiCalls.writeback']).toBe(2 + 2 + 2 + (batches - 2));
    // Every field change audited once, and counted once.
    let audited = 0;
    for (const id of ids) {
      const fields = (await ctx.state.writes(id)).filter((w) => w.runId === runId && w.outcome === 'written').map((w) => w.field);
      expect(fields, id).toContain('CS_Health_Score__c');
      expect(new Set(fields).size, id).toBe(fields.length);
      audited += fields.length;
    }
    expect(run?.counters.fieldsWritten).toBe(audited);
    // A third attempt (the job run again after it had finished) sends, audits and counts nothing more.
    await writebackRun(ctx, runId, { dryRun: false });
    expect(await patches()).toBe(before + batches + 1);
    expect((await ctx.runs.get(runId))?.counters.fieldsWritten).toBe(audited);
    let again = 0;
    for (const id of ids) again += (await ctx.state.writes(id)).filter((w) => w.runId === runId).length;
    expect(again).toBe(audited);
  });
});
