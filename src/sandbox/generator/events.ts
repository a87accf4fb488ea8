/**
 * Mixpanel events of one person, day by day over the generated window, streamed to disk: office
 * hours in the account's time zone, fewer events at weekends, activity by cohort (declining
 * accounts lose two in three people over the last 42 days, churned ones nearly all, onboarding ones
 * start at their Closed Won date). Raw export lines: time in unix seconds, distinct_id, $insert_id.
 */
import type { LineWriter } from './line-writer.ts';
import { DAY, int, pick, type Cohort, type Rng } from './plan.ts';
import * as V from './vocabulary.ts';

export interface EventContext {
  writer: LineWriter;
  rng: Rng;
  nowMs: number;
  /** No event is stamped later than this (5 minutes before now). */
  latestMs: number;
  days: number;
  rate: number;
  seed: number;
  /** Running counter for $insert_id, shared by the whole dataset. */
  seq: { n: number };
}

export interface EventPerson {
  distinctId: string;
  /** `account_id` carried by each event (may be 15-character or stale), or null. */
  accountProp: string | null;
  cohort: Cohort;
  /** Position of the person in the account; declining accounts lose the even ones. */
  ordinal: number;
  utcOffset: number;
  /** No events before this time (onboarding accounts start at their Closed Won date). */
  startMs: number;
  /** How many features the person uses; at-risk cohorts use only the core ones. */
  breadth: number;
}

const BASE_ACTIVITY: Record<Cohort, { before: number; recent: number }> = {
  healthy: { before: 0.6, recent: 0.6 },
  declining: { before: 0.65, recent: 0.1 },
  'support-heavy': { before: 0.35, recent: 0.35 },
  detractors: { before: 0.3, recent: 0.3 },
  onboarding: { before: 0.55, recent: 0.55 },
  churned: { before: 0.25, recent: 0.05 },
};

/** Writes the person's events; calls `counted(time)` with each event's time in unix seconds. */
export async function writePersonEvents(ctx: EventContext, p: EventPerson, counted: (timeSeconds: number) => void): Promise<number> {
  const { rng } = ctx;
  const browser = pick(rng, V.BROWSERS);
  let written = 0;
  for (let d = ctx.days - 1; d >= 0; d -= 1) {
    const dayStart = Math.floor((ctx.nowMs - d * DAY) / DAY) * DAY;
    const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
    const recent = ctx.nowMs - dayStart < 30 * DAY;
    const daysAgo = (ctx.nowMs - dayStart) / DAY;
    // Declining accounts: two in three people stop, one after the other, 30 to 42 days ago.
    const stopped = (p.cohort === 'declining' && p.ordinal % 3 !== 2 && daysAgo < 30 + (p.ordinal % 4) * 4) || (recent && p.cohort === 'churned' && p.ordinal > 0);
    const base = BASE_ACTIVITY[p.cohort];
    let chance = stopped ? 0 : recent ? base.recent : base.before;
    if (!weekday) chance *= 0.25;
    if (rng() >= chance) continue;
    const n = Math.max(1, Math.round(ctx.rate * (0.5 + rng())));
    const sessionHour = int(rng, 8, 17) - p.utcOffset;
    for (let e = 0; e < n; e += 1) {
      const t = dayStart + sessionHour * 3_600_000 + int(rng, 0, 5_399) * 1000 + e * 60_000;
      const feature = V.FEATURES[int(rng, 0, p.breadth - 1)] as string;
      if (t < p.startMs || t > ctx.latestMs || t <= ctx.nowMs - ctx.days * DAY) continue;
      ctx.seq.n += 1;
      const time = Math.floor(t / 1000);
      const line = {
        event: feature,
        properties: {
          time,
          distinct_id: p.distinctId,
          $insert_id: `${ctx.seed.toString(36)}-${ctx.seq.n.toString(36).padStart(8, '0')}`,
          ...(p.accountProp ? { account_id: p.accountProp } : {}),
          $browser: browser.browser,
          $os: browser.os,
          $current_url: `https://app.tidemark-vendor.example${pick(rng, V.APP_PATHS)}`,
          mp_lib: 'web',
        },
      };
      const pending = ctx.writer.write(line);
      if (pending) await pending;
      written += 1;
      counted(time);
      // Mixpanel export can repeat an event; the copy has the same $insert_id.
      if (ctx.seq.n % 97 === 0) {
        const again = ctx.writer.write(line);
        if (again) await again;
        written += 1;
      }
    }
  }
  return written;
}
