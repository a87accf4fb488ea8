/**
 * Health of one account at a run: signals now and 30 days ago, score, band, trend, drivers and
 * the contract field values (contracts.md section 1). Linear in the size of the bundle: signals
 * are computed twice (now and 30 days ago), each in one pass over the records.
 */
import type { AccountBundle } from '../signals/account-bundle.ts';
import type { AccountSignals } from '../signals/compute-signals.ts';
import { computeSignals } from '../signals/compute-signals.ts';
import { DAY_MS } from '../signals/time-window.ts';
import { explainHealth } from './explain.ts';
import type { HealthModel } from './model.ts';
import type { HealthResult } from './score.ts';
import { bandOf, scoreAccount } from './score.ts';

export const TREND_DAYS = 30;

export interface HealthFields {
  CS_Health_Score__c: number | null;
  CS_Health_Band__c: string | null;
  CS_Health_Trend__c: number | null;
  CS_Health_Drivers__c: string;
  CS_Active_Users_30d__c: number | null;
  CS_License_Utilization__c: number | null;
  CS_Open_Tickets__c: number | null;
  CS_Urgent_Tickets_90d__c: number | null;
  CS_NPS__c: number | null;
}

export interface AccountHealth {
  signals: AccountSignals;
  signalsThen: AccountSignals;
  result: HealthResult;
  /** The score 30 days ago used for the trend: the stored one, else recomputed. */
  scoreThen: number | null;
  /** Score now minus score 30 days ago; null when either is null. */
  trend: number | null;
  drivers: string;
  fields: HealthFields;
}

/**
 * @param stored30dAgo the score stored for the day 30 days ago, or null when none is stored:
 *   the score is then recomputed from the signals as they stood 30 days ago.
 */
export function computeAccountHealth(bundle: AccountBundle, now: Date, model: HealthModel, stored30dAgo: number | null): AccountHealth {
  const segmentInput = { employees: bundle.account.employees };
  const signals = computeSignals(bundle, now);
  const signalsThen = computeSignals(bundle, new Date(now.getTime() - TREND_DAYS * DAY_MS));
  const result = scoreAccount(signals, model, segmentInput);
  const recomputedThen = scoreAccount(signalsThen, model, segmentInput);
  const resultThen: HealthResult =
    stored30dAgo === null ? recomputedThen : { ...recomputedThen, score: stored30dAgo, band: bandOf(stored30dAgo, model) };
  const scoreThen = resultThen.score;
  const trend = result.score === null || scoreThen === null ? null : result.score - scoreThen;
  const drivers = explainHealth(result, { result: resultThen, signals: signalsThen }, signals);
  return {
    signals,
    signalsThen,
    result,
    scoreThen,
    trend,
    drivers,
    fields: {
      CS_Health_Score__c: result.score,
      CS_Health_Band__c: result.band,
      CS_Health_Trend__c: trend,
      CS_Health_Drivers__c: drivers,
      CS_Active_Users_30d__c: signals.activeUsers30d,
      CS_License_Utilization__c: signals.licenseUtilization,
      CS_Open_Tickets__c: signals.openTickets,
      CS_Urgent_Tickets_90d__c: signals.urgentTickets90d,
      CS_NPS__c: signals.nps180d,
    },
  };
}
