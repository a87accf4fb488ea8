/**
 * Activity retention (issue 5): day partitions older than TIDEMARK_ACTIVITY_RETENTION_DAYS are
 * dropped after the Mixpanel pull, each account keeps its latest active day among them, and no
 * written field changes because of it.
 *
 * The main property runs two orgs over the same random activity, day by day for 40 days: one
 * prunes at the minimum retention (91 days) before every sync, the other never prunes. Every day
 * their desired values and signals must be equal, and the pruned org may hold only retained days.
 */
import { describe, expect, it } from 'vitest';
import { mixpanelConfigSchema } from '../../connectors/mixpanel/config.ts';
import { defineConnector, type Page } from '../../src/contracts/connector.ts';
import type { MixpanelActivity, SalesforceAccount } from '../../src/contracts/records.ts';
import { activityId } from '../../src/contracts/records.ts';
import { createRng } from '../../src/sandbox/emulator-kit/rng.ts';
import { computeSignals } from '../../src/signals/compute-signals.ts';
import { dateOfDayNumber, dayNumberOfDate, DAY_MS } from '../../src/signals/time-window.ts';
import { keys } from '../../src/store/keys.ts';
import { buildBundles } from '../../src/sync/account-bundles.ts';
import { firstKeptDay, pruneActivities } from '../../src/sync/activity-retention.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { pullSource } from '../../src/sync/pull.ts';
import { resolveRun } from '../../src/sync/resolve.ts';
import { scoreRun } from '../../src/sync/score.ts';
import { account } from '../identity/fixtures.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';

const START = Date.parse('2026-06-01T12:00:00Z');
const REVIEW = 'CS_Success_Plan_Review__c';
const orgs = useTestOrgs(() => new Date(START));
const { redis } = orgs;

const orgOf = (label: string, now: () => Date, options: Partial<SyncContext['options']> = {}, sources: SyncContext['sources'] = {}): Promise<SyncContext> =>
  orgs.org(label, { now, options, sources, enableSources: true });

// Digits-only 15-character ids: their 18-character form ends in AAA.
const ACCOUNTS: SalesforceAccount[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((l, i) => account(`00100000000010${i}AAA`, `${l}.example.com`, { licensedSeats: 5 }));

/** Random day activities per account from 250 days before START to 40 days after; D only long ago, F never. */
function randomActivity(seed: number): Map<string, MixpanelActivity[]> {
  const rng = createRng(seed);
  const byDay = new Map<string, MixpanelActivity[]>();
  const startDay = Math.floor(START / DAY_MS);
  ACCOUNTS.forEach((a, i) => {
    if (i === 5) return;
    const [from, to] = i === 3 ? [startDay - 250, startDay - 150] : [startDay - 250, startDay + 40];
    for (let n = 0; n < 60; n += 1) {
      const day = dateOfDayNumber(from + Math.floor(rng() * (to - from)));
      const distinctId = `u${i}-${Math.floor(rng() * 4)}`;
      const dayStart = dayNumberOfDate(day) * DAY_MS;
      const firstAt = dayStart + Math.floor(rng() * 12 * 3600_000);
      const record: MixpanelActivity = {
        kind: 'mixpanel.activity', id: activityId(day, distinctId, a.id), day, distinctId, accountId: a.id,
        // Zero-count partitions happen (events filtered out later): they never count as activity.
        eventCount: rng() < 0.1 ? 0 : 1 + Math.floor(rng() * 5), eventNames: [`e${Math.floor(rng() * 6)}`],
        firstAt, lastAt: firstAt + Math.floor(rng() * 11 * 3600_000),
      };
      const list = byDay.get(day) ?? [];
      if (!list.some((r) => r.id === record.id)) list.push(record);
      byDay.set(day, list);
    }
  });
  return byDay;
}

async function putDay(ctx: SyncContext, day: string, records: MixpanelActivity[]): Promise<void> {
  await ctx.records.upsert('mixpanel.activity', records, { partition: day });
}

async function sync(ctx: SyncContext, at: Date): Promise<Record<string, number>> {
  const run = await ctx.runs.create({ sources: [], full: false, dryRun: false, trigger: 'test' }, at);
  await resolveRun(ctx, run.id);
  await scoreRun(ctx, run.id);
  return (await ctx.runs.get(run.id))?.counters ?? {};
}

async function observed(ctx: SyncContext, at: Date): Promise<{ desired: Record<string, unknown>; signals: Record<string, unknown> }> {
  const desired: Record<string, unknown> = {};
  const signals: Record<string, unknown> = {};
  for (const a of ACCOUNTS) {
    const fields: Record<string, unknown> = { ...((await ctx.state.getDesired(a.id))?.fields ?? {}) };
    delete fields[REVIEW];
    desired[a.id] = fields;
  }
  for (const bundle of await buildBundles(ctx)) {
    signals[bundle.account.id] = { now: computeSignals(bundle, at), then: computeSignals(bundle, new Date(at.getTime() - 30 * DAY_MS)) };
  }
  return { desired, signals };
}

describe('activity retention', () => {
  it.each([3, 17])('dropping days before the retention changes no field or signal, day after day (seed %i)', async (seed) => {
    let now = new Date(START);
    const clock = (): Date => now;
    const pruned = await orgOf('ret-p', clock, { activityRetentionDays: 91 });
    const kept = await orgOf('ret-k', clock, { activityRetentionDays: 3650 });
    const byDay = randomActivity(seed);
    const startDay = Math.floor(START / DAY_MS);
    for (const ctx of [pruned, kept]) {
      await ctx.records.upsert('salesforce.account', ACCOUNTS);
      // The backfill: every day before START.
      for (const [day, records] of byDay) if (dayNumberOfDate(day) < startDay) await putDay(ctx, day, records);
    }
    let droppedTotal = 0;
    for (let step = 0; step <= 40; step += 1) {
      now = new Date(START + step * DAY_MS);
      const yesterday = dateOfDayNumber(startDay + step - 1);
      for (const ctx of [pruned, kept]) if (step > 0) await putDay(ctx, yesterday, byDay.get(yesterday) ?? []);
      for (const ctx of [pruned, kept]) droppedTotal += (await sync(ctx, now))['pruned.mixpanel.activities'] ?? 0;
      const [p, k] = await Promise.all([observed(pruned, now), observed(kept, now)]);
      expect(p.desired, `step ${step}`).toEqual(k.desired);
      expect(p.signals, `step ${step}`).toEqual(k.signals);

      // Only retained days are stored, and the next resolve lets go of every dropped record.
      await resolveRun(pruned, (await pruned.runs.create({ sources: [], full: false, dryRun: false, trigger: 'test' }, now)).id);
      const first = firstKeptDay(now, 91);
      const stored = await pruned.records.all('mixpanel.activity');
      expect(stored.every((r) => r.day >= first)).toBe(true);
      expect(stored.length).toBe((await kept.records.all('mixpanel.activity')).filter((r) => r.day >= first).length);
      const k_ = keys(pruned.prefix);
      expect(await redis.hlen(k_.matches('mixpanel.activity'))).toBe(stored.length);
      // The reverse index lists only stored activities (dropped ones are gone from every key they read).
      const storedIds = new Set(stored.map((r) => `mixpanel.activity:${r.id}`));
      const listed = new Set<string>();
      for await (const batch of redis.scanStream({ match: `${k_.refs('')}*`, count: 1000 })) {
        for (const key of batch as string[]) for (const m of await redis.smembers(key)) if (m.startsWith('mixpanel.activity:')) listed.add(m);
      }
      expect(listed).toEqual(storedIds);
      let members = 0;
      for (const a of ACCOUNTS) members += await redis.scard(k_.members(a.id, 'mixpanel.activity'));
      expect(members).toBe(stored.length);
    }
    expect(droppedTotal).toBeGreaterThan(100);
    // D was active only long ago: its last active day is kept after all its activities are gone.
    const d = ACCOUNTS[3] as SalesforceAccount;
    const [bundle] = await buildBundles(pruned, d.id);
    expect(bundle?.activities).toEqual([]);
    expect(bundle?.lastActiveDropped).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(computeSignals(bundle as NonNullable<typeof bundle>, now).daysSinceLastActivity).toBeGreaterThan(150);
    // F never had activity: nothing kept.
    expect((await buildBundles(pruned, (ACCOUNTS[5] as SalesforceAccount).id))[0]?.lastActiveDropped).toBeUndefined();
  }, 180_000);

  it('is idempotent: a second prune drops nothing, and a re-pulled old day is dropped again without changing the kept day', async () => {
    let now = new Date(START);
    const ctx = await orgOf('ret-idem', () => now, { activityRetentionDays: 91 });
    await ctx.records.upsert('salesforce.account', ACCOUNTS);
    const a = ACCOUNTS[0] as SalesforceAccount;
    const old = (day: string, id = 'u1'): MixpanelActivity => ({ kind: 'mixpanel.activity', id: activityId(day, id, a.id), day, distinctId: id, accountId: a.id, eventCount: 2, eventNames: ['x'] });
    await putDay(ctx, '2026-01-10', [old('2026-01-10')]);
    await putDay(ctx, '2026-02-20', [old('2026-02-20', 'u2')]);
    await putDay(ctx, '2026-05-20', [old('2026-05-20', 'u3')]);
    const run = await ctx.runs.create({ sources: [], full: false, dryRun: false, trigger: 'test' }, now);
    await resolveRun(ctx, run.id);
    const k = keys(ctx.prefix);
    // Days before 2026-03-03 (91 days up to 2026-06-01) go; the kept day is the later of the two.
    expect(await pruneActivities(ctx)).toEqual({ days: 2, activities: 2, accounts: 1 });
    expect(await redis.zscore(k.lastActive, a.id)).toBe(String(dayNumberOfDate('2026-02-20')));
    expect(await pruneActivities(ctx)).toEqual({ days: 0, activities: 0, accounts: 0 });
    // The older day pulled again (a long backfill): dropped again, the kept day stays the later one.
    await putDay(ctx, '2026-01-10', [old('2026-01-10')]);
    expect(await pruneActivities(ctx)).toEqual({ days: 1, activities: 1, accounts: 0 });
    expect(await redis.zscore(k.lastActive, a.id)).toBe(String(dayNumberOfDate('2026-02-20')));
    // The score stage of the same run (it prunes nothing more) and the next run's resolve.
    expect((await sync(ctx, now))['pruned.mixpanel.days']).toBeUndefined();
    expect(await redis.smembers(k.members(a.id, 'mixpanel.activity'))).toEqual([activityId('2026-05-20', 'u3', a.id)]);
    const [bundle] = await buildBundles(ctx, a.id);
    expect(computeSignals(bundle as NonNullable<typeof bundle>, now).daysSinceLastActivity).toBe(dayNumberOfDate('2026-06-01') - dayNumberOfDate('2026-05-20'));
    // Once the last retained day goes too, the kept day answers.
    const later = new Date(START + 100 * DAY_MS);
    now = later;
    const counters = await sync(ctx, later);
    expect(counters).toMatchObject({ 'pruned.mixpanel.days': 1, 'pruned.mixpanel.activities': 1 });
    expect(await redis.zscore(k.lastActive, a.id)).toBe(String(dayNumberOfDate('2026-05-20')));
    const [after] = await buildBundles(ctx, a.id);
    expect(after?.activities).toEqual([]);
    expect(computeSignals(after as NonNullable<typeof after>, later).daysSinceLastActivity).toBe(dayNumberOfDate('2026-09-09') - dayNumberOfDate('2026-05-20'));
  });

  it('runs in the score stage after resolve; the Mixpanel backfill never reaches before the retained days', async () => {
    const now = new Date(START);
    const asked: number[] = [];
    const connector = defineConnector({
      id: 'mixpanel',
      title: 'fake Mixpanel',
      configSchema: mixpanelConfigSchema,
      check: async () => ({ ok: true, message: 'ok' }),
      streams: [
        {
          name: 'activities',
          kind: 'mixpanel.activity',
          async *pull(pc): AsyncGenerator<Page<'mixpanel.activity'>> {
            asked.push(pc.config.backfillDays);
            // A day older than the retention still arrives (an event late by months): it is dropped after the pull.
            for (const day of ['2026-01-05', '2026-05-30']) {
              const record: MixpanelActivity = { kind: 'mixpanel.activity', id: activityId(day, 'u', null), day, distinctId: 'u', accountId: (ACCOUNTS[1] as SalesforceAccount).id, eventCount: 1, eventNames: ['x'] };
              yield { kind: 'mixpanel.activity', records: [record], quarantined: [], checkpoint: { completeThrough: day }, apiCalls: 1, partition: day };
            }
          },
        },
      ],
    });
    const config = { projectId: '1', serviceAccountUser: 'sa', serviceAccountSecret: 'secret', backfillDays: 365 };
    const ctx = await orgOf('ret-pull', () => now, { activityRetentionDays: 100 }, { mixpanel: { connector: connector as never, config } });
    const run = await ctx.runs.create({ sources: ['mixpanel'], full: true, dryRun: false, trigger: 'test' }, now);
    await pullSource(ctx, run.id, 'mixpanel', { full: true });
    expect(asked).toEqual([100]);
    expect((await ctx.records.all('mixpanel.activity')).map((r) => r.day).sort()).toEqual(['2026-01-05', '2026-05-30']);
    await ctx.records.upsert('salesforce.account', ACCOUNTS);
    await resolveRun(ctx, run.id);
    await scoreRun(ctx, run.id);
    expect((await ctx.records.all('mixpanel.activity')).map((r) => r.day)).toEqual(['2026-05-30']);
    expect((await ctx.runs.get(run.id))?.counters).toMatchObject({ 'pruned.mixpanel.days': 1, 'pruned.mixpanel.activities': 1 });
    expect(await redis.zscore(keys(ctx.prefix).lastActive, (ACCOUNTS[1] as SalesforceAccount).id)).toBe(String(dayNumberOfDate('2026-01-05')));
  });
});
