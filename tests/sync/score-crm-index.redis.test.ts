/**
 * The incremental score reads the CRM side of the accounts it rescored through the owner index
 * (`crm-members`, src/sync/score.ts) and rescored an account for a CRM change only when it
 * changed what scoring reads:
 * - through random moves, deletions, removals and edits of contacts, opportunities and line
 *   items, every incremental score ends in the desired values of a full score of the same records
 *   in a fresh org, and the index lists exactly the stored records under their owners (a stale
 *   index would give an account a contact or line item it no longer owns, or miss one);
 * - a contact changed only in what scoring does not read (name, email, modstamp) rescored no
 *   account; a change of its creation, deletion or account did; an opportunity changed rescored
 *   its account only when it is or was a live Closed Won one (the plan reads no other);
 * - a full score rebuilds the index: a stray member and a missing one are gone.
 */
import { describe, expect, it } from 'vitest';
import type { SalesforceContact, SalesforceOpportunity, SalesforceOpportunityLineItem } from '../../src/contracts/records.ts';
import { createRng } from '../../src/sandbox/emulator-kit/rng.ts';
import { keys } from '../../src/store/keys.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { scoreRun } from '../../src/sync/score.ts';
import { account, contact } from '../identity/fixtures.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const REVIEW = 'CS_Success_Plan_Review__c';
const orgs = useTestOrgs(() => NOW);
const { redis } = orgs;
const CRM = ['salesforce.account', 'salesforce.contact', 'salesforce.opportunity', 'salesforce.opportunity_line_item'] as const;

const acc = (i: number): string => `001${String(i).padStart(12, '0')}AAA`;
const opportunity = (id: string, accountId: string | null, extra: Partial<SalesforceOpportunity> = {}): SalesforceOpportunity => ({
  kind: 'salesforce.opportunity', id, accountId, name: `Opp ${id}`, stageName: 'Closed Won', isClosed: true, isWon: true, closeDate: '2026-10-01',
  amount: 1000, type: null, description: null, nextStep: null, partners: null, businessChallenges: null, isDeleted: false, modstamp: '2026-10-01T00:00:00Z', ...extra,
});
const lineItem = (id: string, opportunityId: string, totalPrice: number): SalesforceOpportunityLineItem => ({
  kind: 'salesforce.opportunity_line_item', id, opportunityId, product2Id: null, name: `Product ${id}`, productName: null, quantity: 1, totalPrice,
});

async function score(ctx: SyncContext, full = false): Promise<Record<string, number>> {
  const run = await ctx.runs.create({ sources: [], full, dryRun: false, trigger: 'test' }, NOW);
  await scoreRun(ctx, run.id);
  return (await ctx.runs.get(run.id))?.counters ?? {};
}

/** Desired values of the live accounts (the once-per-plan review flag aside). */
async function desired(ctx: SyncContext): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const a of await ctx.records.all('salesforce.account')) {
    if (a.isDeleted) continue;
    const fields: Record<string, unknown> = { ...((await ctx.state.getDesired(a.id))?.fields ?? {}) };
    delete fields[REVIEW];
    out[a.id] = fields;
  }
  return out;
}

/** The index lists exactly the stored records under the owner each names. */
async function expectIndexMatches(ctx: SyncContext): Promise<void> {
  const k = keys(ctx.prefix);
  const expected = new Map<string, string[]>();
  const add = (key: string, id: string): void => void expected.set(key, [...(expected.get(key) ?? []), id].sort());
  for (const c of await ctx.records.all('salesforce.contact')) if (c.accountId) add(k.crmMembers(c.accountId, 'salesforce.contact'), c.id);
  for (const o of await ctx.records.all('salesforce.opportunity')) if (o.accountId) add(k.crmMembers(o.accountId, 'salesforce.opportunity'), o.id);
  for (const li of await ctx.records.all('salesforce.opportunity_line_item')) add(k.crmMembers(li.opportunityId, 'salesforce.opportunity_line_item'), li.id);
  const stored = (await redis.keys(`${ctx.prefix}:crm-members:*`)).sort();
  expect(stored).toEqual([...expected.keys()].sort());
  for (const [key, ids] of expected) expect((await redis.smembers(key)).sort(), key).toEqual(ids);
}

async function fromScratch(ctx: SyncContext): Promise<Record<string, unknown>> {
  const fresh = await orgs.org('crm-scratch', { enableSources: true });
  for (const kind of CRM) {
    const all = await ctx.records.all(kind);
    if (all.length > 0) await fresh.records.upsert(kind, all as never[]);
  }
  await score(fresh, true);
  return desired(fresh);
}

describe('the owner index of the incremental score', () => {
  it('serves every rescored account the CRM records it owns now, through random moves, deletions and edits', async () => {
    const ctx = await orgs.org('crm-index', { enableSources: true });
    const rand = createRng(20261123);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const accounts = [1, 2, 3, 4, 5].map(acc);
    await ctx.records.upsert('salesforce.account', accounts.map((id) => account(id, null, { licensedSeats: 10, renewalDate: '2027-03-01' })));
    await ctx.records.upsert('salesforce.contact', Array.from({ length: 12 }, (_, i) => contact(`003c${i}`, pick(accounts), null, { createdAt: '2026-10-01T00:00:00Z' })));
    await ctx.records.upsert('salesforce.opportunity', Array.from({ length: 6 }, (_, i) => opportunity(`006o${i}`, pick(accounts), { closeDate: `2026-0${i + 1}-15` })));
    await ctx.records.upsert('salesforce.opportunity_line_item', Array.from({ length: 10 }, (_, i) => lineItem(`00ki${i}`, `006o${i % 6}`, 100 * (i + 1))));
    await score(ctx, true);
    await expectIndexMatches(ctx);

    const some = async <K extends 'salesforce.contact' | 'salesforce.opportunity' | 'salesforce.opportunity_line_item'>(kind: K) => pick(await ctx.records.all(kind));
    const stamp = (step: number): string => `2026-11-${String(10 + (step % 10)).padStart(2, '0')}T00:00:00Z`;
    const steps: Array<(step: number) => Promise<unknown>> = [
      async (s) => ctx.records.upsert('salesforce.contact', [{ ...(await some('salesforce.contact')), accountId: pick([...accounts, null]), modstamp: stamp(s) } as SalesforceContact]),
      async (s) => ctx.records.upsert('salesforce.contact', [{ ...(await some('salesforce.contact')), isDeleted: true, modstamp: stamp(s) } as SalesforceContact]),
      async () => ctx.records.upsert('salesforce.contact', [], { deletedIds: [(await some('salesforce.contact')).id] }),
      async (s) => ctx.records.upsert('salesforce.contact', [contact(`003n${s}`, pick(accounts), null, { createdAt: stamp(s) })]),
      async (s) => ctx.records.upsert('salesforce.opportunity', [{ ...(await some('salesforce.opportunity')), accountId: pick(accounts), modstamp: stamp(s) } as SalesforceOpportunity]),
      async (s) => ctx.records.upsert('salesforce.opportunity', [{ ...(await some('salesforce.opportunity')), nextStep: `step ${s}`, closeDate: '2026-11-01' } as SalesforceOpportunity]),
      async (s) => ctx.records.upsert('salesforce.opportunity', [opportunity(`006n${s}`, pick(accounts), { closeDate: '2026-11-05' })]),
      async (s) => {
        const o = await some('salesforce.opportunity');
        return ctx.records.upsert('salesforce.opportunity', [{ ...o, isWon: !o.isWon, stageName: o.isWon ? 'Negotiation' : 'Closed Won', nextStep: `won ${s}` }]);
      },
      async () => ctx.records.upsert('salesforce.opportunity', [], { deletedIds: [(await some('salesforce.opportunity')).id] }),
      async () => ctx.records.upsert('salesforce.opportunity_line_item', [{ ...(await some('salesforce.opportunity_line_item')), opportunityId: (await some('salesforce.opportunity')).id }]),
      async (s) => ctx.records.upsert('salesforce.opportunity_line_item', [lineItem(`00kn${s}`, (await some('salesforce.opportunity')).id, 7 * s)]),
      async () => ctx.records.upsert('salesforce.opportunity_line_item', [], { deletedIds: [(await some('salesforce.opportunity_line_item')).id] }),
    ];
    for (let step = 1; step <= 30; step += 1) {
      for (let n = 1 + Math.floor(rand() * 3); n > 0; n -= 1) await pick(steps)(step);
      expect((await score(ctx))['score.full']).toBe(0);
      if (step % 6 === 0) {
        await expectIndexMatches(ctx);
        expect(await desired(ctx), `step ${step}`).toEqual(await fromScratch(ctx));
      }
    }
  });

  it('rescored no account for a contact changed only in what scoring does not read, and its account for anything it reads', async () => {
    const ctx = await orgs.org('crm-inputs', { enableSources: true });
    const [a, b] = [acc(1), acc(2)];
    const c = contact('003c1', a, 'c1@a.com', { createdAt: '2026-10-01T00:00:00Z' });
    await ctx.records.upsert('salesforce.account', [account(a, null), account(b, null)]);
    await ctx.records.upsert('salesforce.contact', [c]);
    await score(ctx, true);
    await ctx.records.upsert('salesforce.contact', [{ ...c, firstName: 'Dara', email: 'dara@a.com', modstamp: '2026-11-19T00:00:00Z' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 0 });
    await ctx.records.upsert('salesforce.contact', [{ ...c, createdAt: '2026-11-01T00:00:00Z' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
    await ctx.records.upsert('salesforce.contact', [{ ...c, createdAt: '2026-11-01T00:00:00Z', isDeleted: true, modstamp: '2026-11-19T00:00:00Z' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
    // A deleted contact's modstamp is its removal day: a change of it counts.
    await ctx.records.upsert('salesforce.contact', [{ ...c, createdAt: '2026-11-01T00:00:00Z', isDeleted: true, modstamp: '2026-11-20T00:00:00Z' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
    await ctx.records.upsert('salesforce.contact', [{ ...c, accountId: b }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 2 });
    expect(await desired(ctx)).toEqual(await fromScratch(ctx));
  });

  it('rescored an account for a changed opportunity only when it is or was its live Closed Won one', async () => {
    const ctx = await orgs.org('crm-opps', { enableSources: true });
    const a = acc(1);
    const open = opportunity('006open', a, { isWon: false, isClosed: false, stageName: 'Negotiation' });
    const won = opportunity('006won', a);
    await ctx.records.upsert('salesforce.account', [account(a, null)]);
    await ctx.records.upsert('salesforce.opportunity', [open, won]);
    await score(ctx, true);
    await ctx.records.upsert('salesforce.opportunity', [{ ...open, nextStep: 'call back', amount: 5, modstamp: '2026-11-19T00:00:00Z' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 0 });
    await ctx.records.upsert('salesforce.opportunity', [{ ...won, modstamp: '2026-11-19T00:00:00Z' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 0 });
    await ctx.records.upsert('salesforce.opportunity', [{ ...won, nextStep: 'kick-off' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
    await ctx.records.upsert('salesforce.opportunity', [{ ...open, nextStep: 'call back', amount: 5, isWon: true, isClosed: true, closeDate: '2026-11-10' }]);
    expect(await score(ctx)).toMatchObject({ 'score.full': 0, 'score.rescored': 1 });
    expect(await desired(ctx)).toEqual(await fromScratch(ctx));
  });

  it('is rebuilt by a full score: stray and missing members are made good', async () => {
    const ctx = await orgs.org('crm-rebuild', { enableSources: true });
    const [a, b] = [acc(1), acc(2)];
    await ctx.records.upsert('salesforce.account', [account(a, null), account(b, null)]);
    await ctx.records.upsert('salesforce.contact', [contact('003c1', a, null), contact('003c2', b, null)]);
    await ctx.records.upsert('salesforce.opportunity', [opportunity('006o1', a)]);
    await ctx.records.upsert('salesforce.opportunity_line_item', [lineItem('00ki1', '006o1', 5)]);
    await score(ctx, true);
    await expectIndexMatches(ctx);
    const k = keys(ctx.prefix);
    await redis.sadd(k.crmMembers(a, 'salesforce.contact'), '003c2');
    await redis.srem(k.crmMembers('006o1', 'salesforce.opportunity_line_item'), '00ki1');
    // A state written before the index (format 1) is rebuilt: the next score is full.
    await ctx.state.setSetting('score:format', '1');
    await redis.incr(k.recordsVersion);
    expect((await score(ctx))['score.full']).toBe(1);
    await expectIndexMatches(ctx);
  });
});
