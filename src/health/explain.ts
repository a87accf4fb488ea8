/**
 * CS_Health_Drivers__c: a readable, deterministic explanation of a health score. It names the
 * measures pulling the score down and up, with their numbers, what changed against 30 days ago,
 * and the measures left out for missing data. It never holds run ids, timestamps or ages finer
 * than a day, so unchanged data explains the same way on every run of the day.
 */
import type { AccountSignals } from '../signals/compute-signals.ts';
import { roundHalfAway } from '../signals/rounding.ts';
import type { MeasureId } from './measures.ts';
import { negativeSignals } from './measures.ts';
import type { HealthResult, MeasureResult } from './score.ts';

export const DRIVERS_MAX_LENGTH = 4000;
/** Subscores below this pull the score down; at or above UP_AT they hold it up. */
const DOWN_BELOW = 50;
const UP_AT = 70;
const MAX_DOWN = 4;
const MAX_UP = 3;
const MAX_CHANGES = 3;

export interface HealthThen {
  result: HealthResult;
  signals: AccountSignals;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : `${n}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function pct(value: number): string {
  return `${value.toFixed(1)}%`;
}

/**
 * `label a -> b (+p%)` when the value moved since then, else `label b`. Values that are already
 * percentages or scores (utilization, CSAT, NPS) pass `format` and show no relative change.
 */
function moved(label: string, then: number | null | undefined, now: number, format?: (n: number) => string): string {
  const show = format ?? String;
  if (then === null || then === undefined || then === now) return `${label} ${show(now)}`;
  const change = then === 0 || format ? '' : ` (${signed(roundHalfAway(((now - then) * 100) / Math.abs(then)))}%)`;
  return `${label} ${show(then)} -> ${show(now)}${change}`;
}

function describe(id: MeasureId, s: AccountSignals, t: AccountSignals | null): string {
  switch (id) {
    case 'usage_frequency':
      return `${moved('active days', t?.activeDays30d, s.activeDays30d ?? 0)} of 30`;
    case 'usage_trend':
      return moved('active users', s.activeUsersPrior30d, s.activeUsers30d ?? 0);
    case 'feature_breadth':
      return moved('features used', t?.featureBreadth30d, s.featureBreadth30d ?? 0);
    case 'license_utilization':
      return `${moved('license utilization', t?.licenseUtilization, s.licenseUtilization ?? 0, pct)} (${s.activeUsers30d ?? 0} of ${s.licensedSeats ?? 0} seats)`;
    case 'nps': {
      const detail = `${plural(s.detractors180d ?? 0, 'detractor')}, ${plural(s.promoters180d ?? 0, 'promoter')}, ${plural(s.npsRespondents180d ?? 0, 'respondent')}`;
      return `${moved('NPS', t?.nps180d, s.nps180d ?? 0, String)} (${detail})`;
    }
    case 'ticket_volume': {
      const now = s.ticketsCreated30d ?? 0;
      const then = t?.ticketsCreated30d;
      return then !== null && then !== undefined && then !== now
        ? `tickets created in 30d ${then} -> ${now}`
        : `${plural(now, 'ticket')} created in 30d`;
    }
    case 'ticket_severity': {
      const now = s.urgentTickets90d ?? 0;
      const then = t?.urgentTickets90d;
      const tail = then !== null && then !== undefined && then !== now ? ` (${then} 30d ago)` : '';
      return `${plural(now, 'urgent ticket')} opened in 90d${tail}`;
    }
    case 'csat':
      return `${moved('CSAT', t?.csat90d, s.csat90d ?? 0, pct)} (${s.csatGood90d ?? 0} of ${(s.csatGood90d ?? 0) + (s.csatBad90d ?? 0)} rated good)`;
    case 'team_changes':
      return `contacts +${s.contactsAdded90d} / -${s.contactsRemoved90d} in 90d (${s.contacts} total)`;
    case 'days_since_last_activity':
      return s.daysSinceLastActivity === 0 ? 'last activity today' : `last activity ${plural(s.daysSinceLastActivity ?? 0, 'day')} ago`;
    case 'renewal_risk': {
      const negatives = negativeSignals(s);
      const days = s.daysToRenewal ?? 0;
      return negatives.length === 0
        ? `renewal in ${plural(days, 'day')}, no negative signals`
        : `renewal in ${plural(days, 'day')} with ${plural(negatives.length, 'negative signal')} (${negatives.join(', ')})`;
    }
  }
}

function byId(a: MeasureResult, b: MeasureResult): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function explainHealth(now: HealthResult, then: HealthThen | null, signals: AccountSignals): string {
  const thenSignals = then?.signals ?? null;
  const scored = now.measures.filter((m) => m.subscore !== null);
  const missing = now.measures.filter((m) => m.subscore === null);
  const parts: string[] = [];

  if (now.score === null) {
    parts.push(`Score unavailable: insufficient data (${now.scoredMeasures} measures scored)`);
  } else {
    let header = `Score ${now.score} ${now.band ?? ''}`.trimEnd();
    if (then) header += then.result.score === null ? ' (no score 30d ago)' : ` (${signed(now.score - then.result.score)} vs 30d)`;
    parts.push(header);
  }

  const mentioned = new Set<MeasureId>();
  const down = scored
    .filter((m) => (m.subscore ?? 0) < DOWN_BELOW)
    .sort((a, b) => b.weight * (100 - (b.subscore ?? 0)) - a.weight * (100 - (a.subscore ?? 0)) || byId(a, b))
    .slice(0, MAX_DOWN);
  const up = scored
    .filter((m) => (m.subscore ?? 0) >= UP_AT)
    .sort((a, b) => b.weight * (b.subscore ?? 0) - a.weight * (a.subscore ?? 0) || byId(a, b))
    .slice(0, MAX_UP);
  if (down.length > 0) {
    parts.push(`Pulling down: ${down.map((m) => describe(m.id, signals, thenSignals)).join('; ')}`);
    for (const m of down) mentioned.add(m.id);
  }
  if (up.length > 0) {
    parts.push(`Pulling up: ${up.map((m) => describe(m.id, signals, thenSignals)).join('; ')}`);
    for (const m of up) mentioned.add(m.id);
  }

  if (then) {
    const before = new Map(then.result.measures.map((m) => [m.id, m.subscore]));
    const changes = scored
      .filter((m) => !mentioned.has(m.id))
      .map((m) => {
        const old = before.get(m.id);
        return { m, delta: old === null || old === undefined ? 0 : (m.subscore ?? 0) - old };
      })
      .filter((c) => c.delta !== 0)
      .sort((a, b) => Math.abs(b.delta) * b.m.weight - Math.abs(a.delta) * a.m.weight || byId(a.m, b.m))
      .slice(0, MAX_CHANGES);
    if (changes.length > 0) parts.push(`Changed vs 30d: ${changes.map((c) => describe(c.m.id, signals, thenSignals)).join('; ')}`);
  }

  if (missing.length > 0) parts.push(`Not scored: ${missing.map((m) => `${m.label} (${m.missingReason ?? 'no data'})`).join('; ')}`);
  return truncate(`${parts.join('. ')}.`, DRIVERS_MAX_LENGTH);
}
