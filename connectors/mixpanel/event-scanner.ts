/**
 * Reads the fields the aggregator needs straight from an export line, in place in the decoded
 * chunk (jsonl-reader.ts LineBatch), without `JSON.parse` building the event object: the
 * export's hot path (docs/decisions/0005).
 *
 * `scan` answers true only when it is sure of the answer the slow path would give: the line is
 * valid JSON (the whole line is checked against the JSON grammar, nested values included), it is
 * an event `fastRawEvent` accepts, and the fields read are the values `JSON.parse` would produce
 * (for a key given more than once, the last one, as `JSON.parse` keeps it). Whenever it is not
 * sure (an escape sequence in a key or in a field it reads, a distinct_id or $insert_id that is
 * not a string, anything invalid, nesting deeper than MAX_DEPTH) it answers false and the line
 * goes through `JSON.parse`, `fastRawEvent` and zod as before. So it can only make a line cheaper,
 * never change its outcome: tests/connectors/mixpanel/event-scanner.test.ts checks with
 * fast-check that every accepted line parses and gives the same fields through the slow path.
 *
 * A line without a control character or a backslash (found with one native search per chunk,
 * SPECIAL, and one for the line's newline) is "clean": its strings then end at the next quote,
 * found with indexOf, not character by character.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const MAX_DEPTH = 64;
/**
 * A character a JSON string cannot hold raw (control characters) or that starts an escape; but
 * the newline, which ends every line of a chunk and is looked for on its own.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SPECIAL = /[\u0000-\u0009\u000b-\u001f\\]/g;

/** Property names the aggregator normalizes itself: with one of them as the account property, no line is scanned. */
const NORMALIZED = new Set(['time', 'distinct_id', '$insert_id', '__proto__']);

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
const isHex = (c: number): boolean => (c >= ZERO && c <= NINE) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Whether src[at, at + length) is `word` (length: the key's, compared first). */
function isKey(src: string, at: number, length: number, word: string): boolean {
  if (length !== word.length) return false;
  for (let i = 0; i < length; i += 1) if (src.charCodeAt(at + i) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * The value of the JSON number text src[from, to): digits only and at most 15 of them are summed
 * exactly (below 2^53); anything else is left to Number, which reads a JSON number as JSON.parse does.
 */
function numberValue(src: string, from: number, to: number): number {
  if (to - from > 15) return Number(src.slice(from, to));
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const c = src.charCodeAt(i);
    if (!isDigit(c)) return Number(src.slice(from, to));
    n = n * 10 + (c - ZERO);
  }
  return n;
}

export class EventScanner {
  /** The fields of the last line `scan` accepted. */
  event = '';
  time = 0;
  distinctId = '';
  insertId: string | null = null;
  /** The account property's value when it is a string (untrimmed), else null. */
  account: string | null = null;
  /** False when the account property is one the aggregator normalizes: then nothing is scanned. */
  readonly enabled: boolean;

  private src = '';
  private pos = 0;
  private end = 0;
  /** Whether the last string read held an escape sequence. */
  private escaped = false;
  /** Whether the line holds no SPECIAL character and no newline: a string then ends at the next quote. */
  private clean = false;
  /** The first SPECIAL character of `specialText` at or after `specialFrom` (the text's length: none). */
  private specialText = '';
  private specialFrom = 0;
  private specialAt = -1;

  constructor(private readonly accountProperty: string) {
    this.enabled = !NORMALIZED.has(accountProperty);
  }

  /** True when text[from, to) is a valid raw event read in full (fields above); false: use the slow path. */
  scan(text: string, from: number, to: number): boolean {
    if (!this.enabled || to - from < 2 || text.charCodeAt(from) !== OPEN_BRACE) return false;
    this.src = text;
    this.pos = from + 1;
    this.end = to;
    if (text !== this.specialText || from < this.specialFrom || this.specialAt < from) {
      SPECIAL.lastIndex = from;
      const special = SPECIAL.exec(text);
      this.specialText = text;
      this.specialFrom = from;
      this.specialAt = special === null ? text.length : special.index;
    }
    const newline = text.indexOf('\n', from);
    this.clean = this.specialAt >= to && (newline === -1 || newline >= to);
    let hasEvent = false;
    let hasProperties = false;
    this.space();
    if (this.peek() === CLOSE_BRACE) return false;
    for (;;) {
      this.space();
      const key = this.key();
      if (key === KEY_INVALID) return false;
      this.space();
      if (key === KEY_EVENT) {
        if (this.peek() !== QUOTE) return false;
        const start = this.pos + 1;
        if (!this.string() || this.escaped) return false;
        this.event = this.src.slice(start, this.pos - 1);
        hasEvent = this.event.length > 0;
      } else if (key === KEY_PROPERTIES) {
        if (this.peek() !== OPEN_BRACE) return false;
        if (!this.properties()) return false;
        hasProperties = true;
      } else if (!this.value(1)) return false;
      this.space();
      const c = this.next();
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return false;
    }
    this.space();
    return this.pos === this.end && hasEvent && hasProperties;
  }

  /** The properties object: true when valid and a valid event's (time, distinct_id, $insert_id). */
  private properties(): boolean {
    let hasTime = false;
    let hasDistinct = false;
    this.insertId = null;
    this.account = null;
    this.pos += 1;
    this.space();
    if (this.peek() === CLOSE_BRACE) return false;
    for (;;) {
      this.space();
      if (this.peek() !== QUOTE) return false;
      const keyStart = this.pos + 1;
      if (!this.string() || this.escaped) return false;
      const keyEnd = this.pos - 1;
      this.space();
      if (this.next() !== COLON) return false;
      this.space();
      const start = this.pos;
      const first = this.peek();
      if (!this.value(2)) return false;
      const keyLength = keyEnd - keyStart;
      const src = this.src;
      if (isKey(src, keyStart, keyLength, 'time')) {
        if (first !== MINUS && !isDigit(first)) return false;
        const time = numberValue(src, start, this.pos);
        if (!Number.isFinite(time) || time < 0) return false;
        this.time = time;
        hasTime = true;
      } else if (isKey(src, keyStart, keyLength, 'distinct_id')) {
        if (first !== QUOTE || this.escaped || this.pos - start < 3) return false;
        this.distinctId = this.src.slice(start + 1, this.pos - 1);
        hasDistinct = true;
      } else if (isKey(src, keyStart, keyLength, '$insert_id')) {
        if (first !== QUOTE || this.escaped) return false;
        this.insertId = this.src.slice(start + 1, this.pos - 1);
      } else if (isKey(src, keyStart, keyLength, this.accountProperty)) {
        if (first !== QUOTE) this.account = null;
        else if (this.escaped) return false;
        else this.account = this.src.slice(start + 1, this.pos - 1);
      }
      this.space();
      const c = this.next();
      if (c === CLOSE_BRACE) return hasTime && hasDistinct;
      if (c !== COMMA) return false;
    }
  }

  /** A top-level key: which one, or KEY_INVALID. */
  private key(): number {
    if (this.peek() !== QUOTE) return KEY_INVALID;
    const start = this.pos + 1;
    if (!this.string() || this.escaped) return KEY_INVALID;
    const length = this.pos - 1 - start;
    this.space();
    if (this.next() !== COLON) return KEY_INVALID;
    if (isKey(this.src, start, length, 'event')) return KEY_EVENT;
    if (isKey(this.src, start, length, 'properties')) return KEY_PROPERTIES;
    return KEY_OTHER;
  }

  private peek(): number {
    return this.pos < this.end ? this.src.charCodeAt(this.pos) : -1;
  }

  private next(): number {
    return this.pos < this.end ? this.src.charCodeAt(this.pos++) : -1;
  }

  private space(): void {
    while (this.pos < this.end && isSpace(this.src.charCodeAt(this.pos))) this.pos += 1;
  }

  /** A JSON string at pos (its opening quote); sets `escaped`. */
  private string(): boolean {
    this.pos += 1;
    this.escaped = false;
    const src = this.src;
    const end = this.end;
    if (this.clean) {
      // No control character and no backslash in the line: the next quote closes the string.
      const quote = src.indexOf('"', this.pos);
      if (quote === -1 || quote >= end) return false;
      this.pos = quote + 1;
      return true;
    }
    let pos = this.pos;
    for (;;) {
      if (pos >= end) return false;
      const c = src.charCodeAt(pos++);
      if (c === QUOTE) break;
      if (c < 32) return false;
      if (c === BACKSLASH) {
        this.escaped = true;
        if (pos >= end) return false;
        const e = src.charCodeAt(pos++);
        if (e === 117) {
          // \uXXXX
          if (pos + 4 > end) return false;
          for (let k = 0; k < 4; k += 1) if (!isHex(src.charCodeAt(pos++))) return false;
        } else if (e !== QUOTE && e !== BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return false;
      }
    }
    this.pos = pos;
    return true;
  }

  /** A JSON number at pos (the grammar exactly: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?). */
  private number(): boolean {
    const src = this.src;
    const end = this.end;
    let pos = this.pos;
    if (pos < end && src.charCodeAt(pos) === MINUS) pos += 1;
    if (pos >= end) return false;
    const c = src.charCodeAt(pos);
    if (c === ZERO) pos += 1;
    else if (c > ZERO && c <= NINE) {
      pos += 1;
      while (pos < end && isDigit(src.charCodeAt(pos))) pos += 1;
    } else return false;
    if (pos < end && src.charCodeAt(pos) === DOT) {
      pos += 1;
      const digits = pos;
      while (pos < end && isDigit(src.charCodeAt(pos))) pos += 1;
      if (pos === digits) return false;
    }
    if (pos < end && (src.charCodeAt(pos) | 32) === 101) {
      pos += 1;
      if (pos < end && (src.charCodeAt(pos) === PLUS || src.charCodeAt(pos) === MINUS)) pos += 1;
      const digits = pos;
      while (pos < end && isDigit(src.charCodeAt(pos))) pos += 1;
      if (pos === digits) return false;
    }
    this.pos = pos;
    return true;
  }

  private literal(word: string): boolean {
    if (this.pos + word.length > this.end || !this.src.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  /** Any JSON value at pos; `depth` is the nesting of the object or array that holds it. */
  private value(depth: number): boolean {
    const c = this.peek();
    if (c === QUOTE) return this.string();
    if (c === OPEN_BRACE) return this.container(depth + 1, CLOSE_BRACE, true);
    if (c === OPEN_BRACKET) return this.container(depth + 1, CLOSE_BRACKET, false);
    if (c === 116) return this.literal('true');
    if (c === 102) return this.literal('false');
    if (c === 110) return this.literal('null');
    return this.number();
  }

  /** An object (keyed) or array at pos, closed by `close`. */
  private container(depth: number, close: number, keyed: boolean): boolean {
    if (depth > MAX_DEPTH) return false;
    this.pos += 1;
    this.space();
    if (this.peek() === close) {
      this.pos += 1;
      return true;
    }
    for (;;) {
      this.space();
      if (keyed) {
        if (this.peek() !== QUOTE || !this.string()) return false;
        this.space();
        if (this.next() !== COLON) return false;
        this.space();
      }
      if (!this.value(depth)) return false;
      this.space();
      const c = this.next();
      if (c === close) return true;
      if (c !== COMMA) return false;
    }
  }
}

const KEY_INVALID = 0;
const KEY_EVENT = 1;
const KEY_PROPERTIES = 2;
const KEY_OTHER = 3;
