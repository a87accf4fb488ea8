/**
 * Incremental write-back planning (src/store/writeback-candidates.ts, startWritebackPlanning in
 * src/sync/writeback.ts) on a real Redis: through random steps (Account records changed, deleted,
 * removed in bulk; desired values set and dropped; last written values; write failures; the
 * mapping, the describe cache and the manual-edit option changed; reverts; the clock moved by hours
 * and days; write-backs that are dry, paused, full, crash between plan and commit, retry with a
 * journal, and have changes land between their plan and their commit), the plan of the candidates
 * equals the plan of every account at every write-back, and most write-backs plan the candidates only.
 * Targeted: a change a run did not write is planned again the next day with that day's time stamp
 * (the only way the plan depends on the clock); a mark made between a plan and its commit outlives
 * the commit.
 */
import { describe, expect, it } from 'vitest';
import type { SalesforceAccount } from '../../src/contracts/records.ts';
import { createRng } from '../../src/sandbox/emulator-kit/rng.ts';
import { keys } from '../../src/store/keys.ts';
import type { DesiredValues } from '../../src/store/state-store.ts';
import { requestFullWriteback } from '../../src/store/writeback-candidates.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { DESCRIBE_CACHE_SETTING, WRITEBACK_PAUSED, planWriteback, startWritebackPlanning, writebackSpecs, type PlannedWriteback } from '../../src/sync/writeback.ts';
import { recordFailed } from '../../src/writeback/retry.ts';
import { MAPPING_SETTING } from '../../src/writeback/mapping.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';

let clock = new Date('2026-11-20T12:00:00Z');
const orgs = useTestOrgs(() => clock);
const { redis } = orgs;

const ID_COUNT = 24;
const acc = (i: number): string => `001${String(i).padStart(12, '0')}AAA`;
const ids = Array.from({ length: ID_COUNT }, (_, i) => acc(i));

function accountRecord(id: string, fields: Record<string, unknown>, isDeleted = false): SalesforceAccount {
  return { kind: 'salesforce.account', id, name: id, website: null, emailDomains: [], licensedSeats: null, renewalDate: null, ownerId: null, csmId: null, industry: null, employees: null, isDeleted, masterRecordId: null, modstamp: '2026-11-01T00:00:00Z', fields };
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const some = <T>(rng: Rng, items: readonly T[], max: number): T[] => Array.from({ length: 1 + Math.floor(rng() * max) }, () => pick(rng, items));

// Small domains, so that Salesforce, the desired values and the last written values often agree or collide.
const SCORES = [50, 60, 61.4, null, 1000];
const BANDS = ['Green', 'Yellow', 'Purple', null];
const DUES = ['2026-12-01', '2026-12-01T10:00:00Z', null];
const STAMPS = ['2026-11-19T00:00:00.000Z', null];

function salesforceFields(rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (rng() < 0.8) out.CS_Health_Score__c = pick(rng, SCORES);
  if (rng() < 0.5) out.Risk_Score__c = pick(rng, SCORES);
  if (rng() < 0.8) out.CS_Health_Band__c = pick(rng, BANDS);
  if (rng() < 0.5) out.CS_Next_Milestone_Due__c = pick(rng, DUES);
  if (rng() < 0.5) out.CS_Health_Updated__c = pick(rng, STAMPS);
  return out;
}

function desiredValues(rng: Rng): DesiredValues {
  const fields: DesiredValues['fields'] = {};
  if (rng() < 0.9) fields.CS_Health_Score__c = pick(rng, SCORES);
  if (rng() < 0.8) fields.CS_Health_Band__c = pick(rng, BANDS);
  if (rng() < 0.4) fields.CS_Next_Milestone_Due__c = pick(rng, DUES);
  if (rng() < 0.3) fields.CS_Health_Updated__c = pick(rng, STAMPS);
  return { modelVersion: pick(rng, ['m-1', 'm-2']), fields };
}

/** The describe of a score field typed with one decimal (the plan then types 61.4 differently). */
const DESCRIBED = JSON.stringify([{ name: 'CS_Health_Score__c', type: 'double', precision: 4, scale: 1 }, { name: 'Risk_Score__c', type: 'double', precision: 4, scale: 1 }]);

/** The plan as the run uses it, in plain values. */
const plain = (p: PlannedWriteback): unknown => ({ ...p, accounts: [...p.accounts], modelVersions: [...p.modelVersions] });

describe('incremental write-back planning', () => {
  it('plans exactly what a plan of every account plans, through random changes, crashes, dry runs and concurrent marks', async () => {
    const base = await orgs.org('wb-cand');
    const rng = createRng(20261123);
    let respect = false;
    const ctxNow = (): SyncContext => ({ ...base, options: { ...base.options, writebackRespectManualEdits: respect } });
    await base.records.upsert('salesforce.account', ids.map((id) => accountRecord(id, salesforceFields(rng))));
    await base.state.saveDesired(ids.filter(() => rng() < 0.8).map((id) => [id, desiredValues(rng)]));

    /** One random change of what planning reads (or of the global inputs). */
    const mutate = async (): Promise<string> => {
      const ctx = ctxNow();
      const r = rng();
      if (r < 0.25) {
        const changed = some(rng, ids, 3);
        await ctx.records.upsert('salesforce.account', changed.map((id) => accountRecord(id, salesforceFields(rng), rng() < 0.1)), rng() < 0.1 ? { deletedIds: [pick(rng, ids)] } : {});
        return `accounts ${changed.join(',')}`;
      }
      if (r < 0.45) {
        const changed = some(rng, ids, 3);
        await ctx.state.saveDesired(changed.map((id) => [id, desiredValues(rng)]));
        return `desired ${changed.join(',')}`;
      }
      if (r < 0.5) {
        const id = pick(rng, ids);
        await ctx.state.dropDesired([id]);
        return `drop desired ${id}`;
      }
      if (r < 0.6) {
        const changed = some(rng, ids, 2);
        await ctx.state.saveLastWritten(changed.map((id) => [id, { CS_Health_Score__c: pick(rng, SCORES), CS_Health_Band__c: pick(rng, BANDS) }]));
        return `last written ${changed.join(',')}`;
      }
      if (r < 0.66) {
        const id = pick(rng, ids);
        await ctx.state.saveWriteFailures([[id, rng() < 0.5 ? null : JSON.stringify(recordFailed(undefined, { statusCode: 'X', message: 'no' }, clock))]]);
        return `failure ${id}`;
      }
      if (r < 0.72) {
        await ctx.state.setSetting(MAPPING_SETTING, rng() < 0.5 ? '' : JSON.stringify({ CS_Health_Score__c: 'Risk_Score__c' }));
        return 'mapping';
      }
      if (r < 0.77) {
        await ctx.state.setSetting(DESCRIBE_CACHE_SETTING, rng() < 0.5 ? '' : DESCRIBED);
        return 'describe cache';
      }
      if (r < 0.81) {
        respect = !respect;
        return 'respect manual edits';
      }
      if (r < 0.83) {
        await ctx.records.removeAll('salesforce.account');
        await ctx.records.upsert('salesforce.account', ids.filter(() => rng() < 0.7).map((id) => accountRecord(id, salesforceFields(rng))));
        return 'accounts removed in bulk';
      }
      if (r < 0.86) {
        await requestFullWriteback(redis, keys(ctx.prefix));
        return 'revert';
      }
      clock = new Date(clock.getTime() + Math.floor(rng() * 4) * 86_400_000 + Math.floor(rng() * 24) * 3_600_000);
      return `clock ${clock.toISOString()}`;
    };

    let journal: string[] = [];
    let incremental = 0;
    let full = 0;
    const history: string[] = [];
    for (let step = 0; step < 500; step += 1) {
      if (rng() < 0.55) {
        history.push(await mutate());
        continue;
      }
      const ctx = ctxNow();
      const kind = pick(rng, ['normal', 'normal', 'normal', 'dry', 'paused', 'full', 'crash']);
      if (kind === 'paused') await ctx.state.setSetting(WRITEBACK_PAUSED, 'true');
      const include = journal;
      journal = [];
      const planning = await startWritebackPlanning(ctx, { runFull: kind === 'full', dryRun: kind === 'dry', include });
      const specs = await writebackSpecs(ctx);
      const planned = await planning.plan(specs);
      const everything = await planWriteback(ctx, specs, { include });
      history.push(`${kind} write-back (${planning.fullReason ?? `${planning.candidates} candidates`})`);
      expect(plain(planned), `step ${step}: ${history.slice(-8).join(' | ')}`).toEqual(plain(everything));
      if (planning.fullReason === null) incremental += 1;
      else full += 1;
      if (kind === 'paused') await ctx.state.setSetting(WRITEBACK_PAUSED, 'false');
      if (kind === 'dry' || kind === 'paused') continue;
      // What the run commits: the agreed values, then some writes succeed and some are refused.
      if (planned.agreed.length > 0) await ctx.state.saveLastWritten(planned.agreed);
      const sent = planned.changes.filter(() => rng() < 0.7);
      const succeeded = sent.filter(() => rng() < 0.8);
      const refused = sent.filter((c) => !succeeded.includes(c));
      const written = succeeded.flatMap((c) => {
        const account = planned.accounts.get(c.accountId);
        return account ? [{ ...account, fields: { ...account.fields, ...c.values } }] : [];
      });
      if (kind === 'crash' && rng() < 0.5) {
        // Killed after sending, before settling: the retry settles from its journal.
        journal = sent.map((c) => c.accountId);
        history.push(`crash before settling ${journal.join(',')}`);
        continue;
      }
      if (written.length > 0) await ctx.records.upsert('salesforce.account', written);
      if (written.length > 0) await ctx.state.saveLastWritten(succeeded.map((c) => [c.accountId, c.values]));
      if (refused.length > 0) await ctx.state.saveWriteFailures(refused.map((c) => [c.accountId, JSON.stringify(recordFailed(undefined, { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'no' }, clock))]));
      // A pull or a score that lands between the plan and the commit keeps its mark.
      if (rng() < 0.3) history.push(`during the write-back: ${await mutate()}`);
      if (kind === 'crash') {
        history.push('crash before the commit');
        continue;
      }
      await planning.commit(planned);
    }
    expect(incremental).toBeGreaterThan(40);
    expect(full).toBeGreaterThan(10);
  });

  it("plans a change it did not write again the next day, with that day's time stamp", async () => {
    clock = new Date('2026-11-20T12:00:00Z');
    const ctx = await orgs.org('wb-day');
    const [a, b] = [acc(1), acc(2)];
    await ctx.records.upsert('salesforce.account', [accountRecord(a, { CS_Health_Score__c: 50 }), accountRecord(b, { CS_Health_Score__c: 50 })]);
    await ctx.state.saveDesired([[a, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 60 } }], [b, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 50 } }]]);
    await ctx.state.saveLastWritten([[b, { CS_Health_Score__c: 50 }]]);
    const specs = await writebackSpecs(ctx);
    const first = await startWritebackPlanning(ctx, { runFull: false, dryRun: false, include: [] });
    const planned = await first.plan(specs);
    expect(planned.changes.map((c) => [c.accountId, c.values.CS_Health_Updated__c])).toEqual([[a, '2026-11-20T12:00:00.000Z']]);
    // Deferred by the budget (not written): committed as planned; b had nothing to do and is done.
    await first.commit(planned);
    expect(await redis.zrange(keys(ctx.prefix).writebackCandidates, 0, -1)).toEqual([a]);
    clock = new Date('2026-11-21T06:00:00Z');
    const next = await startWritebackPlanning(ctx, { runFull: false, dryRun: false, include: [] });
    const again = await next.plan(specs);
    expect(next.fullReason).toBeNull();
    expect(again.changes.map((c) => [c.accountId, c.values.CS_Health_Updated__c])).toEqual([[a, '2026-11-21T06:00:00.000Z']]);
    expect(plain(again)).toEqual(plain(await planWriteback(ctx, specs)));
  });

  it('keeps the mark of a change made between the plan and its commit', async () => {
    const ctx = await orgs.org('wb-concurrent');
    const [a, b] = [acc(1), acc(2)];
    await ctx.records.upsert('salesforce.account', [accountRecord(a, { CS_Health_Score__c: 50 }), accountRecord(b, { CS_Health_Score__c: 50 })]);
    await ctx.state.saveDesired([[a, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 50 } }], [b, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 50 } }]]);
    await ctx.state.saveLastWritten([[a, { CS_Health_Score__c: 50 }], [b, { CS_Health_Score__c: 50 }]]);
    const specs = await writebackSpecs(ctx);
    const full = await startWritebackPlanning(ctx, { runFull: false, dryRun: false, include: [] });
    await full.commit(await full.plan(specs));
    await ctx.state.saveDesired([[a, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 51 } }], [b, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 51 } }]]);
    await ctx.state.saveDesired([[a, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 50 } }], [b, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 50 } }]]);
    const planning = await startWritebackPlanning(ctx, { runFull: false, dryRun: false, include: [] });
    const planned = await planning.plan(specs);
    expect(planning.candidates).toBe(2);
    expect(planned.changes).toEqual([]);
    // A score lands before the commit: a's new value was not in the plan.
    await ctx.state.saveDesired([[a, { modelVersion: 'm-1', fields: { CS_Health_Score__c: 70 } }]]);
    await planning.commit(planned);
    expect(await redis.zrange(keys(ctx.prefix).writebackCandidates, 0, -1)).toEqual([a]);
    const next = await startWritebackPlanning(ctx, { runFull: false, dryRun: false, include: [] });
    expect((await next.plan(specs)).changes.map((c) => c.accountId)).toEqual([a]);
  });
});
