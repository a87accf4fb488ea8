import { describe, expect, it } from 'vitest';
import { coerce, planAccountChange, chunk } from '../../src/writeback/plan.ts';
import { OWNED_ACCOUNT_FIELDS } from '../../src/writeback/field-specs.ts';

const spec = (name: string) => {
  const s = OWNED_ACCOUNT_FIELDS.find((f) => f.name === name);
  if (!s) throw new Error(name);
  return s;
};
const now = new Date('2026-11-20T12:00:00Z');

describe('typed coercion', () => {
  it.each([
    ['number to scale 0, half away from zero', 'CS_Health_Score__c', 57.5, 58],
    ['negative half away from zero', 'CS_Health_Trend__c', -2.5, -3],
    ['percent keeps one decimal', 'CS_License_Utilization__c', 12.25, 12.3],
    ['numeric text from Salesforce', 'CS_Open_Tickets__c', '4', 4],
    ['empty text is null', 'CS_Health_Drivers__c', '', null],
    ['datetime compared as an instant', 'CS_Health_Updated__c', '2026-11-20T12:00:00.000+0000', '2026-11-20T12:00:00.000Z'],
    ['date keeps the day', 'CS_Next_Milestone_Due__c', '2026-12-01', '2026-12-01'],
    ['boolean from text', 'CS_Onboarding_Overdue__c', 'true', true],
  ])('%s', (_name, field, value, expected) => {
    expect(coerce(spec(field), value)).toEqual(expected);
  });

  it('truncates text to the field length with a warning', () => {
    const warnings: string[] = [];
    expect((coerce(spec('CS_Next_Milestone__c'), 'x'.repeat(300), warnings) as string).length).toBe(255);
    expect(warnings[0]).toMatch(/CS_Next_Milestone__c truncated from 300 to 255/);
  });
});

describe('planAccountChange', () => {
  it('sends nothing when values are equal after coercion', () => {
    const change = planAccountChange(
      { accountId: '001A', current: { CS_Health_Score__c: 58, CS_Health_Drivers__c: null, CS_License_Utilization__c: 12.3 }, desired: { CS_Health_Score__c: 58.2, CS_Health_Drivers__c: '', CS_License_Utilization__c: 12.25 } },
      OWNED_ACCOUNT_FIELDS,
      now,
    );
    expect(change).toBeNull();
  });

  it('sends only changed owned fields and stamps CS_Health_Updated__c when health changed', () => {
    const change = planAccountChange(
      { accountId: '001A', current: { CS_Health_Score__c: 50, CS_Open_Tickets__c: 2, Name: 'Acme' }, desired: { CS_Health_Score__c: 58, CS_Open_Tickets__c: 2, Name: 'Evil' } },
      OWNED_ACCOUNT_FIELDS,
      now,
    );
    expect(change?.values).toEqual({ CS_Health_Score__c: 58, CS_Health_Updated__c: now.toISOString() });
    expect(change?.diffs.map((d) => d.field)).toEqual(['CS_Health_Score__c', 'CS_Health_Updated__c']);
  });

  it('does not move CS_Health_Updated__c for non-health fields', () => {
    const change = planAccountChange({ accountId: '001A', current: { CS_Open_Tickets__c: 2 }, desired: { CS_Open_Tickets__c: 3 } }, OWNED_ACCOUNT_FIELDS, now);
    expect(change?.values).toEqual({ CS_Open_Tickets__c: 3 });
  });

  it('chunks into batches of at most 200', () => {
    expect(chunk(Array.from({ length: 401 }, (_, i) => i), 200).map((c) => c.length)).toEqual([200, 200, 1]);
  });
});
