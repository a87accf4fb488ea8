/**
 * The full resolve's shortcuts (src/sync/resolve.ts, docs/architecture.md "Incremental resolve
 * and score", full path) against the real Redis:
 * - the records are read once, by HSCAN pages read ahead, over several pages;
 * - matches of records gone behind resolve's back (no dirty mark: state of an older version) are
 *   found in Redis and dropped with their index entries and memberships;
 * - the match counts are the tally of the run when every stored match is one it resolved, else a
 *   recount: either way they equal the stored matches;
 * - an activity's outcome is worked out once per person and account property in a run, and
 *   every activity still ends with the match the identity rules give it alone (a pinned day, a
 *   day with another account property, an ambiguous person);
 * - stored matches are parsed once per distinct text, and callers get copies they may change.
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalRecord, RecordKind } from '../../src/contracts/records.ts';
import { keys } from '../../src/store/keys.ts';
import { buildIdentityIndex, resolveAll } from '../../src/identity/index.ts';
import { saveManualRule } from '../../src/store/manual-rule-store.ts';
import { parseStoredMatch } from '../../src/store/state-store.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { RESOLVED_KINDS, resolveRun, toStoredMatch, type ResolveSummary } from '../../src/sync/resolve.ts';
import { account, activity, contact, profile, rule, ticket, user } from '../identity/fixtures.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';


const NOW = new Date('2026-11-20T12:00:00Z');
const orgs = useTestOrgs(() => NOW);
const { redis } = orgs;
const acc = (i: number): string => `001${String(i).padStart(12, '0')}AAA`;

const org = (label: string): Promise<SyncContext> => orgs.org(label);

/** 30 accounts, 5 people each active on 20 days (3,000 activities: several HSCAN pages), a Zendesk user and ticket each, and people nobody owns. */
function records(): CanonicalRecord[] {
  const out: CanonicalRecord[] = [];
  for (let i = 1; i <= 30; i += 1) {
    out.push(account(acc(i), `company${i}.com`), user(`u${i}`, `help@company${i}.com`), ticket(`t${i}`, null, `u${i}`));
    for (let p = 0; p < 5; p += 1) {
      const email = p === 4 ? `p${p}@gmail.com` : `p${p}@company${i}.com`;
      out.push(profile(`c${i}p${p}`, email));
      for (let d = 1; d <= 20; d += 1) out.push(activity(`c${i}p${p}`, null, `2026-11-${String(d).padStart(2, '0')}`));
    }
  }
  return out;
}

async function put(ctx: SyncContext, list: CanonicalRecord[]): Promise<void> {
  const byKind = new Map<RecordKind, CanonicalRecord[]>();
  for (const r of list) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  for (const [kind, rs] of byKind) await ctx.records.upsert(kind, rs as never[]);
}

async function resolve(ctx: SyncContext, full: boolean): Promise<ResolveSummary> {
  const run = await ctx.runs.create({ sources: [], full, dryRun: false, trigger: 'test' }, NOW);
  return resolveRun(ctx, run.id);
}

/** Counts per kind and method/reason, from the stored matches themselves. */
async function countsOfStoredMatches(ctx: SyncContext): Promise<Record<string, number>> {
  const k = keys(ctx.prefix);
  const out: Record<string, number> = {};
  for (const kind of RESOLVED_KINDS) {
    for (const text of Object.values(await redis.hgetall(k.matches(kind)))) {
      const m = JSON.parse(text) as { a: string | null; m: string | null; r: string | null };
      const field = m.a !== null ? `${kind}|m|${m.m ?? 'unknown'}` : `${kind}|r|${m.r ?? 'unknown'}`;
      out[field] = (out[field] ?? 0) + 1;
    }
  }
  return out;
}

async function storedCounts(ctx: SyncContext): Promise<Record<string, number>> {
  const flat = await redis.hgetall(keys(ctx.prefix).matchCounts);
  return Object.fromEntries(Object.entries(flat).map(([f, n]) => [f, Number(n)]).filter(([, n]) => n !== 0));
}

describe('full resolve', () => {
  it('resolves every record of a kind spread over several HSCAN pages, and counts what it stored', async () => {
    const ctx = await org('full-pages');
    const all = records();
    await put(ctx, all);
    const summary = await resolve(ctx, true);
    const k = keys(ctx.prefix);
    expect(summary.full).toBe(true);
    expect(summary.records).toBe(all.filter((r) => (RESOLVED_KINDS as readonly string[]).includes(r.kind)).length);
    expect(await redis.hlen(k.matches('mixpanel.activity'))).toBe(3000);
    expect(summary.resolved + summary.unmatched).toBe(all.length - 30);
    expect(summary.unmatched).toBe(30 * 20 + 30); // the gmail.com people's days and profiles
    expect(await storedCounts(ctx)).toEqual(await countsOfStoredMatches(ctx));
    // Every matched activity is in its account's membership set, and under its profile's key.
    expect((await redis.smembers(k.members(acc(7), 'mixpanel.activity'))).length).toBe(4 * 20);
    expect(await redis.scard(k.refs('p:c7p4'))).toBe(20);
  });

  it('drops the matches, index entries and memberships of records gone without a dirty mark, and recounts', async () => {
    const ctx = await org('full-gone');
    await put(ctx, records());
    await resolve(ctx, true);
    const k = keys(ctx.prefix);
    // Records removed behind resolve's back (as state of an older version may be): no dirty mark.
    const goneActivities = (await redis.hkeys(k.records('mixpanel.activity'))).filter((id) => id.includes('|c3p')).slice(0, 25);
    await redis.hdel(k.records('mixpanel.activity'), ...goneActivities);
    await redis.hdel(k.records('zendesk.ticket'), 't3');
    // And a match whose record never existed.
    await redis.hset(k.matches('surveys.response'), 'never', JSON.stringify({ a: acc(3), m: 'explicit-id', r: null }));
    await redis.sadd(k.members(acc(3), 'surveys.response'), 'never');
    await redis.hincrby(k.matchCounts, 'surveys.response|m|explicit-id', 1);

    const summary = await resolve(ctx, true);
    expect(summary.changed).toBe(25 + 1 + 1);
    const activityMatches = await redis.hkeys(k.matches('mixpanel.activity'));
    expect(activityMatches).toHaveLength(3000 - 25);
    for (const id of goneActivities) expect(activityMatches).not.toContain(id);
    expect(await redis.hexists(k.matches('zendesk.ticket'), 't3')).toBe(0);
    expect(await redis.hlen(k.matches('surveys.response'))).toBe(0);
    expect(await redis.smembers(k.members(acc(3), 'surveys.response'))).toEqual([]);
    expect(await redis.smembers(k.members(acc(3), 'zendesk.ticket'))).toEqual([]);
    const members = await redis.smembers(k.members(acc(3), 'mixpanel.activity'));
    expect(members).toHaveLength(80 - goneActivities.filter((id) => !id.includes('|c3p4|')).length);
    for (const id of goneActivities) expect(members).not.toContain(id);
    expect(await storedCounts(ctx)).toEqual(await countsOfStoredMatches(ctx));
    expect(summary.resolved + summary.unmatched).toBe(Object.values(await countsOfStoredMatches(ctx)).reduce((a, b) => a + b, 0));
  });

  it('recounts when a kind holds a match it did not resolve (written behind its back after the kind was done)', async () => {
    const ctx = await org('full-recount');
    await put(ctx, records());
    const k = keys(ctx.prefix);
    let written = false;
    // While the activities are resolved (the Zendesk kinds are done), a stray user match appears.
    const logs = Object.assign(Object.create(ctx.logs) as SyncContext['logs'], {
      append: async (...args: Parameters<SyncContext['logs']['append']>): Promise<void> => {
        if (!written && (await redis.hlen(k.matches('mixpanel.activity'))) > 0) {
          written = true;
          await redis.hset(k.matches('zendesk.user'), 'stray', JSON.stringify({ a: null, m: null, r: 'no-keys' }));
        }
        await ctx.logs.append(...args);
      },
    });
    const run = await ctx.runs.create({ sources: [], full: true, dryRun: false, trigger: 'test' }, NOW);
    const summary = await resolveRun({ ...ctx, logs }, run.id);
    expect(written).toBe(true);
    expect(await storedCounts(ctx)).toEqual(await countsOfStoredMatches(ctx));
    expect(summary.unmatched).toBe(30 * 20 + 30 + 1);
  });

  it('over its own state changes nothing and keeps the counts', async () => {
    const ctx = await org('full-again');
    await put(ctx, records());
    const first = await resolve(ctx, true);
    const counts = await storedCounts(ctx);
    const second = await resolve(ctx, true);
    expect(second.changed).toBe(0);
    expect({ ...second, changed: first.changed }).toEqual(first);
    expect(await storedCounts(ctx)).toEqual(counts);
  });
});

describe('activities resolved once per person in a run', () => {
  it('end with the match the identity rules give each of them alone', async () => {
    const ctx = await org('activity-memo');
    const list = records();
    // c1p0: one day pinned by a rule of its own, one day with an account property of another account.
    const pinned = activity('c1p0', null, '2026-11-05');
    const otherAccount = activity('c1p0', acc(9), '2026-11-06');
    // c2p1: a Contact of two accounts (ambiguous), active on many days.
    list.push(otherAccount, contact('003a', acc(2), 'p1@company2.com'), contact('003b', acc(3), 'p1@company2.com'));
    await put(ctx, list);
    const pin = rule({ type: 'pin-record', recordKind: 'mixpanel.activity', recordId: pinned.id, accountId: acc(12) });
    await saveManualRule(redis, ctx.prefix, pin);

    for (const full of [true, false]) {
      if (!full) await put(ctx, [{ ...otherAccount, eventCount: 7 }, { ...pinned, eventCount: 8 }]);
      await resolve(ctx, full);
      const index = buildIdentityIndex({
        accounts: await ctx.records.all('salesforce.account'), contacts: await ctx.records.all('salesforce.contact'), zendeskOrganizations: [], manualRules: [pin],
      });
      const expected = resolveAll(index, {
        zendeskOrganizations: [], zendeskUsers: [], zendeskTickets: [], surveyResponses: [],
        mixpanelProfiles: await ctx.records.all('mixpanel.profile'), mixpanelActivities: await ctx.records.all('mixpanel.activity'),
      });
      const stored = await redis.hgetall(keys(ctx.prefix).matches('mixpanel.activity'));
      expect(Object.keys(stored)).toHaveLength(3001);
      for (const r of expected.byKind('mixpanel.activity')) expect(stored[r.id], r.id).toBe(JSON.stringify(toStoredMatch(r)));
      expect(JSON.parse(stored[pinned.id] ?? 'null')).toMatchObject({ a: acc(12) });
      expect(JSON.parse(stored[otherAccount.id] ?? 'null')).toMatchObject({ a: acc(9) });
      expect(JSON.parse(stored[activity('c1p0', null, '2026-11-07').id] ?? 'null')).toMatchObject({ a: acc(1) });
      expect(JSON.parse(stored[activity('c2p1', null, '2026-11-07').id] ?? 'null')).toMatchObject({ a: null, r: 'ambiguous-contact' });
    }
  });
});

describe('parseStoredMatch', () => {
  it('validates, parses each distinct text once and shares a frozen result', () => {
    const text = JSON.stringify({ a: acc(1), m: 'domain', r: null, c: [acc(2)] });
    const first = parseStoredMatch(text);
    expect(first).toEqual({ a: acc(1), m: 'domain', r: null, c: [acc(2)] });
    expect(parseStoredMatch(text)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.c)).toBe(true);
    expect(() => parseStoredMatch(JSON.stringify({ a: 1, m: null, r: null }))).toThrow();
  });

  it('getMatch and scanMatches hand out copies the caller may change', async () => {
    const ctx = await org('match-copies');
    await redis.hset(keys(ctx.prefix).matches('zendesk.user'), 'u1', JSON.stringify({ a: null, m: null, r: 'ambiguous-domain', c: [acc(1), acc(2)] }));
    const m = await ctx.state.getMatch('zendesk.user', 'u1');
    m?.c?.push(acc(3));
    for await (const batch of ctx.state.scanMatches('zendesk.user')) for (const [, match] of batch) expect(match.c).toEqual([acc(1), acc(2)]);
    expect((await ctx.state.getMatch('zendesk.user', 'u1'))?.c).toEqual([acc(1), acc(2)]);
  });
});
