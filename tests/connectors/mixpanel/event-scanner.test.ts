/**
 * The event scanner answers only when it is sure: every line it accepts is valid JSON, an event
 * fastRawEvent accepts, with the same fields as JSON.parse + fastRawEvent + the aggregator's
 * reading of the account property. Checked over event-shaped lines (repeated keys, escapes,
 * whitespace, nested values), the same lines mutated character by character, and arbitrary JSON;
 * and the scanner must not decline the lines an export is made of (the export's own shape).
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

function scanned(scanner: EventScanner, text: string): Fields | null {
  if (!scanner.scan(text)) return null;
  return { event: scanner.event, time: scanner.time, distinctId: scanner.distinctId, insertId: scanner.insertId, account: scanner.account };
}

/** Accepted => the slow path accepts with the same fields (time compared with Object.is: -0). */
function sound(line: string, account = ACCOUNT): boolean {
  const scanner = new EventScanner(account);
  const fast = scanned(scanner, line);
  // As the reader hands it out: a slice of a chunk's text (a sliced string in V8 from 13 characters on).
  const before = '{"event":"x","properties":{"time":1,"distinct_id":"a"}}\n"}]';
  const chunk = `${before}${line}\n{"event":"y"`;
  expect(scanned(scanner, chunk.slice(before.length, before.length + line.length))).toEqual(fast);
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

/** Values whose JSON text has no escape, nested as the scanner reads them: the property values an export line is made of. */
const plainScalar = fc.oneof(plainText, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const plainKey = fc.oneof(plainText, fc.constantFrom('time', 'distinct_id', '$insert_id', ACCOUNT));
const plainInner = fc.oneof({ weight: 3, arbitrary: plainScalar }, { weight: 1, arbitrary: fc.array(plainScalar, { maxLength: 3 }) });
const plainNested = fc.oneof({ weight: 3, arbitrary: plainInner }, { weight: 1, arbitrary: fc.dictionary(plainKey, plainInner, { maxKeys: 3 }) });
const plainValue = fc.oneof(
  { weight: 6, arbitrary: plainScalar },
  { weight: 1, arbitrary: fc.array(plainNested, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(plainKey, plainInner, { maxKeys: 3 }) },
);

/** A valid event serialized by JSON.stringify in the export's shape (no escape, flat properties). */
const plainExportEvent = fc
  .record({
    event: plainText.filter((s) => s.length > 0),
    time: fc.oneof(fc.nat(), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.constant(1_763_640_000_123)),
    distinct_id: fc.oneof(plainText.filter((s) => s.length > 0), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    $insert_id: fc.option(fc.oneof(plainText, fc.integer()), { nil: undefined }),
    account_id: fc.option(fc.oneof(plainText, fc.integer()), { nil: undefined }),
    extra: fc.dictionary(plainText.filter((k) => !['time', 'distinct_id', '$insert_id', ACCOUNT].includes(k)), plainValue, { maxKeys: 6 }),
  })
  .map(({ event, extra, ...p }) => JSON.stringify({ event, properties: { ...extra, ...p } }));

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

  it('reads every line in the export\'s shape itself (equal to the slow path)', () => {
    fc.assert(
      fc.property(plainExportEvent, (line) => {
        expect(sound(line)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads the real-shaped export samples itself (equal to the slow path)', () => {
    // The first line of each export_raw sample in /work/shared/fixtures/api-samples/mixpanel (Adobe
    // AEP docs, Airbyte, Camunda: a list and an object among the properties; Mixpanel's docs: no distinct_id).
    const lines = [
      '{"event":"Items purchased","properties":{"time":1652825148,"distinct_id":"test@test.com","$insert_id":"935d87b1-00cd-41b7-be34-b9d98dd08b70","$mp_api_endpoint":"api.mixpanel.com","$mp_api_timestamp_ms":1652850348643,"item_id":"29066","item_name":"charger","item_price":"800.00","mp_processing_time_ms":1652850348702}}',
      '{"event":"Viewed E-commerce Page","properties":{"time":1623860880,"distinct_id":"1d694fd9-31a5-4b99-9eef-ae63112063ed","$browser":"Chrome","$browser_version":"91.0.4472.101","$current_url":"https://unblockdata.com/solutions/e-commerce/","$insert_id":"c5eed127-c747-59c8-a5ed-d766f48e39a4","$mp_api_endpoint":"api.mixpanel.com","mp_lib":"Segment: analytics-wordpress","mp_processing_time_ms":1623886083321,"noninteraction":true}}',
      '{"event":"modeler:deploy:confirm","properties":{"time":1721228056.002,"distinct_id":"auth0|FAKE0000000000000000000001","$browser":"Microsoft Edge","$browser_version":126,"$city":"Gotham City","$current_url":"https://modeler.camunda.io/diagrams/a8c077ae-22d6-4be3-bebb-a847f40376fe--batsymbol-activate?v=736,217,1","$device_id":"fakedevice0000-0000000000000-00000000-00000-fakedevice0000","$initial_referrer":"https://console.camunda.io/","$initial_referring_domain":"console.camunda.io","$insert_id":"xjsmufevamu6v5y7","$lib_version":"2.53.0","$mp_api_endpoint":"api-js.mixpanel.com","$mp_api_timestamp_ms":1721228056805,"$os":"Windows","$referrer":"https://dsm-1.operate.camunda.io/","$referring_domain":"dsm-1.operate.camunda.io","$region":"New Jersey","$screen_height":1080,"$screen_width":1920,"$user_id":"auth0|FAKE0000000000000000000001","clusterId":"ea9ddef9-f1e3-4241-a37c-655334c45de8","clusterTag":"dev","clusterVersion":"8.5","connectors":["io.camunda.connectors.HttpJson.v2"],"containsUserTasks":true,"deployType":"single-file","deployedForms":{"Form_0ec4ghh":"764a75e7-85a8-448f-8a1f-4952cc8a189d"},"fileId":"a8c077ae-22d6-4be3-bebb-af97040123fe","fileType":"bpmn","license":"Free","mp_country_code":"US","mp_lib":"web","mp_processing_time_ms":1721228056937,"mp_sent_by_lib_version":"2.53.0","orgId":"00000000-fake-4000-8000-000000000001","org_id":"00000000-fake-4000-8000-000000000001","organizationId":"00000000-fake-4000-8000-000000000001","stage":"prod","success":true,"userId":"auth0|FAKE0000000000000000000001","version":"8.5.4"}}',
      '{"event":"Signed up","properties":{"time":1602611311,"$insert_id":"hpuDqcvpltpCjBsebtxwadtEBDnFAdycabFb","mp_processing_time_ms":1602625711874}}',
    ];
    for (const line of lines.slice(0, 3)) expect(sound(line), line).toBe(true);
    // fastRawEvent rejects an event without distinct_id: declined, as the slow path declines it.
    expect(slow(lines[3] as string)).toBeNull();
    expect(sound(lines[3] as string)).toBe(false);
  });

  it('covers both answers on export lines, whole and mutated', () => {
    const sample = fc.sample(fc.oneof(plainExportEvent, fc.tuple(plainExportEvent, fc.nat(), fc.nat(2), editChar).map(([l, at, edit, c]) => mutate(l, at, edit, c))), { numRuns: 5_000, seed: 11 });
    const scanner = new EventScanner(ACCOUNT);
    const accepted = sample.filter((l) => scanner.scan(l)).length;
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(4_950);
  });

  it('the edges by hand', () => {
    const base = (p: string): string => `{"event":"e","properties":{${p}}}`;
    const cases: Array<[string, boolean]> = [
      [base('"time":1,"distinct_id":"a"'), true],
      [base('"distinct_id":"a","time":1'), true],
      [base('"time":-0,"distinct_id":"a"'), true],
      [base('"time":1763640000.5,"distinct_id":"a"'), true],
      [base('"time":1.5e3,"distinct_id":"a"'), true],
      [base('"time":1234567890123456789,"distinct_id":"a"'), true],
      [base('"time":1e400,"distinct_id":"a"'), false],
      [base('"time":-1,"distinct_id":"a"'), false],
      [base('"time":01,"distinct_id":"a"'), false],
      [base('"time":1.,"distinct_id":"a"'), false],
      [base('"time":"1","distinct_id":"a"'), false],
      [base('"distinct_id":"a"'), false],
      [base('"time":1'), false],
      [base('"time":1,"distinct_id":""'), false],
      [base('"time":1,"distinct_id":7'), true],
      [base('"time":1,"distinct_id":-7.5e1'), true],
      [base('"time":1,"distinct_id":1e400'), false],
      [base('"time":1,"distinct_id":true'), false],
      [base('"time":1,"distinct_id":["a"]'), false],
      [base('"time":1,"distinct_id":"a","$insert_id":""'), true],
      [base('"time":1,"distinct_id":"a","$insert_id":12'), true],
      [base('"time":1,"distinct_id":"a","$insert_id":null'), false],
      [base('"time":1,"distinct_id":"a","$insert_id":"x","$insert_id":"y"'), false], // JSON.parse keeps the last: left to it
      [base('"time":1,"time":2,"distinct_id":"a"'), false],
      [base('"time":1,"distinct_id":"a","account_id":" 001 ","account_id":5'), false],
      [base('"time":1,"distinct_id":"a","account_id":5'), true],
      [base('"time":1,"distinct_id":"a","account_id":"001","x":[1,"a]b,\\"c",null,[]]'), false],
      [base('"time":1,"distinct_id":"a","account_id":"001","x":[1,"a]b,c",null,true]'), true],
      [base('"time":1,"distinct_id":"a","x":[]'), true],
      [base('"time":1,"distinct_id":"a","x":{}'), true],
      [base('"x":{"time":5,"distinct_id":""},"time":1,"distinct_id":"a","y":[{"$insert_id":null}]'), true],
      [base('"x":{"a":[1,2],"b":{}},"time":1,"distinct_id":"a"'), false], // deeper than the scanner reads: left to JSON.parse
      [base('"x":[[1],{"a":[]},{}],"time":1,"distinct_id":"a","account_id":"001"'), true],
      [base('"x":[[[1]]],"time":1,"distinct_id":"a"'), false],
      [base('"x":{"a":"\\n"},"time":1,"distinct_id":"a"'), false],
      [base('"x":{"a" 1},"time":1,"distinct_id":"a"'), false],
      [base('"time":1,"distinct_id":"a\\u0062"'), false],
      [base('"tim\\u0065":1,"distinct_id":"a"'), false],
      [base('"time":1,"distinct_id":"a","x":"\\n"'), false],
      [base('"time":1,"distinct_id":"a","x":"\\u0001"'), false],
      [base('"time":1,"distinct_id":"a","x":"\\u001f"'), false],
      [base('"time":1,"distinct_id":"a\\u007f"'), false],
      [base('"time":1,"distinct_id":"a é😀"'), true],
      [base('"time":1,"distinct_id":"a"'), false],
      [base('"time":1,"distinct_id":"a",'), false],
      [base('"time":1,"distinct_id":"a" '), false],
      [base(''), false],
      [`${base('"time":1,"distinct_id":"a"')} `, false],
      [`${base('"time":1,"distinct_id":"a"')}\n`, false],
      [`${base('"time":1,"distinct_id":"a"')}x`, false],
      [`{"event":"","properties":{"time":1,"distinct_id":"a"}}`, false],
      [`{"event":"e","event":"f","properties":{"time":1,"distinct_id":"a"}}`, false],
      [`{"properties":{"time":1,"distinct_id":"a"},"event":"e"}`, false], // valid, another order: left to JSON.parse
      [`{"event":"e","properties":{"time":1,"distinct_id":"a"},"x":1}`, false],
      [`{"event":"e","properties":[]}`, false],
      [`{"event":"e","properties":{"time":1,"distinct_id":"a","__proto__":"p"}}`, true],
      [`{ "event":"e","properties":{"time":1,"distinct_id":"a"}}`, false],
    ];
    for (const [line, accepted] of cases) {
      expect(sound(line), line).toBe(accepted);
    }
  });

  it('one scanner over many lines answers as a fresh one for each', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(plainExportEvent, eventLine, fc.tuple(plainExportEvent, fc.nat(), fc.nat(2), editChar).map(([l, at, edit, c]) => mutate(l, at, edit, c))), { minLength: 1, maxLength: 8 }), (lines) => {
        const shared = new EventScanner(ACCOUNT);
        for (const line of lines) expect(scanned(shared, line)).toEqual(scanned(new EventScanner(ACCOUNT), line));
      }),
      { numRuns: 3_000 },
    );
  });

  it('any account property: the field is the string value of that key (or null), as the slow path reads it', () => {
    const line = '{"event":"e","properties":{"time":1,"distinct_id":"a","$insert_id":"i","plan":"p","__proto__":"x"}}';
    // A name with a quote is written escaped in the line, which the scanner leaves to JSON.parse: it never finds it.
    const cases: Array<[string, string | null]> = [['plan', 'p'], ['distinct_id', 'a'], ['$insert_id', 'i'], ['time', null], ['__proto__', 'x'], ['missing', null], ['q"', null], ['', null]];
    for (const [name, account] of cases) {
      expect(sound(line, name)).toBe(true);
      const scanner = new EventScanner(name);
      expect(scanner.scan(line)).toBe(true);
      expect(scanner.account).toBe(account);
    }
    expect(sound('{"event":"e","properties":{"time":1,"distinct_id":"a","q\\"":"y"}}', 'q"')).toBe(false);
    expect(sound('{"event":"e","properties":{"time":1,"distinct_id":"a","":"empty"}}', '')).toBe(true);
    fc.assert(fc.property(plainExportEvent, fc.constantFrom('distinct_id', '$insert_id', 'time', 'account_id', 'other', '__proto__'), (line, name) => void sound(line, name)), { numRuns: 3_000 });
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
        for (const l of lines) {
          const p = slow(l);
          if (scanner.scan(l)) viaScanner.addFields(scanner.event, scanner.time, scanner.distinctId, scanner.insertId, scanner.account, dayNumberOf(scanner.time));
          else if (p) viaScanner.addRaw(p.event, JSON.parse(l).properties, dayNumberOf(p.time));
          if (p) viaParse.addRaw(p.event, JSON.parse(l).properties, dayNumberOf(p.time));
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
