/**
 * Day aggregation with Mixpanel's de-duplication key (event, distinct_id, time, $insert_id): the
 * aggregator, which keeps no string per event, equals a plain reference that keeps a Set of
 * composite keys, for random streams full of repeats and shared $insert_ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DayAggregator, dayOf } from '../../../connectors/mixpanel/day-aggregator.ts';
import { activityId } from '../../../src/contracts/records.ts';

const DAY0 = Date.parse('2026-11-18T00:00:00Z') / 1000;

interface Ev {
  event: string;
  properties: { time: number; distinct_id: string | number; $insert_id?: string | number; account_id?: string };
}

function reference(events: Ev[]): Map<string, { count: number; names: string[]; firstAt: number; lastAt: number }> {
  const seen = new Set<string>();
  const out = new Map<string, { count: number; names: Set<string>; firstAt: number; lastAt: number }>();
  for (const e of events) {
    const p = e.properties;
    const distinct = String(p.distinct_id);
    if (p.$insert_id !== undefined) {
      const key = JSON.stringify([e.event, distinct, p.time, String(p.$insert_id)]);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const account = typeof p.account_id === 'string' && p.account_id.trim() !== '' ? p.account_id.trim() : null;
    const id = activityId(dayOf(p.time), distinct, account);
    const ms = p.time > 1e12 ? p.time : p.time * 1000;
    const b = out.get(id) ?? { count: 0, names: new Set<string>(), firstAt: Infinity, lastAt: -Infinity };
    b.count += 1;
    b.names.add(e.event);
    b.firstAt = Math.min(b.firstAt, ms);
    b.lastAt = Math.max(b.lastAt, ms);
    out.set(id, b);
  }
  return new Map([...out].map(([id, b]) => [id, { count: b.count, names: [...b.names].sort(), firstAt: b.firstAt, lastAt: b.lastAt }]));
}

const event: fc.Arbitrary<Ev> = fc.record({
  event: fc.constantFrom('login', 'report', 'export'),
  time: fc.constantFrom(DAY0 + 10, DAY0 + 11, DAY0 + 86_400 + 5, DAY0 + 2.5, (DAY0 + 20) * 1000),
  distinct: fc.constantFrom<string | number>('a', 'b', 7, '7'),
  insert: fc.option(fc.constantFrom<string | number>('i1', 'i2', 3, '3'), { nil: undefined }),
  account: fc.option(fc.constantFrom('001A', ' 001A ', ''), { nil: undefined }),
}).map(({ event: name, time, distinct, insert, account }) => ({
  event: name,
  properties: { time, distinct_id: distinct, ...(insert === undefined ? {} : { $insert_id: insert }), ...(account === undefined ? {} : { account_id: account }) },
}));

describe('day aggregation and de-duplication', () => {
  it('equals a composite-key reference for any stream (repeats, shared $insert_ids, no $insert_id, ms times)', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const agg = new DayAggregator('account_id');
        for (const e of events) agg.add(e);
        const want = reference(events);
        const days = [...new Set(events.map((e) => dayOf(e.properties.time)))];
        const got = days.flatMap((d) => agg.take(d));
        expect(new Map(got.map((r) => [r.id, { count: r.eventCount, names: r.eventNames, firstAt: r.firstAt, lastAt: r.lastAt }]))).toEqual(want);
        expect(agg.events + agg.duplicates).toBe(events.length);
      }),
      { numRuns: 2_000 },
    );
  });

  it('same $insert_id: a duplicate only with the same event, distinct_id and time', () => {
    const agg = new DayAggregator('account_id');
    const at = DAY0 + 100;
    agg.add({ event: 'login', properties: { time: at, distinct_id: 'a', $insert_id: 'x' } });
    agg.add({ event: 'login', properties: { time: at, distinct_id: 'a', $insert_id: 'x' } }); // duplicate
    agg.add({ event: 'report', properties: { time: at, distinct_id: 'a', $insert_id: 'x' } }); // another event
    agg.add({ event: 'login', properties: { time: at + 1, distinct_id: 'a', $insert_id: 'x' } }); // another time
    agg.add({ event: 'report', properties: { time: at, distinct_id: 'a', $insert_id: 'x' } }); // duplicate of the 3rd
    agg.add({ event: 'login', properties: { time: at, distinct_id: 'b', $insert_id: 'x' } }); // another person
    agg.add({ event: 'login', properties: { time: at, distinct_id: 'a' } }); // no $insert_id: never a duplicate
    agg.add({ event: 'login', properties: { time: at, distinct_id: 'a' } });
    expect(agg.duplicates).toBe(2);
    expect(agg.take(dayOf(at)).map((r) => [r.distinctId, r.eventCount])).toEqual([['a', 5], ['b', 1]]);
  });

  it('keeps every distinct event name of a bucket, beyond the first 31 seen', () => {
    const agg = new DayAggregator('account_id');
    const names = Array.from({ length: 40 }, (_, i) => `feature ${String(39 - i).padStart(2, '0')}`);
    for (const [i, name] of names.entries()) agg.add({ event: name, properties: { time: DAY0 + i, distinct_id: i % 2 === 0 ? 'a' : 'b', $insert_id: `n${i}` } });
    for (const name of names) agg.add({ event: name, properties: { time: DAY0 + 50, distinct_id: 'c' } });
    const byPerson = new Map(agg.take(dayOf(DAY0)).map((r) => [r.distinctId, r.eventNames]));
    expect(byPerson.get('a')).toEqual(names.filter((_, i) => i % 2 === 0).sort());
    expect(byPerson.get('b')).toEqual(names.filter((_, i) => i % 2 === 1).sort());
    expect(byPerson.get('c')).toEqual([...names].sort());
  });
});
