/** Salesforce ids: the real 15 -> 18 checksum, case restored from an 18-character suffix. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAccountId, isSalesforceId, toSalesforceId18 } from '../../src/identity/salesforce-id.ts';

describe('toSalesforceId18', () => {
  it.each([
    ['documented example', '001D000000IqhSL', '001D000000IqhSLIAZ'],
    ['all lower case and digits', '001000000000001', '001000000000001AAA'],
    ['every letter upper case in each block', '001ABCDEFGHIJKL', '001ABCDEFGHIJKLY55'],
    ['surrounding blanks', '  001D000000IqhSL ', '001D000000IqhSLIAZ'],
    ['18 characters stay as they are', '001D000000IqhSLIAZ', '001D000000IqhSLIAZ'],
    ['lower-cased 18 characters get their case back', '001d000000iqhsliaz', '001D000000IqhSLIAZ'],
    ['upper-cased 18 characters get their case back', '001D000000IQHSLIAZ', '001D000000IqhSLIAZ'],
  ])('%s: %s -> %s', (_name, input, expected) => {
    expect(toSalesforceId18(input)).toBe(expected);
  });

  it.each([
    ['too short', '001D000000IqhS'],
    ['16 characters', '001D000000IqhSLI'],
    ['punctuation', '001D000000Iq-SL'],
    ['empty', ''],
    ['suffix marks a digit as upper case', '001000000000001ZZZ'],
    ['suffix character outside the checksum alphabet', '001000000000001AA9'],
  ])('rejects %s', (_name, input) => {
    expect(toSalesforceId18(input)).toBeNull();
    expect(isSalesforceId(input)).toBe(false);
  });

  it('is idempotent, case-insensitive on 18 characters, and keeps the 15-character prefix', () => {
    const id15 = fc.stringMatching(/^[a-zA-Z0-9]{15}$/);
    fc.assert(fc.property(id15, (id) => {
      const id18 = toSalesforceId18(id);
      expect(id18).not.toBeNull();
      expect(id18?.slice(0, 15)).toBe(id);
      expect(toSalesforceId18(id18 ?? '')).toBe(id18);
      expect(toSalesforceId18((id18 ?? '').toLowerCase())).toBe(id18);
    }));
  });

  it('isAccountId needs the Account key prefix 001', () => {
    expect(isAccountId('001D000000IqhSL')).toBe(true);
    expect(isAccountId('003D000000IqhSL')).toBe(false);
    expect(isAccountId(42)).toBe(false);
  });
});
