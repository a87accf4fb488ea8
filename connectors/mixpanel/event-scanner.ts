/**
 * Reads the fields an export line is aggregated by (event, time, distinct_id, $insert_id and the
 * account property) straight from the line's text, without building the event's objects.
 * JSON.parse of a line builds every property of it (a Mixpanel event carries dozens; the aggregator
 * reads four), and that was most of the export reader's CPU (docs/decisions/0008).
 *
 * The scanner answers only for lines in the shape the export writes: no whitespace,
 * `{"event":"...","properties":{...}}`, strings without escapes, property values that are strings,
 * numbers, true, false, null, and lists and objects of those two levels deep (a list of objects of
 * lists at most). One regular expression checks the whole line is
 * such valid JSON (in native code); the properties are then walked key by key with quote searches
 * (no string in such a line holds a quote), and a line with one of the read keys twice is left to
 * JSON.parse, where the last one wins.
 *
 * `scan` returns true with the same fields JSON.parse, fastRawEvent and the aggregator would take
 * from the line, and false for any other line: the caller then takes the JSON.parse path, which
 * accepts or quarantines the line exactly as before. Proven against JSON.parse by property tests
 * (tests/connectors/mixpanel/event-scanner.test.ts).
 */

const STRING = '"[^"\\\\\\x00-\\x1f]*"';
const NUMBER = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const SCALAR = `(?:${STRING}|${NUMBER}|true|false|null)`;
const list = (item: string): string => `\\[(?:${item}(?:,${item})*)?\\]`;
const object = (value: string): string => `\\{(?:${STRING}:${value}(?:,${STRING}:${value})*)?\\}`;
/** Two levels below the properties: scalars, lists of them, objects of those (as `$groups` or a form map). */
const INNER = `(?:${SCALAR}|${list(SCALAR)})`;
const NESTED = `(?:${INNER}|${object(INNER)})`;
const VALUE = `(?:${SCALAR}|${list(NESTED)}|${object(INNER)})`;
const PROPERTIES = object(VALUE);
/** A line of the export's own shape, valid JSON. */
const EXPORT_LINE = new RegExp(`^\\{"event":${STRING},"properties":${PROPERTIES}\\}$`);

const QUOTE = 34;
const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
/** `{"event":"`: the event name starts here. */
const EVENT_AT = 10;
/** `","properties":{` after the event name's closing quote: the first key's quote. */
const PROPERTIES_AFTER_EVENT = 16;

// The keys the scan reads, as bits (the account property may be one of the others too).
const TIME = 1;
const DISTINCT = 2;
const INSERT = 4;
const ACCOUNT = 8;

export class EventScanner {
  event = '';
  time = 0;
  distinctId = '';
  insertId: string | null = null;
  /** properties[accountProperty] when it is a string, else null. */
  account: string | null = null;
  /** The account property's name, or null when it cannot appear unescaped (it is then never found). */
  private readonly accountProperty: string | null;

  constructor(accountProperty: string) {
    this.accountProperty = unescapedKey(accountProperty) ? accountProperty : null;
  }

  /** Fills the fields from one export line; false when the line is left to the JSON.parse path. */
  scan(text: string): boolean {
    if (!EXPORT_LINE.test(text)) return false;
    const eventEnd = text.indexOf('"', EVENT_AT);
    if (eventEnd === EVENT_AT) return false; // an empty event name: rejected on the JSON.parse path
    let seen = 0;
    let time = Number.NaN;
    let distinctId: string | null = null;
    let insertId: string | null = null;
    let account: string | null = null;
    // The properties, key by key: in a valid line each is a quoted key, a colon and a value.
    let pos = eventEnd + PROPERTIES_AFTER_EVENT;
    while (text.charCodeAt(pos) === QUOTE) {
      const keyEnd = text.indexOf('"', pos + 1);
      const at = keyEnd + 2;
      const bits = this.keyBits(text, pos + 1, keyEnd);
      if (bits !== 0) {
        if ((seen & bits) !== 0) return false; // a key twice: JSON.parse keeps the last one
        seen |= bits;
        if (bits & TIME) time = numberAt(text, at);
        if (bits & DISTINCT) distinctId = scalarText(text, at);
        if (bits & INSERT) {
          insertId = scalarText(text, at);
          if (insertId === null) return false;
        }
        if (bits & ACCOUNT && text.charCodeAt(at) === QUOTE) account = text.slice(at + 1, text.indexOf('"', at + 1));
      }
      pos = valueEnd(text, at) + 1; // past the comma, or past the closing brace
    }
    if (!(time >= 0) || time === Infinity) return false; // NaN: missing or not a number
    if (distinctId === null || distinctId === '') return false;
    this.event = text.slice(EVENT_AT, eventEnd);
    this.time = time;
    this.distinctId = distinctId;
    this.insertId = insertId;
    this.account = account;
    return true;
  }

  /** Which of the read keys the key at [start, end) (between its quotes) is. */
  private keyBits(text: string, start: number, end: number): number {
    const length = end - start;
    let bits = 0;
    if (length === 4 && text.startsWith('time', start)) bits = TIME;
    else if (length === 11 && text.startsWith('distinct_id', start)) bits = DISTINCT;
    else if (length === 10 && text.startsWith('$insert_id', start)) bits = INSERT;
    const account = this.accountProperty;
    if (account !== null && length === account.length && text.startsWith(account, start)) bits |= ACCOUNT;
    return bits;
  }
}

/** Whether a key can appear in JSON without an escape: no quote, backslash or control character. */
function unescapedKey(key: string): boolean {
  for (let i = 0; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    if (c === QUOTE || c === 92 || c < 32) return false;
  }
  return true;
}

/** The position just after the value starting at `at` (a value of a line EXPORT_LINE matched). */
function valueEnd(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return text.indexOf('"', at + 1) + 1;
  let pos = at + 1;
  if (first === OPEN_BRACKET || first === OPEN_BRACE) {
    const close = first === OPEN_BRACKET ? CLOSE_BRACKET : CLOSE_BRACE;
    if (text.charCodeAt(pos) === close) return pos + 1;
    for (;;) {
      // pos is at an item: in an object, at its key's opening quote (the value follows the closing quote and a colon).
      if (first === OPEN_BRACE) pos = text.indexOf('"', pos + 1) + 2;
      pos = valueEnd(text, pos);
      const c = text.charCodeAt(pos);
      if (c === close) return pos + 1;
      if (c !== COMMA) return text.length; // not a value EXPORT_LINE matched: nothing more is read
      pos += 1;
    }
  }
  for (let c = text.charCodeAt(pos); c !== COMMA && c !== CLOSE_BRACE && c !== CLOSE_BRACKET && pos < text.length; c = text.charCodeAt(pos)) pos += 1;
  return pos;
}

const isNumberChar = (c: number): boolean => (c >= ZERO && c <= NINE) || c === MINUS || c === 43 || c === 46 || c === 101 || c === 69;

/** The number whose text starts at `at`, or NaN when the value there is not a number. */
function numberAt(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first !== MINUS && !(first >= ZERO && first <= NINE)) return Number.NaN;
  let end = at;
  let digits = true;
  for (let c = first; isNumberChar(c); c = text.charCodeAt(end)) {
    if (c < ZERO || c > NINE) digits = false;
    end += 1;
  }
  if (digits && end - at <= 15) {
    // A plain integer below 2^53: exact.
    let v = 0;
    for (let k = at; k < end; k += 1) v = v * 10 + (text.charCodeAt(k) - ZERO);
    return v;
  }
  return Number(text.slice(at, end));
}

/** A string value's text, a finite number's as String() gives it, else null. */
function scalarText(text: string, at: number): string | null {
  if (text.charCodeAt(at) === QUOTE) return text.slice(at + 1, text.indexOf('"', at + 1));
  const n = numberAt(text, at);
  return Number.isFinite(n) ? String(n) : null;
}
