/**
 * Which Account changes the incremental score acts on:
 * - accounts deleted or merged away in Salesforce keep no desired values: the incremental score
 *   drops those of the accounts it was told changed, a full score those of every account gone;
 * - an Account changed only in the fields Tidemark writes (its own write-back, read back by the
 *   next pull) or its modstamp is not rescored; any other change is.
 */
import { describe, expect, it } from 'vitest';
import type { SyncContext } from '../../src/sync/context.ts';
import { resolveRun } from '../../src/sync/resolve.ts';
import { scoreRun } from '../../src/sync/score.ts';
import { ACME, BETA, GAMMA, account } from '../identity/fixtures.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';


const NOW = new Date('2026-11-20T12:00:00Z');
const orgs = useTestOrgs(() => NOW);
const orgOf = (): Promise<SyncContext> => orgs.org('gone');

async function sync(ctx: SyncContext, full = false): Promise<Record<string, number>> {
  const run = await ctx.runs.create({ sources: [], full, dryRun: false, trigger: 'test' }, NOW);
  await resolveRun(ctx, run.id);
  await scoreRun(ctx, run.id);
  return (await ctx.runs.get(run.id))?.counters ?? {};
}

describe('accounts changed in Salesforce', () => {
  it('are dropped when the account is deleted or merged, and only theirs', async () => {
    const ctx = await orgOf();
    await ctx.records.upsert('salesforce.account', [account(ACME, 'acme.com'), account(BETA, 'beta.com'), account(GAMMA, 'gamma.com')]);
    await sync(ctx);
    expect((await ctx.state.desiredAccountIds()).sort()).toEqual([ACME, BETA, GAMMA].sort());
    // BETA merged into ACME (Salesforce deletes the loser), GAMMA deleted.
    await ctx.records.upsert('salesforce.account', [account(BETA, 'beta.com', { isDeleted: true, masterRecordId: ACME }), account(GAMMA, 'gamma.com', { isDeleted: true })]);
    const counters = await sync(ctx);
    // The live accounts are counted without reading them all (score-inputs holds exactly the live ones).
    expect(counters).toMatchObject({ 'score.full': 0, 'score.dropped': 2, accountsScored: 1 });
    expect(await ctx.state.desiredAccountIds()).toEqual([ACME]);
    expect(await ctx.state.getDesired(ACME)).not.toBeNull();
  });

  it('are dropped by a full score even when the change that removed the account was consumed before', async () => {
    const ctx = await orgOf();
    await ctx.records.upsert('salesforce.account', [account(ACME, 'acme.com')]);
    await sync(ctx);
    // A stale entry, as left by a version that did not drop them, of an account no longer stored at all.
    await ctx.state.saveDesired([[BETA, { modelVersion: 'old', fields: { CS_Health_Score__c: 50 } }]]);
    expect((await sync(ctx))['score.dropped'] ?? 0).toBe(0);
    expect((await sync(ctx, true))['score.dropped']).toBe(1);
    expect(await ctx.state.desiredAccountIds()).toEqual([ACME]);
  });

  it("are not rescored for Tidemark's own fields read back, and are for anything scoring reads", async () => {
    const ctx = await orgOf();
    const acme = account(ACME, 'acme.com', { licensedSeats: 10 });
    await ctx.records.upsert('salesforce.account', [acme, account(BETA, 'beta.com')]);
    await sync(ctx);
    const written = { ...acme, modstamp: '2026-11-20T12:05:00Z', fields: { CS_Health_Score__c: 40, CS_Health_Band__c: 'Red' } };
    await ctx.records.upsert('salesforce.account', [written]);
    expect(await sync(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 0 });
    await ctx.records.upsert('salesforce.account', [{ ...written, licensedSeats: 20, modstamp: '2026-11-20T12:10:00Z' }]);
    expect(await sync(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
    await ctx.records.upsert('salesforce.account', [{ ...written, licensedSeats: 20, renewalDate: '2027-01-15', modstamp: '2026-11-20T12:20:00Z' }]);
    expect(await sync(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
  });
});
