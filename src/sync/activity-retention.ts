/**
 * Retention of Mixpanel day activities (TIDEMARK_ACTIVITY_RETENTION_DAYS, default 120).
 *
 * The usage signals read at most 91 UTC days of activities: the prior 30-day window of the
 * signals as they stood 30 days ago reaches back to (asOf - 90 d], so its boundary day is 90 days
 * before today. Older day partitions change no signal except days since last activity, so the
 * score stage drops them before it scores (resolve has matched every activity by then: one
 * pulled late, older than the retention, counts once and goes), and what they still say is kept
 * per account: the latest
 * active day among the dropped activities (`last-active`, a sorted set scored by day number and
 * raised only with ZADD GT, so a re-run after a crash changes nothing). The stored activity
 * state is then bounded by the retention: an account holds at most its users x retained days.
 *
 * Dropping goes through the record store like any removal (the ids land in `dirty:mixpanel.activity`),
 * so the next resolve drops their matches, memberships and index entries (the bundles skip
 * members already removed, so this run's scores are exact meanwhile).
 *
 * A dropped activity is not resolved again: a Contact or rule added later that would have moved
 * it to another account leaves its day with the account it was matched to when dropped.
 * The kept day is written before the partition is removed: a crash in between keeps the day and
 * the partition, and the next prune removes it.
 */
import { keys } from '../store/keys.ts';
import { storedMatchSchema } from '../store/state-store.ts';
import { dateOfDayNumber, dayNumberOfDate, dayNumberOfInstant } from '../signals/time-window.ts';
import type { SyncContext } from './context.ts';

/** Days the signals need (today and the 90 days before it). */
export const MIN_ACTIVITY_RETENTION_DAYS = 91;
export const DEFAULT_ACTIVITY_RETENTION_DAYS = 120;
/** How far back a prune looks for partitions to drop. */
const SEARCH_DAYS = 3660;

export interface PruneSummary {
  /** Day partitions dropped. */
  days: number;
  /** Activities dropped. */
  activities: number;
  /** Distinct accounts whose kept last active day was raised. */
  accounts: number;
}

export function activityRetentionDays(ctx: SyncContext): number {
  return Math.max(MIN_ACTIVITY_RETENTION_DAYS, ctx.options.activityRetentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS);
}

/** The first UTC day kept at `now` (`YYYY-MM-DD`): days before it are dropped. */
export function firstKeptDay(now: Date, retentionDays: number): string {
  return dateOfDayNumber(dayNumberOfInstant(now.getTime()) - retentionDays + 1);
}

/** Drops the activity day partitions before the retention window, keeping each account's latest active day among them. */
export async function pruneActivities(ctx: SyncContext, now = ctx.now()): Promise<PruneSummary> {
  const k = keys(ctx.prefix);
  const kind = 'mixpanel.activity' as const;
  const cutoff = dayNumberOfDate(firstKeptDay(now, activityRetentionDays(ctx)));
  const days: string[] = [];
  for (let d = cutoff - SEARCH_DAYS; d < cutoff; d += 1) days.push(dateOfDayNumber(d));
  const probe = ctx.redis.pipeline();
  for (const day of days) probe.exists(k.partition(kind, day));
  const present = ((await probe.exec()) ?? []).map(([err, n]) => {
    if (err) throw err;
    return n === 1;
  });
  const summary: PruneSummary = { days: 0, activities: 0, accounts: 0 };
  const raised = new Set<string>();
  for (const [i, day] of days.entries()) {
    if (!present[i]) continue;
    const ids = await ctx.redis.smembers(k.partition(kind, day));
    const latest = new Map<string, number>();
    for (let j = 0; j < ids.length; j += 2000) {
      const slice = ids.slice(j, j + 2000);
      const [records, matches] = await Promise.all([ctx.records.getMany(kind, slice), ctx.redis.hmget(k.matches(kind), ...slice)]);
      slice.forEach((_, n) => {
        const record = records[n];
        const text = matches[n];
        if (!record || record.eventCount <= 0 || !text) return;
        const account = storedMatchSchema.parse(JSON.parse(text)).a;
        if (!account) return;
        const dayNumber = dayNumberOfDate(record.day);
        if ((latest.get(account) ?? Number.NEGATIVE_INFINITY) < dayNumber) latest.set(account, dayNumber);
      });
    }
    if (latest.size > 0) {
      const m = ctx.redis.multi();
      const accounts = [...latest.keys()];
      for (const account of accounts) m.zadd(k.lastActive, 'GT', 'CH', latest.get(account) as number, account);
      ((await m.exec()) ?? []).forEach(([err, changed], n) => {
        if (err) throw err;
        if (Number(changed) > 0) raised.add(accounts[n] as string);
      });
    }
    // An empty page for the partition removes its records (and marks them dirty for resolve).
    const outcome = await ctx.records.upsert(kind, [], { partition: day });
    summary.days += 1;
    summary.activities += outcome.removed;
  }
  summary.accounts = raised.size;
  return summary;
}

/** The latest active day among an account's dropped activities, or null. */
export async function keptLastActiveDays(ctx: SyncContext, accountIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (accountIds.length === 0) return out;
  const scores = await ctx.redis.zmscore(keys(ctx.prefix).lastActive, ...accountIds);
  accountIds.forEach((id, i) => {
    const score = scores[i];
    if (score !== null && score !== undefined) out.set(id, dateOfDayNumber(Number(score)));
  });
  return out;
}
