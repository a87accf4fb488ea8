import { describe, expect, it } from 'vitest';
import { OWNED_ACCOUNT_FIELDS } from '../../src/writeback/field-specs.ts';
import { findManualEdits, planAccountChange } from '../../src/writeback/plan.ts';
import { backoffMs, dueForRetry, recordFailed } from '../../src/writeback/retry.ts';
import { planRevert, type AuditedWrite } from '../../src/writeback/revert.ts';

const now = new Date('2026-11-20T12:00:00Z');

describe('manual edits of owned fields', () => {
  const base = { accountId: 'a', lastWritten: { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 } };
  it.each([
    ['no edit: Salesforce holds what Tidemark wrote', { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 }, { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 }, false, [], {}],
    ['an edit is logged and overwritten by default', { CS_Success_Plan_Review__c: false, CS_Open_Tickets__c: 3 }, { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 }, false, [['CS_Success_Plan_Review__c', false]], { CS_Success_Plan_Review__c: true }],
    ['an edit is respected when configured', { CS_Success_Plan_Review__c: false, CS_Open_Tickets__c: 3 }, { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 }, true, [['CS_Success_Plan_Review__c', true]], {}],
    ['a newly computed value is written over a respected edit', { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 9 }, { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 4 }, true, [['CS_Open_Tickets__c', false]], { CS_Open_Tickets__c: 4 }],
    ['typed comparison: "3" in Salesforce is what Tidemark wrote', { CS_Success_Plan_Review__c: 'true', CS_Open_Tickets__c: '3' }, { CS_Success_Plan_Review__c: true, CS_Open_Tickets__c: 3 }, false, [], {}],
  ] as const)('%s', (_name, current, desired, respect, edits, values) => {
    const input = { ...base, current, desired };
    expect(findManualEdits(input, OWNED_ACCOUNT_FIELDS, { respectManualEdits: respect }).map((e) => [e.field, e.respected])).toEqual(edits);
    expect(planAccountChange(input, OWNED_ACCOUNT_FIELDS, now, { respectManualEdits: respect })?.values ?? {}).toEqual(values);
  });

  it('never takes a field Tidemark has not written for an edit', () => {
    expect(findManualEdits({ accountId: 'a', current: { CS_NPS__c: 5 }, desired: { CS_NPS__c: 10 } }, OWNED_ACCOUNT_FIELDS)).toEqual([]);
  });
});

describe('retry with backoff', () => {
  it.each([
    [1, 10 * 60_000],
    [2, 20 * 60_000],
    [4, 80 * 60_000],
    [20, 24 * 3600_000],
  ])('attempt %i waits %i ms', (attempts, ms) => {
    expect(backoffMs(attempts)).toBe(ms);
  });

  it('counts attempts and is due once the wait has passed', () => {
    const first = recordFailed(undefined, { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }, now);
    const second = recordFailed(first, { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }, new Date(now.getTime() + 10 * 60_000));
    expect(second).toMatchObject({ attempts: 2, nextAttemptAt: '2026-11-20T12:30:00.000Z' });
    expect(dueForRetry(undefined, now)).toBe(true);
    expect(dueForRetry(second, new Date('2026-11-20T12:29:59Z'))).toBe(false);
    expect(dueForRetry(second, new Date('2026-11-20T12:30:00Z'))).toBe(true);
  });
});

describe('revert planning', () => {
  const w = (runId: string, field: string, old: unknown, value: unknown, outcome = 'written'): AuditedWrite => ({ runId, field, old, new: value, outcome, at: '2026-11-20T12:00:00Z' });
  it.each([
    ['restores what the run replaced', [w('r1', 'CS_Health_Score__c', 50, 60)], { CS_Health_Score__c: 60 }, { CS_Health_Score__c: 50 }, []],
    ['restores null', [w('r1', 'CS_NPS__c', null, 20)], { CS_NPS__c: 20 }, { CS_NPS__c: null }, []],
    ['leaves a field a later run wrote again', [w('r2', 'CS_Health_Score__c', 60, 70), w('r1', 'CS_Health_Score__c', 50, 60)], { CS_Health_Score__c: 70 }, {}, ['CS_Health_Score__c']],
    ['leaves a field edited by hand since', [w('r1', 'CS_Health_Score__c', 50, 60)], { CS_Health_Score__c: 65 }, {}, ['CS_Health_Score__c']],
    ['does not revert twice', [w('revert:r1', 'CS_Health_Score__c', 60, 50, 'reverted'), w('r1', 'CS_Health_Score__c', 50, 60)], { CS_Health_Score__c: 50 }, {}, ['CS_Health_Score__c']],
    ['ignores failed writes of the run', [w('r1', 'CS_Health_Score__c', 50, 60, 'failed')], { CS_Health_Score__c: 50 }, null, []],
  ] as const)('%s', (_name, audit, current, values, skipped) => {
    const plan = planRevert('a', 'r1', audit, current, OWNED_ACCOUNT_FIELDS);
    if (values === null) expect(plan).toBeNull();
    else {
      expect(plan?.values).toEqual(values);
      expect(plan?.skipped).toEqual(skipped);
    }
  });
});

describe('values Salesforce already agrees with', () => {
  it('are adopted as what Tidemark last wrote, so a later manual edit is noticed', async () => {
    const { agreedValues } = await import('../../src/writeback/plan.ts');
    const input = { accountId: 'a', current: { CS_Open_Tickets__c: '3', CS_NPS__c: 5 }, desired: { CS_Open_Tickets__c: 3, CS_NPS__c: 10 } };
    expect(agreedValues(input, OWNED_ACCOUNT_FIELDS)).toEqual({ CS_Open_Tickets__c: 3 });
    expect(agreedValues({ ...input, lastWritten: { CS_Open_Tickets__c: 3 } }, OWNED_ACCOUNT_FIELDS)).toEqual({});
  });
});
