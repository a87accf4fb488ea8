/**
 * Health alerts for the CSM (pure): an account crossing into Red, a score drop of at least N
 * points, or an onboarding step past its timer, judged against what Salesforce holds now. Each
 * alert becomes one Salesforce Task (de-duplicated while an open one exists for the same reason).
 */
export type AlertReason = 'red' | 'drop' | 'onboarding-overdue';

export interface HealthAlert {
  accountId: string;
  reason: AlertReason;
  /** The Task subject: stable per reason, so an open Task for it can be found again. */
  subject: string;
  description: string;
}

export const ALERT_SUBJECTS: Record<AlertReason, string> = {
  red: 'Tidemark: health is Red',
  drop: 'Tidemark: health score dropped',
  'onboarding-overdue': 'Tidemark: onboarding step overdue',
};

export function healthAlerts(
  input: { accountId: string; accountName: string; current: Record<string, unknown>; desired: Record<string, unknown> },
  options: { dropPoints: number },
): HealthAlert[] {
  const { current, desired } = input;
  const drivers = typeof desired.CS_Health_Drivers__c === 'string' ? desired.CS_Health_Drivers__c : '';
  const out: HealthAlert[] = [];
  const make = (reason: AlertReason, lead: string): HealthAlert => ({
    accountId: input.accountId,
    reason,
    subject: ALERT_SUBJECTS[reason],
    description: `${input.accountName}: ${lead}\n\n${drivers}`.slice(0, 32_000),
  });
  if (desired.CS_Health_Band__c === 'Red' && current.CS_Health_Band__c !== 'Red') {
    out.push(make('red', `health moved from ${String(current.CS_Health_Band__c ?? 'no band')} to Red (score ${String(desired.CS_Health_Score__c)}).`));
  }
  const before = typeof current.CS_Health_Score__c === 'number' ? current.CS_Health_Score__c : null;
  const after = typeof desired.CS_Health_Score__c === 'number' ? desired.CS_Health_Score__c : null;
  if (before !== null && after !== null && before - after >= options.dropPoints) {
    out.push(make('drop', `health score dropped ${before - after} points, ${before} -> ${after}.`));
  }
  if (desired.CS_Onboarding_Overdue__c === true && current.CS_Onboarding_Overdue__c !== true) {
    out.push(make('onboarding-overdue', `an onboarding step is past its timer. Next milestone: ${String(desired.CS_Next_Milestone__c ?? 'none')} (due ${String(desired.CS_Next_Milestone_Due__c ?? '-')}).`));
  }
  return out;
}
