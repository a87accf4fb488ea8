import { describe, expect, it } from 'vitest';
import { healthAlerts } from '../../src/alerts/health-alerts.ts';

const run = (current: Record<string, unknown>, desired: Record<string, unknown>) =>
  healthAlerts({ accountId: '001A', accountName: 'Acme', current, desired: { CS_Health_Drivers__c: 'Score 30 Red: active users 12 -> 3', ...desired } }, { dropPoints: 15 }).map((a) => a.reason);

describe('health alerts', () => {
  it.each([
    ['crossing into Red', { CS_Health_Band__c: 'Yellow', CS_Health_Score__c: 45 }, { CS_Health_Band__c: 'Red', CS_Health_Score__c: 38 }, ['red']],
    ['staying Red raises nothing', { CS_Health_Band__c: 'Red', CS_Health_Score__c: 30 }, { CS_Health_Band__c: 'Red', CS_Health_Score__c: 29 }, []],
    ['a drop of at least 15 points', { CS_Health_Band__c: 'Green', CS_Health_Score__c: 90 }, { CS_Health_Band__c: 'Green', CS_Health_Score__c: 72 }, ['drop']],
    ['a drop of 14 points is not an alert', { CS_Health_Score__c: 90 }, { CS_Health_Score__c: 76 }, []],
    ['both at once', { CS_Health_Band__c: 'Green', CS_Health_Score__c: 75 }, { CS_Health_Band__c: 'Red', CS_Health_Score__c: 35 }, ['red', 'drop']],
    ['onboarding timer expires', { CS_Onboarding_Overdue__c: false }, { CS_Onboarding_Overdue__c: true }, ['onboarding-overdue']],
    ['no previous score: no drop', {}, { CS_Health_Score__c: 10 }, []],
  ])('%s', (_n, current, desired, expected) => {
    expect(run(current, desired)).toEqual(expected);
  });

  it('carries the drivers and a stable subject', () => {
    const [a] = healthAlerts({ accountId: '001A', accountName: 'Acme', current: { CS_Health_Band__c: 'Green' }, desired: { CS_Health_Band__c: 'Red', CS_Health_Score__c: 30, CS_Health_Drivers__c: 'drivers text' } }, { dropPoints: 15 });
    expect(a?.subject).toBe('Tidemark: health is Red');
    expect(a?.description).toMatch(/Acme: health moved from Green to Red[\s\S]*drivers text/);
  });
});
