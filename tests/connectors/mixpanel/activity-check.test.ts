/**
 * The pull's hand-written check of a canonical Mixpanel activity never accepts what the canonical
 * schema (the definition) rejects, and what it accepts is the schema's output itself (same value,
 * same JSON, key order included); over values with the schema's keys in its order it accepts
 * exactly what the schema accepts, and it accepts every activity the day aggregator builds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastMixpanelActivity } from '../../../connectors/mixpanel/activity-check.ts';
import { DayAggregator } from '../../../connectors/mixpanel/day-aggregator.ts';
import { canonicalRecordSchema } from '../../../src/contracts/records.ts';

const absent = Symbol('absent');
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.MAX_SAFE_INTEGER + 2, Infinity, NaN, 1_763_640_000_123));
const anyJson = fc.jsonValue({ maxDepth: 2 });
const junk = fc.oneof(fc.constantFrom(null, undefined, true, false, '', ' ', '0', [], {}, [1], { a: 1 }), number, fc.string(), anyJson);
const dayValue = fc.oneof(fc.constantFrom('2026-11-01', '1970-01-01', '0000-00-00'), fc.constantFrom('2026-11-1', '2026-11-01 ', ' 2026-11-01', '2026-11-01\n', '２026-11-01', '2026/11/01'), fc.string());
const names = fc.oneof(fc.array(fc.string(), { maxLength: 4 }), fc.array(fc.oneof(fc.string(), junk), { maxLength: 3 }));

const FIELDS = ['kind', 'id', 'day', 'distinctId', 'accountId', 'eventCount', 'eventNames', 'firstAt', 'lastAt'] as const;
/** A valid activity, then up to three fields replaced by other values (often invalid) or left out. */
const fields = fc
  .tuple(
    fc.record({
      kind: fc.constant<unknown>('mixpanel.activity'),
      id: fc.string(),
      day: fc.constantFrom('2026-11-01', '1999-12-31'),
      distinctId: fc.string(),
      accountId: fc.option(fc.string(), { nil: null }),
      eventCount: fc.nat(),
      eventNames: fc.array(fc.string(), { maxLength: 4 }),
      firstAt: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom<unknown>(undefined, absent)),
      lastAt: fc.oneof(fc.integer(), fc.constantFrom<unknown>(undefined, absent)),
    }),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(junk, number, dayValue, names, fc.constantFrom<unknown>(absent, 'mixpanel.profile', 'MIXPANEL.ACTIVITY', null))), { maxLength: 3 }),
  )
  .map(([valid, changes]) => {
    const out: Record<string, unknown> = { ...valid };
    for (const [k, v] of changes) out[k] = v;
    return out;
  });

/** The schema's keys in its order (absent ones left out): where the check must agree with zod both ways. */
const canonicalShaped = fields.map((f) => {
  const out: Record<string, unknown> = {};
  for (const k of FIELDS) if (f[k] !== absent) out[k] = f[k];
  return out;
});

/** Any order, extra keys: where the check may decline what zod accepts, never the other way. */
const anyShaped = fc
  .tuple(fields, fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('firstAt', 'lastAt', 'extra')), anyJson, { maxKeys: 2 }), fc.func(fc.integer()), fc.boolean())
  .map(([f, extra, order, shuffle]) => {
    // The schema's order with extra keys after it, or any order.
    const entries: Array<[string, unknown]> = [...FIELDS.filter((k) => f[k] !== absent).map((k): [string, unknown] => [k, f[k]]), ...Object.entries(extra)];
    if (shuffle) entries.sort((a, b) => order(a[0]) - order(b[0]));
    return Object.fromEntries(entries);
  });

function checkSound(value: unknown): void {
  const fast = fastMixpanelActivity(value);
  if (fast === null) return;
  const parsed = canonicalRecordSchema.safeParse(value);
  expect(parsed.success).toBe(true);
  expect(fast).toBe(value);
  expect(parsed.data).toStrictEqual(value);
  expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(value));
}

describe('fastMixpanelActivity', () => {
  it('accepts <=> the canonical schema accepts, for values with its keys in its order; and then is its output', () => {
    fc.assert(
      fc.property(canonicalShaped, (value) => {
        expect(fastMixpanelActivity(value) !== null).toBe(canonicalRecordSchema.safeParse(value).success);
        checkSound(value);
      }),
      { numRuns: 20_000 },
    );
  });

  it('never accepts what the schema rejects, nor anything whose zod output differs, for any order and extra keys', () => {
    fc.assert(fc.property(anyShaped, checkSound), { numRuns: 10_000 });
    fc.assert(fc.property(anyJson, checkSound), { numRuns: 3_000 });
  });

  it('covers both answers, and accepts every activity the day aggregator builds', () => {
    const answers = fc.sample(canonicalShaped, { numRuns: 2_000, seed: 1 }).map((v) => fastMixpanelActivity(v) !== null);
    expect(answers.filter(Boolean).length).toBeGreaterThan(50);
    expect(answers.filter((a) => !a).length).toBeGreaterThan(50);
    const agg = new DayAggregator('account_id');
    const time = Date.parse('2026-11-01T10:00:00Z') / 1000;
    agg.add({ event: 'login', properties: { time, distinct_id: 'u1', $insert_id: 'a' } });
    agg.add({ event: 'report', properties: { time: time + 5, distinct_id: 'u1', $insert_id: 'b', account_id: '001A' } });
    agg.add({ event: 'x'.repeat(3), properties: { time: time * 1000 + 7, distinct_id: 42 } });
    const built = agg.take('2026-11-01');
    expect(built.length).toBe(3);
    for (const a of built) expect(fastMixpanelActivity(a)).toBe(a);
  });
});
