/**
 * The export reader's hand-written check of a raw event accepts exactly what rawEventSchema (the
 * definition at the boundary) accepts, over JSON values shaped like events and arbitrary ones,
 * and reads the same normalized fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctIdOf, fastRawEvent, insertIdOf, rawEventSchema } from '../../../connectors/mixpanel/raw-schemas.ts';

const absent = Symbol('absent');
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, -1, 1e12, 1.5, Number.MAX_SAFE_INTEGER, -1e-9));
const anyJson = fc.jsonValue({ maxDepth: 2 });
const field = (...valid: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof(...valid, fc.constant(absent), fc.constantFrom(null, true, false, '', ' ', '0', [], {}, [1], { a: 1 }), number, fc.string(), anyJson);

const eventShaped = fc
  .record({
    event: field(fc.string({ minLength: 1 })),
    time: field(fc.nat(), fc.constant(1_763_640_000), fc.constant(1_763_640_000_123)),
    distinctId: field(fc.string({ minLength: 1 }), fc.integer()),
    insertId: field(fc.string(), fc.integer()),
    extra: fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
    properties: fc.constantFrom('object', 'array', 'null', 'string', 'absent'),
    top: fc.dictionary(fc.string(), anyJson, { maxKeys: 2 }),
  })
  .map(({ event, time, distinctId, insertId, extra, properties, top }) => {
    const p: Record<string, unknown> = { ...extra };
    if (time !== absent) p.time = time;
    if (distinctId !== absent) p.distinct_id = distinctId;
    if (insertId !== absent) p.$insert_id = insertId;
    const out: Record<string, unknown> = { ...top };
    if (event !== absent) out.event = event;
    if (properties === 'object') out.properties = p;
    else if (properties === 'array') out.properties = [p];
    else if (properties === 'null') out.properties = null;
    else if (properties === 'string') out.properties = JSON.stringify(p);
    return out;
  });

// What the reader sees is always the result of JSON.parse.
const asParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

function agree(value: unknown): void {
  const parsed = rawEventSchema.safeParse(value);
  const fast = fastRawEvent(value);
  expect(fast !== null).toBe(parsed.success);
  if (fast && parsed.success) {
    expect(distinctIdOf(fast)).toBe(parsed.data.properties.distinct_id);
    expect(insertIdOf(fast)).toBe(parsed.data.properties.$insert_id ?? null);
    expect(fast.time).toBe(parsed.data.properties.time);
  }
}

describe('fast raw event check', () => {
  it('accepts <=> rawEventSchema accepts, for event-shaped JSON values', () => {
    fc.assert(fc.property(eventShaped.map(asParsed), (v) => agree(v)), { numRuns: 20_000 });
  });

  it('accepts <=> rawEventSchema accepts, for arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue().map(asParsed), (v) => agree(v)), { numRuns: 5_000 });
  });

  it('covers both answers (the generators are not all-valid or all-invalid)', () => {
    const sample = fc.sample(eventShaped.map(asParsed), { numRuns: 2_000, seed: 7 });
    const accepted = sample.filter((v) => fastRawEvent(v) !== null).length;
    expect(accepted).toBeGreaterThan(20);
    expect(accepted).toBeLessThan(1_980);
  });

  it('the edges by hand', () => {
    const ok = { event: 'e', properties: { time: 0, distinct_id: 0 } };
    for (const v of [
      ok,
      { ...ok, properties: { ...ok.properties, $insert_id: '' } },
      { ...ok, properties: { ...ok.properties, $insert_id: 7 } },
      { event: 'e', properties: { time: 1, distinct_id: '' } },
      { event: '', properties: { time: 1, distinct_id: 'a' } },
      { event: 'e', properties: { time: -1, distinct_id: 'a' } },
      { event: 'e', properties: { time: '1', distinct_id: 'a' } },
      { event: 'e', properties: { time: 1, distinct_id: 'a', $insert_id: null } },
      { event: 'e', properties: { time: 1, distinct_id: 'a', $insert_id: false } },
      { event: 'e', properties: [] },
      [ok],
      null,
      'x',
    ]) agree(v);
  });
});
