import { describe, expect, it } from 'vitest';
import { OWNED_ACCOUNT_FIELDS } from '../../src/writeback/field-specs.ts';
import { mapFields, mappingProblems, parseMapping } from '../../src/writeback/mapping.ts';
import { preflightProblems, typedByDescribe, type DescribedField } from '../../src/writeback/describe-types.ts';
import { coerce, planAccountChange } from '../../src/writeback/plan.ts';

const now = new Date('2026-11-20T12:00:00Z');
const describeOf = (overrides: Record<string, Partial<DescribedField> | null> = {}): DescribedField[] =>
  OWNED_ACCOUNT_FIELDS.flatMap((s) => {
    const o = overrides[s.name];
    if (o === null) return [];
    return [{ name: s.name, type: s.type, updateable: true, length: s.length ?? 0, precision: s.precision ?? 0, scale: s.scale ?? 0, ...o }];
  });

describe('field mapping', () => {
  it('sends a value to the field it is mapped to and keeps Tidemark\'s name as its key', () => {
    const specs = mapFields(OWNED_ACCOUNT_FIELDS, { CS_Health_Score__c: 'Health__c' });
    expect(specs.find((s) => s.key === 'CS_Health_Score__c')?.name).toBe('Health__c');
    const change = planAccountChange({ accountId: 'a', current: { Health__c: 40, CS_Health_Score__c: 99 }, desired: { CS_Health_Score__c: 55 } }, specs, now);
    expect(change?.values).toEqual({ Health__c: 55, CS_Health_Updated__c: '2026-11-20T12:00:00.000Z' });
    expect(change?.diffs[0]).toMatchObject({ field: 'Health__c', key: 'CS_Health_Score__c', old: 40, new: 55 });
  });

  it.each([
    ['an unknown value', { Nope__c: 'X__c' }, /Nope__c, which is not a value Tidemark writes/],
    ['two values on one field', { CS_NPS__c: 'CS_Health_Score__c' }, /sends two values to CS_Health_Score__c/],
  ])('reports %s', (_name, mapping, message) => {
    expect(mappingProblems(mapping).join('\n')).toMatch(message);
  });

  it('accepts the defaults and rejects a field name that is not a custom field', () => {
    expect(mappingProblems({})).toEqual([]);
    expect(parseMapping(null)).toEqual({});
    expect(() => parseMapping(JSON.stringify({ CS_NPS__c: 'Name' }))).toThrow(/custom field API name/);
  });
});

describe('pre-flight through describe', () => {
  it.each([
    ['a missing field', { CS_Health_Score__c: null }, 'CS_Health_Score__c does not exist on Account: deploy the shipped metadata (connectors/salesforce/metadata) or map another field'],
    ['a read-only field', { CS_NPS__c: { updateable: false } }, 'CS_NPS__c on Account is not updateable by the integration user: assign the permission set Tidemark_Integration (connectors/salesforce/metadata) or map another field'],
    ['an incompatible type', { CS_Health_Updated__c: { type: 'string' } }, 'CS_Health_Updated__c on Account has type string, Tidemark writes datetime: change the field type or map another field'],
  ])('one clear error for %s', (_name, overrides, message) => {
    expect(preflightProblems(OWNED_ACCOUNT_FIELDS, describeOf(overrides))).toEqual([message]);
  });

  it('one error per field, naming the mapping', () => {
    const specs = mapFields(OWNED_ACCOUNT_FIELDS, { CS_NPS__c: 'Nps_Score__c' });
    const problems = preflightProblems(specs, describeOf({ CS_Health_Score__c: null, CS_Health_Band__c: null }));
    expect(problems).toHaveLength(3);
    expect(problems[2]).toMatch(/^Nps_Score__c \(mapped from CS_NPS__c\) does not exist on Account/);
  });

  it('accepts compatible describe types (int and currency for numbers, text for picklists)', () => {
    expect(preflightProblems(OWNED_ACCOUNT_FIELDS, describeOf({ CS_Open_Tickets__c: { type: 'int' }, CS_NPS__c: { type: 'currency' }, CS_Health_Band__c: { type: 'string' } }))).toEqual([]);
  });
});

describe('values typed by describe', () => {
  const typed = (overrides: Record<string, Partial<DescribedField>>) => typedByDescribe(OWNED_ACCOUNT_FIELDS, describeOf(overrides));
  const spec = (specs: ReturnType<typeof typed>, name: string) => specs.find((s) => s.name === name) ?? OWNED_ACCOUNT_FIELDS[0]!;

  it.each([
    ['a longer text field in the org keeps more characters', { CS_Next_Milestone__c: { length: 400 } }, 'CS_Next_Milestone__c', 'x'.repeat(300), 'x'.repeat(300)],
    ['a shorter one truncates', { CS_Next_Milestone__c: { length: 10 } }, 'CS_Next_Milestone__c', 'Kick-off meeting', 'Kick-off m'],
    ['a number with two decimals keeps them', { CS_NPS__c: { scale: 2, precision: 6 } }, 'CS_NPS__c', 12.345, 12.35],
    ['an int field rounds to whole numbers', { CS_NPS__c: { type: 'int', scale: 3 } }, 'CS_NPS__c', 12.5, 13],
  ])('%s', (_name, overrides, field, value, expected) => {
    expect(coerce(spec(typed(overrides), field), value)).toEqual(expected);
  });

  it('takes active picklist values from describe', () => {
    const specs = typed({ CS_Health_Band__c: { picklistValues: [{ value: 'Green' }, { value: 'Amber' }, { value: 'Red', active: false }] } });
    expect(spec(specs, 'CS_Health_Band__c').picklist).toEqual(['Green', 'Amber']);
    const change = planAccountChange({ accountId: 'a', current: {}, desired: { CS_Health_Band__c: 'Red' } }, specs, now);
    expect(change).toBeNull();
  });

  it('does not send a number wider than the field, and says so', () => {
    const change = planAccountChange({ accountId: 'a', current: { CS_Health_Score__c: 50 }, desired: { CS_Health_Score__c: 1000, CS_NPS__c: 10 } }, OWNED_ACCOUNT_FIELDS, now);
    expect(change?.values).toEqual({ CS_NPS__c: 10 });
    expect(change?.warnings).toEqual(['CS_Health_Score__c not written: 1000 does not fit Number(3,0); widen the field or map another one']);
  });
});
