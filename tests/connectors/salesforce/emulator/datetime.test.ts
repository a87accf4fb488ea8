/** The emulator's datetime helpers: memoized, and exactly the plain conversion, before and after the cache is full. */
import { describe, expect, it } from 'vitest';
import { instantOf, toSalesforceDateTime } from '../../../../connectors/salesforce/emulator/datetime.ts';

const plainFormat = (s: string): string => {
  const d = new Date(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(d.getTime()) ? s : d.toISOString().replace('Z', '+0000');
};

describe('emulator datetimes', () => {
  it('answers each string as the plain conversion does, the first time and from the cache, across a cache clear', () => {
    const inputs: string[] = [];
    for (let i = 0; i < 600_000; i += 1) {
      const t = Date.UTC(2026, 0, 1) + i * 997_000;
      const iso = new Date(t).toISOString();
      inputs.push(i % 3 === 0 ? iso : i % 3 === 1 ? iso.replace('Z', '+0000') : iso.replace('Z', '-0230'));
    }
    inputs.push('2026-02-30T00:00:00.000+0000', 'not a date', '2026-11-20T12:00:00Z');
    for (const round of [1, 2]) {
      for (let i = 0; i < inputs.length; i += 997) {
        const s = inputs[i] as string;
        expect(toSalesforceDateTime(s), `${s} round ${round}`).toBe(plainFormat(s));
        expect(instantOf(s)).toBe(Date.parse(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
      }
      // Fill past the bound: the cache is cleared and answers stay exact.
      for (const s of inputs) toSalesforceDateTime(s);
    }
    expect(toSalesforceDateTime('2026-02-30T00:00:00.000+0000')).toBe('2026-03-02T00:00:00.000+0000');
    expect(Number.isNaN(instantOf('not a date'))).toBe(true);
  });
});
