/**
 * The catalogue of health measures: how each measure reads its value from the account signals.
 * The model file (models/*.json) chooses which measures count, how each value maps to 0-100 and
 * with which weight per segment; this file only says what each value is.
 *
 * A value of null means the data is missing (source disabled, nothing to compute from, or the
 * measure does not apply): the measure is then left out of the score, never scored as zero.
 */
import type { AccountSignals } from '../signals/compute-signals.ts';

export const MEASURE_IDS = [
  'usage_frequency',
  'usage_trend',
  'feature_breadth',
  'license_utilization',
  'nps',
  'ticket_volume',
  'ticket_severity',
  'csat',
  'team_changes',
  'days_since_last_activity',
  'renewal_risk',
] as const;
export type MeasureId = (typeof MEASURE_IDS)[number];

export interface MeasureParams {
  /** renewal_risk: the measure applies when the renewal is 0 to this many days away (a past date is stale data). */
  renewalWithinDays: number;
}

export interface MeasureDefinition {
  label: string;
  /** Why the value is missing, for the drivers. */
  missingReason: string;
  value(signals: AccountSignals, params: MeasureParams): number | null;
}

/** Percent change of active users against the 30 days before; null when both periods are empty. */
export function usageTrendPercent(signals: AccountSignals): number | null {
  const now = signals.activeUsers30d;
  const prior = signals.activeUsersPrior30d;
  if (now === null || prior === null) return null;
  if (prior === 0) return now === 0 ? null : 100;
  return ((now - prior) * 100) / prior;
}

/**
 * Negative signals counted by renewal_risk: NPS below 0, any detractor, an urgent ticket in 90
 * days, license utilization below 50%, active users down 20% or more.
 */
export function negativeSignals(signals: AccountSignals): string[] {
  const out: string[] = [];
  if (signals.nps180d !== null && signals.nps180d < 0) out.push(`NPS ${signals.nps180d}`);
  if (signals.detractors180d !== null && signals.detractors180d > 0) out.push(`${signals.detractors180d} detractor${signals.detractors180d === 1 ? '' : 's'}`);
  if (signals.urgentTickets90d !== null && signals.urgentTickets90d > 0) out.push(`${signals.urgentTickets90d} urgent ticket${signals.urgentTickets90d === 1 ? '' : 's'}`);
  if (signals.licenseUtilization !== null && signals.licenseUtilization < 50) out.push(`utilization ${signals.licenseUtilization.toFixed(1)}%`);
  const trend = usageTrendPercent(signals);
  if (trend !== null && trend <= -20) out.push('usage down');
  return out;
}

export const MEASURES: Readonly<Record<MeasureId, MeasureDefinition>> = {
  usage_frequency: {
    label: 'active days (30d)',
    missingReason: 'Mixpanel disabled',
    value: (s) => s.activeDays30d,
  },
  usage_trend: {
    label: 'active users trend',
    missingReason: 'no usage in the last 60 days',
    value: usageTrendPercent,
  },
  feature_breadth: {
    label: 'features used (30d)',
    missingReason: 'Mixpanel disabled',
    value: (s) => s.featureBreadth30d,
  },
  license_utilization: {
    label: 'license utilization',
    missingReason: 'no licensed seats on the account or Mixpanel disabled',
    value: (s) => s.licenseUtilization,
  },
  nps: {
    label: 'NPS',
    missingReason: 'no survey responses in 180d',
    value: (s) => s.nps180d,
  },
  ticket_volume: {
    label: 'tickets created (30d)',
    missingReason: 'Zendesk disabled',
    value: (s) => s.ticketsCreated30d,
  },
  ticket_severity: {
    label: 'urgent tickets (90d)',
    missingReason: 'Zendesk disabled',
    value: (s) => s.urgentTickets90d,
  },
  csat: {
    label: 'CSAT (90d)',
    missingReason: 'no rated tickets in 90d',
    value: (s) => s.csat90d,
  },
  team_changes: {
    label: 'net contacts added (90d)',
    missingReason: 'no contacts',
    value: (s) => s.contactsAdded90d - s.contactsRemoved90d,
  },
  days_since_last_activity: {
    label: 'days since last activity',
    missingReason: 'no recorded activity',
    value: (s) => s.daysSinceLastActivity,
  },
  renewal_risk: {
    label: 'negative signals near renewal',
    missingReason: 'renewal not near or no renewal date',
    value: (s, p) => (s.daysToRenewal !== null && s.daysToRenewal >= 0 && s.daysToRenewal <= p.renewalWithinDays ? negativeSignals(s).length : null),
  },
};
