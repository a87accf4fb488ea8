/**
 * Incremental resolve and score (issue 5) against the real Redis, one key prefix per org:
 * - property: random sequences of CRM, manual-rule and event changes, each followed by an
 *   incremental resolve + score, end in the same matches and desired values as a from-scratch
 *   full resolve + score of the same records in a fresh prefix (and a full run over the
 *   incremental state changes nothing);
 * - late CRM data fixes an earlier unmatched record and its signals move to the right account;
 * - re-pulling the same window changes nothing;
 * - a 1% change re-resolves exactly the changed records and rescored only their accounts.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalRecord, RecordKind, SalesforceAccount, SalesforceOpportunity } from '../../src/contracts/records.ts';
import type { ManualRule } from '../../src/identity/index.ts';
import { lookupKeysOf } from '../../src/identity/lookup-keys.ts';
import { createRng } from '../../src/sandbox/emulator-kit/rng.ts';
import { keys } from '../../src/store/keys.ts';
import { loadManualRules, saveManualRule } from '../../src/store/manual-rule-store.ts';
import { buildBundles } from '../../src/sync/account-bundles.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { dropResolved, RESOLVED_KINDS, resolveRun } from '../../src/sync/resolve.ts';
import { scoreRun } from '../../src/sync/score.ts';
import { account, activity, contact, org, profile, rule, survey, ticket, user } from '../identity/fixtures.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';


const NOW = new Date('2026-11-20T12:00:00Z');
const REVIEW = 'CS_Success_Plan_Review__c';
const orgs = useTestOrgs(() => NOW);
const { redis } = orgs;

const org_ = (label: string, now: () => Date = () => NOW): Promise<SyncContext> => orgs.org(label, { now, enableSources: true });

async function sync(ctx: SyncContext, full = false): Promise<Record<string, number>> {
  const run = await ctx.runs.create({ sources: [], full, dryRun: false, trigger: 'test' }, NOW);
  await resolveRun(ctx, run.id);
  await scoreRun(ctx, run.id);
  return (await ctx.runs.get(run.id))?.counters ?? {};
}

async function put(ctx: SyncContext, records: CanonicalRecord[], deletedIds: Array<[RecordKind, string]> = []): Promise<void> {
  const byKind = new Map<RecordKind, CanonicalRecord[]>();
  for (const r of records) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  for (const [kind, list] of byKind) await ctx.records.upsert(kind, list as never[]);
  for (const [kind, id] of deletedIds) await ctx.records.upsert(kind, [], { deletedIds: [id] });
}

interface State {
  matches: Record<string, Record<string, string>>;
  desired: Record<string, Record<string, unknown>>;
}

/** Matches of every kind, and desired values of the live accounts (the once-per-plan review flag aside). */
async function state(ctx: SyncContext): Promise<State> {
  const k = keys(ctx.prefix);
  const matches: State['matches'] = {};
  for (const kind of RESOLVED_KINDS) matches[kind] = await redis.hgetall(k.matches(kind));
  const desired: State['desired'] = {};
  for (const a of await ctx.records.all('salesforce.account')) {
    if (a.isDeleted) continue;
    const d = await ctx.state.getDesired(a.id);
    const fields: Record<string, unknown> = { ...(d?.fields ?? {}) };
    delete fields[REVIEW];
    desired[a.id] = fields;
  }
  return { matches, desired };
}

/** Membership sets hold exactly the matched records, and every resolved record is listed under each of its lookup keys. */
async function expectIndexesMatch(ctx: SyncContext): Promise<void> {
  const k = keys(ctx.prefix);
  for (const kind of ['mixpanel.activity', 'zendesk.ticket', 'surveys.response'] as const) {
    const expected = new Map<string, string[]>();
    for (const [id, text] of Object.entries(await redis.hgetall(k.matches(kind)))) {
      const a = (JSON.parse(text) as { a: string | null }).a;
      if (a) expected.set(a, [...(expected.get(a) ?? []), id].sort());
    }
    for (const a of (await ctx.records.all('salesforce.account')).map((x) => x.id)) {
      expect((await redis.smembers(k.members(a, kind))).sort(), `${kind} members of ${a}`).toEqual(expected.get(a) ?? []);
    }
  }
  for (const kind of RESOLVED_KINDS) {
    for (const record of await ctx.records.all(kind)) {
      for (const key of lookupKeysOf(record)) expect(await redis.sismember(k.refs(key), `${kind}:${record.id}`), `${kind}:${record.id} under ${key}`).toBe(1);
    }
  }
}

/** A fresh org holding the same records and rules, resolved and scored from scratch. */
async function fromScratch(ctx: SyncContext): Promise<State> {
  const fresh = await org_('scratch');
  for (const kind of ['salesforce.account', 'salesforce.contact', 'salesforce.opportunity', ...RESOLVED_KINDS] as const) {
    const all = await ctx.records.all(kind);
    if (all.length > 0) await fresh.records.upsert(kind, all as never[]);
  }
  for (const r of await loadManualRules(redis, ctx.prefix)) await saveManualRule(redis, fresh.prefix, r);
  await sync(fresh, true);
  return state(fresh);
}

const acc = (i: number): string => `001${String(i).padStart(12, '0')}AAA`;
const DOMAINS = ['alpha.com', 'beta.io', 'gamma.co.uk', 'delta.de', 'eps.com', 'gmail.com'];
const opportunity = (id: string, accountId: string | null): SalesforceOpportunity => ({
  kind: 'salesforce.opportunity', id, accountId, name: `Opp ${id}`, stageName: 'Prospecting', isClosed: false, isWon: false, closeDate: '2026-12-15',
  amount: 1000, type: 'Renewal', description: null, nextStep: null, partners: null, businessChallenges: null, isDeleted: false, modstamp: '2026-11-01T00:00:00Z',
});

/** `n` accounts at company<i>.com, each with `people` profiles active on November 1..`days`. */
function companies(n: number, people: number, days: number): CanonicalRecord[] {
  const records: CanonicalRecord[] = [];
  for (let i = 1; i <= n; i += 1) {
    records.push(account(acc(i), `company${i}.com`));
    for (let p = 0; p < people; p += 1) {
      records.push(profile(`c${i}p${p}`, `p${p}@company${i}.com`));
      for (let d = 1; d <= days; d += 1) records.push(activity(`c${i}p${p}`, null, `2026-11-${String(d).padStart(2, '0')}`));
    }
  }
  return records;
}

describe('incremental resolve and score', () => {
  it('equals a full recomputation after random sequences of changes', { timeout: 120_000 }, async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = createRng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
      const ctx = await org_(`prop${seed}`);
      const accounts = new Map<string, SalesforceAccount>();
      let nextAccount = 1;
      let ruleNo = 0;
      const email = (): string => `p${Math.floor(rand() * 6)}@${pick(DOMAINS)}`;
      const someAccount = (): string => (accounts.size > 0 && rand() < 0.9 ? pick([...accounts.keys()]) : acc(900 + Math.floor(rand() * 3)));
      const changes: Array<{ name: string; weight: number; apply: () => Promise<void> }> = [
        { name: 'new account', weight: 3, apply: async () => {
          const a = account(acc(nextAccount++), rand() < 0.8 ? `https://www.${pick(DOMAINS)}` : null, { emailDomains: rand() < 0.2 ? [pick(DOMAINS)] : [] });
          accounts.set(a.id, a);
          await put(ctx, [a]);
        } },
        { name: 'changed website', weight: 2, apply: async () => {
          if (accounts.size === 0) return;
          const a = { ...(accounts.get(pick([...accounts.keys()])) as SalesforceAccount), website: rand() < 0.8 ? pick(DOMAINS) : null };
          accounts.set(a.id, a);
          await put(ctx, [a]);
        } },
        { name: 'new or moved contact', weight: 3, apply: async () => put(ctx, [contact(`003${Math.floor(rand() * 12)}`, someAccount(), email(), { createdAt: '2026-11-10T00:00:00Z' })]) },
        { name: 'merged account', weight: 1, apply: async () => {
          const live = [...accounts.values()].filter((a) => !a.isDeleted);
          if (live.length < 2) return;
          const a = pick(live);
          const master = pick(live.filter((b) => b.id !== a.id));
          const merged = { ...a, isDeleted: true, masterRecordId: master.id };
          accounts.set(a.id, merged);
          await put(ctx, [merged]);
        } },
        { name: 'deleted account', weight: 1, apply: async () => {
          const live = [...accounts.values()].filter((a) => !a.isDeleted);
          if (live.length === 0) return;
          const gone = { ...pick(live), isDeleted: true, masterRecordId: null };
          accounts.set(gone.id, gone);
          await put(ctx, [gone]);
        } },
        { name: 'new manual rule', weight: 2, apply: async () => {
          ruleNo += 1;
          const at = `2026-11-${String(1 + (ruleNo % 28)).padStart(2, '0')}T09:00:00Z`;
          const choices: ManualRule[] = [
            rule({ type: 'pin-domain', id: `r${ruleNo}`, createdAt: at, domain: pick(DOMAINS.slice(0, 5)), accountId: someAccount() }),
            rule({ type: 'exclude-domain', id: `r${ruleNo}`, createdAt: at, domain: pick(DOMAINS.slice(0, 5)) }),
            rule({ type: 'exclude-account', id: `r${ruleNo}`, createdAt: at, accountId: someAccount() }),
            rule({ type: 'pin-record', id: `r${ruleNo}`, createdAt: at, recordKind: 'mixpanel.profile', recordId: `d${Math.floor(rand() * 8)}`, accountId: someAccount() }),
            rule({ type: 'pin-organization', id: `r${ruleNo}`, createdAt: at, organizationId: `o${Math.floor(rand() * 4)}`, accountId: someAccount() }),
          ];
          await saveManualRule(redis, ctx.prefix, pick(choices));
        } },
        { name: 'new or changed profile', weight: 2, apply: async () => put(ctx, [profile(`d${Math.floor(rand() * 8)}`, rand() < 0.9 ? email() : null, rand() < 0.2 ? someAccount() : null)]) },
        { name: 'new or changed activity', weight: 4, apply: async () => {
          const a = activity(`d${Math.floor(rand() * 8)}`, rand() < 0.15 ? someAccount() : null, `2026-11-${String(1 + Math.floor(rand() * 19)).padStart(2, '0')}`);
          await put(ctx, [{ ...a, eventCount: 1 + Math.floor(rand() * 5) }]);
        } },
        { name: 'new or changed organization', weight: 1, apply: async () => put(ctx, [org(`o${Math.floor(rand() * 4)}`, [pick(DOMAINS)], rand() < 0.3 ? someAccount() : null)]) },
        { name: 'new or changed user', weight: 2, apply: async () => put(ctx, [user(`u${Math.floor(rand() * 8)}`, email(), rand() < 0.5 ? `o${Math.floor(rand() * 4)}` : null)]) },
        { name: 'new or changed ticket', weight: 2, apply: async () => {
          const t = ticket(`t${Math.floor(rand() * 10)}`, rand() < 0.4 ? `o${Math.floor(rand() * 4)}` : null, rand() < 0.8 ? `u${Math.floor(rand() * 8)}` : null);
          await put(ctx, [{ ...t, createdAt: '2026-11-10T00:00:00Z', priority: pick(['high', 'low', null]) }]);
        } },
        { name: 'new or changed survey', weight: 1, apply: async () => put(ctx, [{ ...survey(`s${Math.floor(rand() * 6)}`, email(), rand() < 0.2 ? someAccount() : null), score: Math.floor(rand() * 11) }]) },
        { name: 'new or moved opportunity', weight: 1, apply: async () => put(ctx, [opportunity(`006${Math.floor(rand() * 5)}`, someAccount())]) },
        { name: 'removed activity', weight: 1, apply: async () => put(ctx, [], [['mixpanel.activity', activity(`d${Math.floor(rand() * 8)}`, null, `2026-11-${String(1 + Math.floor(rand() * 19)).padStart(2, '0')}`).id]]) },
        { name: 'removed user or profile', weight: 1, apply: async () => put(ctx, [], [rand() < 0.5 ? ['zendesk.user', `u${Math.floor(rand() * 8)}`] : ['mixpanel.profile', `d${Math.floor(rand() * 8)}`]]) },
      ];
      const total = changes.reduce((s, c) => s + c.weight, 0);
      const applied: string[] = [];
      let fullRuns = 0;
      for (let step = 1; step <= 45; step += 1) {
        let r = rand() * total;
        const change = changes.find((c) => (r -= c.weight) < 0) ?? (changes[0] as (typeof changes)[number]);
        await change.apply();
        applied.push(change.name);
        const counters = await sync(ctx);
        fullRuns += (counters['resolve.full'] ?? 0) + (counters['score.full'] ?? 0);
        if (step % 15 === 0) {
          const label = `seed ${seed} after ${applied.join(', ')}`;
          const incremental = await state(ctx);
          const scratch = await fromScratch(ctx);
          expect(incremental.matches, label).toEqual(scratch.matches);
          expect(incremental.desired, label).toEqual(scratch.desired);
        }
      }
      // Only the first run is full (no derived state yet): the rest went the incremental way.
      expect(fullRuns, `seed ${seed}`).toBe(2);
      // A full run over the incremental state finds nothing to change.
      const before = await state(ctx);
      const full = await sync(ctx, true);
      expect(full['resolve.changed'], `seed ${seed}`).toBe(0);
      expect(await state(ctx)).toEqual(before);
      await expectIndexesMatch(ctx);
    }
  });

  it('late CRM data fixes an earlier unmatched record and moves its signals to the right account', async () => {
    const ctx = await org_('late');
    const X = acc(1);
    const Y = acc(2);
    const days = ['2026-11-15', '2026-11-16', '2026-11-17'];
    await put(ctx, [account(X, 'x-corp.com'), profile('jane', 'jane@y-corp.com'), ...days.map((d) => activity('jane', null, d))]);
    await sync(ctx);
    expect((await ctx.state.getMatch('mixpanel.profile', 'jane'))?.r).toBe('unknown-domain');
    expect((await buildBundles(ctx, X))[0]?.activities).toHaveLength(0);

    // Y's Account arrives late: the profile and its events resolve to it, and Y gains their signals.
    await put(ctx, [account(Y, 'https://y-corp.com')]);
    const late = await sync(ctx);
    expect((await ctx.state.getMatch('mixpanel.profile', 'jane'))?.a).toBe(Y);
    for (const d of days) expect((await ctx.state.getMatch('mixpanel.activity', activity('jane', null, d).id))?.a).toBe(Y);
    expect(late['resolve.records']).toBe(1 + days.length);
    expect((await buildBundles(ctx, Y))[0]?.activities).toHaveLength(days.length);
    expect((await ctx.state.getDesired(Y))?.fields.CS_Active_Users_30d__c).toBe(1);

    // A Contact on X corrects the match (contact email wins over domain): the signals move to X.
    await put(ctx, [contact('003jane', X, 'Jane@Y-Corp.com')]);
    const moved = await sync(ctx);
    expect((await ctx.state.getMatch('mixpanel.profile', 'jane'))?.m).toBe('contact-email');
    expect((await buildBundles(ctx, X))[0]?.activities).toHaveLength(days.length);
    expect((await buildBundles(ctx, Y))[0]?.activities).toHaveLength(0);
    expect((await ctx.state.getDesired(X))?.fields.CS_Active_Users_30d__c).toBe(1);
    expect((await ctx.state.getDesired(Y))?.fields.CS_Active_Users_30d__c).toBe(0);
    expect(moved['score.rescored']).toBe(2);
    expect(await state(ctx)).toEqual(await fromScratch(ctx));
  });

  it('a Contact or Opportunity that moves rescored both its old and its new account', async () => {
    const ctx = await org_('moves');
    const [A, B, C] = [acc(1), acc(2), acc(3)];
    const recent = { createdAt: '2026-11-10T00:00:00Z' };
    await put(ctx, [account(A, 'a.com'), account(B, 'b.com'), account(C, 'c.com'), ...[1, 2, 3].map((i) => contact(`003c${i}`, A, `c${i}@a.com`, recent)), opportunity('006o', A)]);
    await sync(ctx);
    await put(ctx, [contact('003c1', B, 'c1@a.com', recent)]);
    expect((await sync(ctx))['score.rescored']).toBe(2);
    await put(ctx, [opportunity('006o', C)]);
    expect((await sync(ctx))['score.rescored']).toBe(2);
    expect(await state(ctx)).toEqual(await fromScratch(ctx));
  });

  it('a resolve or score interrupted part-way converges when it runs again', { timeout: 90_000 }, async () => {
    /** An org synced once, then changed so that resolve re-resolves more than one batch and score rescored won plans. */
    const prepared = async (label: string): Promise<SyncContext> => {
      const ctx = await org_(label);
      const records = companies(40, 5, 12);
      await put(ctx, records);
      await sync(ctx);
      // New domains for 20 accounts, a late Contact, changed events, and a won Opportunity (a new success plan) on 30 accounts.
      await put(ctx, [
        ...Array.from({ length: 20 }, (_, i) => account(acc(i + 1), `company${i + 2}.com`)),
        contact('003late', acc(30), 'p0@company31.com'),
        ...records.filter((r) => r.kind === 'mixpanel.activity').filter((_, i) => i % 50 === 0).map((a) => ({ ...a, eventCount: 9 })),
        ...Array.from({ length: 30 }, (_, i) => ({ ...opportunity(`006won${i}`, acc(i + 5)), isClosed: true, isWon: true, closeDate: '2026-11-10' })),
      ]);
      return ctx;
    };
    const desiredOf = async (ctx: SyncContext): Promise<Record<string, unknown>> => Object.fromEntries(await ctx.state.allDesired());
    const clean = await prepared('clean');
    await sync(clean);
    const cleanState = await state(clean);
    const cleanDesired = await desiredOf(clean);
    expect(Object.values(cleanDesired).filter((d) => JSON.stringify(d).includes(REVIEW))).toHaveLength(30);

    for (const crashAt of [1, 2]) {
      const ctx = await prepared(`crash${crashAt}`);
      let appends = 0;
      const crashingLogs = Object.assign(Object.create(ctx.logs) as SyncContext['logs'], {
        append: async (): Promise<void> => {
          appends += 1;
          if (appends === crashAt) throw new Error('worker killed after a saved batch');
        },
      });
      // Killed after the batch's plans were recorded: before its score snapshots (1), or after them, before its desired values (2).
      const crashingState = Object.assign(Object.create(ctx.state) as SyncContext['state'], {
        saveScores: async (...args: Parameters<SyncContext['state']['saveScores']>): Promise<void> => {
          if (crashAt === 1) throw new Error('worker killed mid-score');
          await ctx.state.saveScores(...args);
        },
        saveDesired: async (...args: Parameters<SyncContext['state']['saveDesired']>): Promise<void> => {
          if (crashAt === 2) throw new Error('worker killed mid-score');
          await ctx.state.saveDesired(...args);
        },
      });
      const run = await ctx.runs.create({ sources: [], full: false, dryRun: false, trigger: 'test' }, NOW);
      await expect(resolveRun({ ...ctx, logs: crashingLogs }, run.id)).rejects.toThrow('worker killed');
      const again = await resolveRun(ctx, run.id);
      expect(again.records).toBeGreaterThan(0);
      await expect(scoreRun({ ...ctx, state: crashingState }, run.id)).rejects.toThrow('worker killed');
      await scoreRun(ctx, run.id);
      const k = keys(ctx.prefix);
      for (const kind of RESOLVED_KINDS) expect(await redis.exists(k.taken(kind), k.dirty(kind))).toBe(0);
      expect(await redis.exists(k.takenAccounts, k.dirtyAccounts)).toBe(0);
      expect(await state(ctx), `crash at ${crashAt}`).toEqual(cleanState);
      // The success-plan review flag too: the re-run decides "new plan" as the interrupted try did.
      expect(await desiredOf(ctx), `crash at ${crashAt}`).toEqual(cleanDesired);
      expect(await state(ctx)).toEqual(await fromScratch(ctx));

    }

    // A first (full) resolve interrupted after a batch of activities was saved, its deferred index
    // and membership writes lost, is redone whole.
    for (const crashAt of [1, 2]) {
      const fresh = await org_(`fullcrash${crashAt}`);
      for (const kind of ['salesforce.account', 'salesforce.contact', 'salesforce.opportunity', ...RESOLVED_KINDS] as const) {
        const all = await clean.records.all(kind);
        if (all.length > 0) await fresh.records.upsert(kind, all as never[]);
      }
      let appends = 0;
      const crashingLogs = Object.assign(Object.create(fresh.logs) as SyncContext['logs'], {
        append: async (): Promise<void> => {
          appends += 1;
          if (appends === crashAt) throw new Error('worker killed after a saved batch');
        },
      });
      const full = await fresh.runs.create({ sources: [], full: false, dryRun: false, trigger: 'test' }, NOW);
      await expect(resolveRun({ ...fresh, logs: crashingLogs }, full.id)).rejects.toThrow('worker killed');
      const saved = await redis.hlen(keys(fresh.prefix).matches(crashAt === 1 ? 'mixpanel.profile' : 'mixpanel.activity'));
      expect(saved > 0).toBe(true);
      expect((await resolveRun(fresh, full.id)).full).toBe(true);
      await scoreRun(fresh, full.id);
      await expectIndexesMatch(fresh);
      expect(await state(fresh), `first full run, crash at ${crashAt}`).toEqual(cleanState);
    }
  });

  it('records removed outside a sync (forget) lose their matches at once and their account is rescored next', async () => {
    const ctx = await org_('forget');
    const A = acc(1);
    await put(ctx, [account(A, 'alpha.com'), survey('s1', 'ann@alpha.com'), survey('s2', 'bob@alpha.com')]);
    await sync(ctx);
    expect((await buildBundles(ctx, A))[0]?.surveys).toHaveLength(2);
    // What `forget` does: remove the record, mark it dirty, drop what resolve derived from it.
    const k = keys(ctx.prefix);
    await redis.multi().hdel(k.records('surveys.response'), 's1').sadd(k.dirty('surveys.response'), 's1').incr(k.recordsVersion).exec();
    await dropResolved(ctx, 'surveys.response', ['s1']);
    expect(await ctx.state.getMatch('surveys.response', 's1')).toBeNull();
    expect(await redis.smembers(k.members(A, 'surveys.response'))).toEqual(['s2']);
    const next = await sync(ctx);
    expect(next.resolved).toBe(1);
    expect(next['score.rescored']).toBe(1);
    expect(await state(ctx)).toEqual(await fromScratch(ctx));
  });

  it('an identity index larger than one command can carry is saved in slices (80,000 contact emails)', { timeout: 60_000 }, async () => {
    const ctx = await org_('big');
    await put(ctx, Array.from({ length: 10 }, (_, i) => account(acc(i + 1), `big${i}.com`)));
    const contacts = Array.from({ length: 80_000 }, (_, i) => contact(`003big${i}`, acc((i % 10) + 1), `person${i}@big${i % 10}.com`));
    for (let i = 0; i < contacts.length; i += 5000) await ctx.records.upsert('salesforce.contact', contacts.slice(i, i + 5000));
    await put(ctx, [profile('d1', 'person7@big7.com')]);
    const counters = await sync(ctx);
    expect(counters.resolved).toBe(1);
    expect(await redis.hlen(keys(ctx.prefix).identitySnapshot)).toBeGreaterThan(80_000);
    expect((await ctx.state.getMatch('mixpanel.profile', 'd1'))?.a).toBe(acc(8));
  });

  it('re-pulling the same window changes nothing', async () => {
    const ctx = await org_('repull');
    const day = '2026-11-18';
    const window = [activity('a1', null, day), activity('a2', null, day)].map((a) => ({ ...a, eventCount: 3 }));
    await put(ctx, [account(acc(1), 'alpha.com'), profile('a1', 'x@alpha.com'), profile('a2', 'y@alpha.com')]);
    await ctx.records.upsert('mixpanel.activity', window, { partition: day });
    await sync(ctx);
    const before = await state(ctx);
    const history = await ctx.state.scoreHistory(acc(1));

    const again = await ctx.records.upsert('mixpanel.activity', window, { partition: day });
    expect(again.changedIds).toEqual([]);
    expect(await redis.scard(keys(ctx.prefix).dirty('mixpanel.activity'))).toBe(0);
    // A change elsewhere makes the stages run (not keep their results): still nothing of this window moves.
    await put(ctx, [account(acc(2), 'beta.io')]);
    const counters = await sync(ctx);
    expect(counters['resolve.kept']).toBeUndefined();
    expect(counters['resolve.records']).toBe(0);
    expect(counters['score.rescored']).toBe(1);
    const after = await state(ctx);
    expect(after.matches).toEqual(before.matches);
    expect(after.desired[acc(1)]).toEqual(before.desired[acc(1)]);
    expect(await ctx.state.scoreHistory(acc(1))).toEqual(history);
  });

  it('a 1% change re-resolves about 1% of the records and rescored only their accounts', { timeout: 60_000 }, async () => {
    const ctx = await org_('onepct');
    const records = companies(100, 3, 10);
    await put(ctx, records);
    const first = await sync(ctx);
    const resolvable = records.filter((r) => r.kind !== 'salesforce.account').length; // 3,300
    expect(first['resolve.records']).toBe(resolvable);
    expect(first['score.rescored']).toBe(100);

    // 1%: 33 activities of accounts 1..11 change their counts.
    const changed = records.filter((r): r is ReturnType<typeof activity> => r.kind === 'mixpanel.activity').filter((_, i) => i % 100 === 0);
    await put(ctx, changed.map((a) => ({ ...a, eventCount: 7 })));
    const small = await sync(ctx);
    expect(small['resolve.records']).toBe(changed.length);
    expect(small['resolve.full']).toBe(0);
    expect(small['score.rescored']).toBe(new Set(changed.map((a) => a.distinctId.split('p')[0])).size);

    // A changed Website re-resolves the records of that domain only: 3 profiles and their 30 events.
    await put(ctx, [account(acc(5), 'company5-new.com')]);
    const site = await sync(ctx);
    expect(site['resolve.records']).toBe(33);
    expect(site['score.rescored']).toBe(1);
    expect((await ctx.state.getMatch('mixpanel.profile', 'c5p0'))?.r).toBe('unknown-domain');
    expect(await state(ctx)).toEqual(await fromScratch(ctx));
  });
});
