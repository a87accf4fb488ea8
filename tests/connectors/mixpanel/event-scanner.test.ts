/**
 * The event scanner answers only when it is sure: every line it accepts is valid JSON, an event
 * fastRawEvent accepts, with the same fields as JSON.parse + fastRawEvent + the aggregator's
 * reading of the account property. Checked over event-shaped lines (repeated keys, escapes,
 * whitespace, nested values), the same lines mutated character by character, and arbitrary JSON;
 * and the scanner must not decline the plain lines an export is made of.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventScanner } from '../../../connectors/mixpanel/event-scanner.ts';
import { distinctIdOf, fastRawEvent, insertIdOf } from '../../../connectors/mixpanel/raw-schemas.ts';
import { DayAggregator, dayNumberOf } from '../../../connectors/mixpanel/day-aggregator.ts';

const ACCOUNT = 'account_id';

interface Fields {
  event: string;
  time: number;
  distinctId: string;
  insertId: string | null;
  account: string | null;
}

/** What the slow path reads from a line: null when JSON.parse or fastRawEvent declines it. */
function slow(line: string, account = ACCOUNT): Fields | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const p = fastRawEvent(value);
  if (p === null) return null;
  const raw = p[account];
  return { event: (value as { event: string }).event, time: p.time as number, distinctId: distinctIdOf(p), insertId: insertIdOf(p), account: typeof raw === 'string' ? raw : null };
}

function scanned(scanner: EventScanner, text: string, from: number, to: number): Fields | null {
  if (!scanner.scan(text, from, to)) return null;
  return { event: scanner.event, time: scanner.time, distinctId: scanner.distinctId, insertId: scanner.insertId, account: scanner.account };
}

/** Accepted => the slow path accepts with the same fields (time compared with Object.is: -0). */
function sound(line: string, account = ACCOUNT): boolean {
  const scanner = new EventScanner(account);
  const fast = scanned(scanner, line, 0, line.length);
  // In place inside a larger text, the answer is the same (the scanner stays within its range).
  const before = '{"event":"x","properties":{"time":1,"distinct_id":"a"}}\n"}]';
  const after = ',"x":1}}]"\n{';
  const inPlace = scanned(scanner, before + line + after, before.length, before.length + line.length);
  expect(inPlace).toEqual(fast);
  if (fast === null) return false;
  const expected = slow(line, account);
  expect(expected).not.toBeNull();
  expect(fast).toEqual(expected);
  expect(Object.is(fast.time, expected?.time)).toBe(true);
  return true;
}

const key = fc.constantFrom('event', 'properties', 'time', 'distinct_id', '$insert_id', ACCOUNT, 'other', '', 'ev\\u0065nt', 'tim\\u0065', 'distinct\\u005fid', 'account_id ', '__proto__');
const plainText = fc.string({ unit: fc.constantFrom('a', 'b', '-', '1', ' ', 'é', '\u2028', '😀') });
const anyString = fc.oneof(plainText, fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', 'x', ' acc-1 '));
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('0', '-0', '1e400', '-1e400', '1.5e3', '1E+2', '0.0', '1763640000', '1763640000123', '-1', '2e-5'),
);
const scalarText = fc.oneof(anyString.map((s) => JSON.stringify(s)), numberText, fc.constantFrom('true', 'false', 'null', '"\\u0041b"', '"a\\"b"', '"a\\\\"'));
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: scalarText },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);
const ws = fc.constantFrom('', '', '', ' ', '\t', '\r\n ', '  ');

/** An object text from key/value pairs (repeated keys allowed), with whitespace between tokens. */
const objectText = (members: fc.Arbitrary<[string, string][]>): fc.Arbitrary<string> =>
  fc.tuple(members, fc.array(ws, { minLength: 64, maxLength: 64 })).map(([pairs, spaces]) => {
    const s = (i: number): string => spaces[i % spaces.length] as string;
    return `{${s(0)}${pairs.map(([k, v], i) => `"${k}"${s(i + 1)}:${s(i + 2)}${v}`).join(`${s(3)},${s(5)}`)}${s(7)}}`;
  });

/** Members in any order: the required ones (usually valid) and random ones, keys repeated at times. */
const members = (required: fc.Arbitrary<[string, string]>[], extra: fc.Arbitrary<[string, string]>): fc.Arbitrary<[string, string][]> =>
  fc.tuple(fc.tuple(...required), fc.array(extra, { maxLength: 4 })).chain(([req, more]) => {
    const all = [...req, ...more];
    return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
  });
const member = (k: string, ...values: fc.Arbitrary<string>[]): fc.Arbitrary<[string, string]> => fc.tuple(fc.constant(k), fc.oneof(...values));
const propertiesText = objectText(
  members(
    [member('time', numberText, fc.constantFrom('1763640000', '1763640000123')), member('distinct_id', fc.constantFrom('"user-1"', '"u"'), valueText), member(ACCOUNT, fc.constantFrom('"001A"', '" 001A "', '""'), valueText)],
    fc.tuple(key, fc.oneof({ weight: 3, arbitrary: valueText }, { weight: 1, arbitrary: fc.constantFrom('"user-1"', '"ins-1"', '1763640000', '"001A"', '" 001A "') })),
  ),
);
const eventLine = objectText(
  members(
    [member('event', fc.constantFrom('"signup"', '"e"', '"é😀"'), valueText), member('properties', propertiesText)],
    fc.tuple(key, fc.oneof({ weight: 2, arbitrary: propertiesText }, { weight: 2, arbitrary: valueText }, { weight: 1, arbitrary: fc.constantFrom('"signup"', '""', '"e"') })),
  ),
);

/** A valid event serialized by JSON.stringify, as an export line usually is. */
const exportEvent = fc
  .record({
    event: plainText.filter((s) => s.length > 0),
    time: fc.oneof(fc.nat(), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.constant(1_763_640_000_123)),
    distinct_id: plainText.filter((s) => s.length > 0),
    $insert_id: fc.option(plainText, { nil: undefined }),
    account_id: fc.option(fc.oneof(plainText, fc.integer()), { nil: undefined }),
    // Keys as an export writes them (no escape sequence), any values.
    extra: fc.dictionary(plainText, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  })
  .map(({ event, extra, ...p }) => JSON.stringify({ event, properties: { ...extra, ...p } }));

const mutate = (line: string, at: number, edit: number, c: string): string => {
  const i = line.length === 0 ? 0 : at % line.length;
  if (edit === 0) return line.slice(0, i) + line.slice(i + 1);
  if (edit === 1) return line.slice(0, i) + c + line.slice(i);
  return line.slice(0, i) + c + line.slice(i + 1);
};
const editChar = fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', ' ', '0', '-', '+', 'e', 'E', '.', 'a', 'n', 'u', '\u0000', '\u0001', '\u001f', '\u007f', '\u2028');

describe('event scanner', () => {
  it('accepted => JSON.parse and fastRawEvent accept, with the same fields (event-shaped lines)', () => {
    fc.assert(fc.property(eventLine, (line) => void sound(line)), { numRuns: 20_000 });
  });

  it('accepted => the slow path accepts, with the same fields (lines mutated by one character)', () => {
    fc.assert(fc.property(fc.oneof(eventLine, exportEvent), fc.nat(), fc.nat(2), editChar, (line, at, edit, c) => void sound(mutate(line, at, edit, c))), { numRuns: 20_000 });
  });

  it('accepted => the slow path accepts (arbitrary JSON texts)', () => {
    fc.assert(fc.property(fc.jsonValue().map((v) => JSON.stringify(v)), (line) => void sound(line)), { numRuns: 5_000 });
  });

  it('reads every plain export line itself (equal to the slow path)', () => {
    fc.assert(
      fc.property(exportEvent, (line) => {
        expect(sound(line)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('covers both answers on the event-shaped lines', () => {
    const sample = fc.sample(eventLine, { numRuns: 5_000, seed: 11 });
    const scanner = new EventScanner(ACCOUNT);
    const accepted = sample.filter((l) => scanner.scan(l, 0, l.length)).length;
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(4_950);
  });

  it('the edges by hand', () => {
    const base = (p: string): string => `{"event":"e","properties":{${p}}}`;
    const cases: Array<[string, boolean]> = [
      [base('"time":1,"distinct_id":"a"'), true],
      [base('"time":-0,"distinct_id":"a"'), true],
      [base('"time":1e400,"distinct_id":"a"'), false],
      [base('"time":-1,"distinct_id":"a"'), false],
      [base('"time":01,"distinct_id":"a"'), false],
      [base('"time":1.,"distinct_id":"a"'), false],
      [base('"time":1,"distinct_id":""'), false],
      [base('"time":1,"distinct_id":7'), false], // valid, but the scanner leaves numbers to the slow path
      [base('"time":1,"distinct_id":"a","$insert_id":null'), false],
      [base('"time":1,"distinct_id":"a","$insert_id":"x","$insert_id":"y"'), true],
      [base('"time":1,"distinct_id":"a","account_id":" 001 ","account_id":5'), true],
      [base('"time":1,"distinct_id":"a\\u0062"'), false],
      [base('"tim\\u0065":1,"distinct_id":"a"'), false],
      [base('"time":1,"distinct_id":"a","x":"\\u00e9\\n","y":[1,{"z":null}]'), true],
      [base('"time":1,"distinct_id":"a","x":"\u0001"'), false],
      [base('"time":1,"distinct_id":"a","x":"\u001f"'), false],
      [base('"time":1,"distinct_id":"a\u007f"'), true],
      [base('"time":1,"distinct_id":"a",'), false],
      [`${base('"time":1,"distinct_id":"a"')} x`, false],
      [`{"event":"e","event":"","properties":{"time":1,"distinct_id":"a"}}`, false],
      [`{"event":"","event":"e","properties":{"time":1,"distinct_id":"a"}}`, true],
      [`{"event":"e","properties":{"time":1,"distinct_id":"a"},"properties":{"time":2}}`, false],
      [`{"event":"e","properties":{"time":1,"distinct_id":"a"},"properties":[]}`, false],
      [`{"event":"e","properties":{"time":1,"distinct_id":"a"},"__proto__":{"event":""}}`, true],
      [`{"event":"e","properties":${'['.repeat(70)}${']'.repeat(70)}}`, false],
    ];
    for (const [line, accepted] of cases) {
      expect(sound(line), line).toBe(accepted);
    }
  });

  it('one scanner over lines of one text in any order answers as a fresh one for each', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(exportEvent, eventLine, fc.tuple(exportEvent, fc.nat(), fc.nat(2), editChar).map(([l, at, edit, c]) => mutate(l, at, edit, c))), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 16 }), (lines, order) => {
        const text = lines.join('\n');
        const offsets: Array<[number, number]> = [];
        let from = 0;
        for (const l of lines) {
          offsets.push([from, from + l.length]);
          from += l.length + 1;
        }
        const shared = new EventScanner(ACCOUNT);
        for (const k of [...order, ...offsets.keys()]) {
          const [a, b] = offsets[k % offsets.length] as [number, number];
          expect(scanned(shared, text, a, b)).toEqual(scanned(new EventScanner(ACCOUNT), text, a, b));
        }
      }),
      { numRuns: 3_000 },
    );
    // A control character before the place the scanner last looked from.
    const bad = '{"event":"e","properties":{"time":1,"distinct_id":"a\u0001"}}';
    const good = '{"event":"e","properties":{"time":1,"distinct_id":"a"}}';
    const text = `${bad}\n${good}`;
    const scanner = new EventScanner(ACCOUNT);
    expect(scanner.scan(text, bad.length + 1, text.length)).toBe(true);
    expect(scanner.scan(text, 0, bad.length)).toBe(false);
  });

  it('scans nothing when the account property is one the aggregator normalizes', () => {
    const line = '{"event":"e","properties":{"time":1,"distinct_id":"a","$insert_id":"i"}}';
    for (const name of ['distinct_id', '$insert_id', 'time', '__proto__']) expect(new EventScanner(name).scan(line, 0, line.length)).toBe(false);
    expect(sound(line, 'plan')).toBe(true);
  });

  it('an aggregator fed by the scanner lands the same day activities as one fed by JSON.parse', () => {
    const line = fc
      .record({
        event: fc.constantFrom('open', 'a_rather_long_event_name', 'é'),
        day: fc.nat(2),
        second: fc.nat(3),
        user: fc.constantFrom('u1', 'u2', 'a-distinct-id-of-36-characters-00000'),
        insert: fc.option(fc.constantFrom('i1', 'i2', 'an-insert-id-longer-than-13'), { nil: undefined }),
        account: fc.option(fc.constantFrom('001A', ' 001A ', '001B-with-a-long-account-id', '', 7), { nil: undefined }),
      })
      .map(({ event, day, second, user, insert, account }) => JSON.stringify({ event, properties: { time: 1_763_596_800 + day * 86_400 + second, distinct_id: user, $insert_id: insert, account_id: account } }));
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 5, arbitrary: line }, { weight: 1, arbitrary: eventLine }), { maxLength: 60 }), (lines) => {
        const viaScanner = new DayAggregator(ACCOUNT);
        const viaParse = new DayAggregator(ACCOUNT);
        const scanner = new EventScanner(ACCOUNT);
        const text = lines.join('\n');
        let from = 0;
        for (const l of lines) {
          const p = slow(l);
          if (scanner.scan(text, from, from + l.length)) viaScanner.addFields(scanner.event, scanner.time, scanner.distinctId, scanner.insertId, scanner.account, dayNumberOf(scanner.time));
          else if (p) viaScanner.addRaw(p.event, JSON.parse(l).properties, dayNumberOf(p.time));
          if (p) viaParse.addRaw(p.event, JSON.parse(l).properties, dayNumberOf(p.time));
          from += l.length + 1;
        }
        expect(viaScanner.duplicates).toBe(viaParse.duplicates);
        for (let d = -1; d < 4; d += 1) {
          const day = dayNumberOf(1_763_596_800) + d;
          expect(viaScanner.take(day)).toEqual(viaParse.take(day));
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
