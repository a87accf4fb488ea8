import { describe, expect, it } from 'vitest';
import { allowance, BULK_JOB_CALLS, fitToBudget, prioritize } from '../../src/writeback/budget.ts';
import type { AccountChange } from '../../src/writeback/plan.ts';

const change = (id: string, diffs: AccountChange['diffs']): AccountChange => ({ accountId: id, values: {}, diffs, warnings: [] });
const score = (id: string, from: number, to: number, band = false): AccountChange =>
  change(id, [{ field: 'CS_Health_Score__c', key: 'CS_Health_Score__c', old: from, new: to }, ...(band ? [{ field: 'CS_Health_Band__c', key: 'CS_Health_Band__c', old: 'Green', new: 'Red' }] : [])]);

describe('write-back budget', () => {
  it('puts band changes first, then the largest score moves', () => {
    const order = prioritize([score('a', 50, 52), score('b', 80, 60), score('c', 75, 65, true), change('d', [{ field: 'CS_Open_Tickets__c', key: 'CS_Open_Tickets__c', old: 1, new: 2 }])]).map((c) => c.accountId);
    expect(order).toEqual(['c', 'b', 'a', 'd']);
  });

  it.each([
    ['share of the daily max minus what Tidemark used today', { max: 10_000, remaining: 9_000, share: 0.2, usedToday: 500 }, 1_500],
    ['never more than the org has left', { max: 10_000, remaining: 300, share: 0.2, usedToday: 0 }, 300],
    ['zero once the share is used', { max: 10_000, remaining: 9_000, share: 0.2, usedToday: 2_500 }, 0],
  ])('allowance: %s', (_n, b, expected) => {
    expect(allowance(b)).toBe(expected);
  });

  it('sends what fits in the allowance, most important first, and defers the rest', () => {
    const changes = Array.from({ length: 450 }, (_, i) => score(`a${String(i).padStart(3, '0')}`, 50, 50 + (i % 40), i === 449));
    const plan = fitToBudget(changes, 2, 200, 2000);
    expect(plan).toMatchObject({ mode: 'collections', calls: 2 });
    expect(plan.send).toHaveLength(400);
    expect(plan.deferred).toHaveLength(50);
    expect(plan.send[0]?.accountId).toBe('a449');
    expect(plan.deferred.every((c) => (c.diffs[0]?.new as number) - 50 <= 9)).toBe(true);
  });

  it('uses one Bulk API job above the threshold when the budget allows it', () => {
    const changes = Array.from({ length: 2001 }, (_, i) => score(`a${i}`, 1, 2));
    expect(fitToBudget(changes, 100, 200, 2000)).toMatchObject({ mode: 'bulk', calls: BULK_JOB_CALLS });
    expect(fitToBudget(changes, 100, 200, 2000).send).toHaveLength(2001);
    expect(fitToBudget(changes.slice(0, 2000), 100, 200, 2000).mode).toBe('collections');
    expect(fitToBudget([], 100, 200, 2000)).toMatchObject({ mode: 'none', calls: 0 });
  });
});

describe('write-back budget under a field mapping', () => {
  it('ranks by Tidemark value, whatever Salesforce field it is mapped to', () => {
    const mapped = change('m', [{ field: 'Risk_Band__c', key: 'CS_Health_Band__c', old: 'Green', new: 'Red' }]);
    expect(prioritize([score('a', 10, 90), mapped]).map((c) => c.accountId)).toEqual(['m', 'a']);
  });
});
