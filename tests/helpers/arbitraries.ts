/**
 * fast-check arbitraries for the bad-input fuzzing, shared by the fast runs in `npm test` and the
 * long ones in tests/reliability: survey rows (good ones with their canonical form, bad ones with
 * the field they break), CSV / JSON Lines / webhook batches built from them with the line of
 * each row, messy text, environment maps and admin API requests.
 */
import fc from 'fast-check';

/** Text that breaks parsers: any code point, CSV and JSON metacharacters, BOMs, NULs, newlines. */
export const messyText = (maxLength = 30): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ maxLength }),
    fc.constantFrom('', ' ', ',', '"', '""', '\n', '\r\n', '\r', 'a,b', 'x"y', '"quoted, with comma"', '\uFEFF', '=cmd|"/c calc"!A1', '\u0000', '{"a":', 'null', '__proto__', '../../etc/passwd', '%E0%A4%A', '😀👍🏽'),
  );

/** What a good survey row holds as its source fields (before trimming) and as the stored record. */
export interface GoodSurveyRow {
  fields: { id: string; email: string; score: string; comment: string; submitted_at: string; account_id: string };
  expected: { id: string; email: string | null; score: number; comment: string | null; submittedAt: string; accountId: string | null };
}

export type BadRowKind = 'score' | 'id' | 'submitted_at' | 'columns' | 'not-an-object' | 'not-json';
export interface BadSurveyRow {
  fields: GoodSurveyRow['fields'];
  kind: BadRowKind;
  /** For JSON items: a non-object item, or a field with a value of the wrong type. */
  jsonItem?: unknown;
}

/** The reason the import gives for each kind of bad row, as a pattern. */
export const BAD_REASON: Record<BadRowKind, RegExp> = {
  score: /score must be a whole number from 0 to 10/,
  id: /id is empty/,
  submitted_at: /submitted_at must be an ISO-8601 date-time/,
  columns: /expected \d+ columns, found \d+/,
  'not-an-object': /expected a (JSON|survey response) object/,
  'not-json': /not valid JSON/,
};

const optional = (v: string): string | null => (v.trim() === '' ? null : v.trim());

const isoDate = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true });

export const goodSurveyRow: fc.Arbitrary<GoodSurveyRow> = fc
  .record({
    id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), messyText(12)),
    email: fc.oneof(fc.emailAddress(), messyText(20), fc.constant('')),
    score: fc.integer({ min: 0, max: 10 }),
    padScore: fc.boolean(),
    comment: messyText(60),
    submittedAt: isoDate,
    dateForm: fc.constantFrom('iso', 'offset', 'date-only'),
    accountId: fc.oneof(fc.constant(''), fc.stringMatching(/^001[A-Za-z0-9]{15}$/), messyText(10)),
  })
  .map((r) => {
    // The id gets a fixed ending so every row of a batch can be given a distinct, non-blank id.
    const id = `${r.id}#`;
    const day = r.submittedAt.toISOString().slice(0, 10);
    const submitted_at = r.dateForm === 'iso' ? r.submittedAt.toISOString() : r.dateForm === 'offset' ? r.submittedAt.toISOString().replace('Z', '+00:00') : day;
    return {
      fields: { id, email: r.email, score: r.padScore ? ` ${r.score} ` : String(r.score), comment: r.comment, submitted_at, account_id: r.accountId },
      expected: { id: id.trim(), email: optional(r.email), score: r.score, comment: optional(r.comment), submittedAt: new Date(submitted_at).toISOString(), accountId: optional(r.accountId) },
    };
  });

const BAD_SCORES = ['11', '-1', '7.5', 'ten', '', ' ', '100', '1e1', '+5', '0x5', 'NaN', 'Infinity', '٣'];
const BAD_IDS = ['', ' ', '\t', '  \u00a0 '];
const BAD_DATES = ['yesterday', '', 'soon', 'not a date', '2026-02-30T99:00:00Z', 'T'];

export const badSurveyRow: fc.Arbitrary<BadSurveyRow> = fc
  .tuple(
    goodSurveyRow,
    fc.constantFrom<BadRowKind>('score', 'id', 'submitted_at', 'columns', 'not-an-object', 'not-json'),
    fc.constantFrom(...BAD_SCORES),
    fc.constantFrom(...BAD_IDS),
    fc.constantFrom(...BAD_DATES),
    fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 10 }), fc.array(fc.jsonValue(), { maxLength: 3 }), fc.boolean()),
    fc.oneof(fc.constant(11), fc.constant(-1), fc.constant(3.5), fc.constant(true), fc.constant(null), fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue(), { maxKeys: 2 })),
  )
  .map(([good, kind, score, id, date, notObject, jsonScore]) => {
    const fields = { ...good.fields };
    let jsonItem: unknown;
    if (kind === 'score') {
      fields.score = score;
      jsonItem = { ...fields, score: typeof jsonScore === 'number' && Number.isInteger(jsonScore) && jsonScore >= 0 && jsonScore <= 10 ? 11 : jsonScore };
    } else if (kind === 'id') fields.id = id;
    else if (kind === 'submitted_at') fields.submitted_at = date;
    else if (kind === 'not-an-object') jsonItem = notObject;
    return jsonItem === undefined ? { fields, kind } : { fields, kind, jsonItem };
  });

export type BatchItem = { good: GoodSurveyRow } | { bad: BadSurveyRow };

/** A batch of good and bad rows; good rows get distinct ids (a sequence number is appended). */
export const surveyBatch = (maxLength = 30, minLength = 0): fc.Arbitrary<BatchItem[]> =>
  fc.array(fc.oneof(goodSurveyRow.map((good) => ({ good })), badSurveyRow.map((bad) => ({ bad }))), { minLength, maxLength }).map((items) =>
    items.map((item, i) => {
      if (!('good' in item)) return item;
      const id = `${item.good.fields.id}${i}`;
      return { good: { fields: { ...item.good.fields, id }, expected: { ...item.good.expected, id: id.trim() } } };
    }),
  );

export const SURVEY_COLUMNS = ['id', 'email', 'score', 'comment', 'submitted_at', 'account_id'] as const;

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function newlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === '\n') n += 1;
  return n;
}

export interface BuiltFile {
  text: string;
  good: GoodSurveyRow['expected'][];
  bad: Array<{ line: number; kind: BadRowKind }>;
}

/**
 * A CSV file of the batch (header first, in the given column order and names, `\n` or `\r\n`
 * endings), with the 1-based line where each bad row starts. Rows of kinds that only JSON can
 * express (not-an-object, not-json) become column-count errors.
 */
export function buildCsv(items: BatchItem[], options: { crlf: boolean; order?: readonly number[]; names?: Partial<Record<(typeof SURVEY_COLUMNS)[number], string>> } = { crlf: false }): BuiltFile {
  const order = options.order ?? SURVEY_COLUMNS.map((_, i) => i);
  const eol = options.crlf ? '\r\n' : '\n';
  const header = order.map((i) => csvField(options.names?.[SURVEY_COLUMNS[i] as (typeof SURVEY_COLUMNS)[number]] ?? (SURVEY_COLUMNS[i] as string))).join(',');
  let text = `${header}${eol}`;
  const out: BuiltFile = { text: '', good: [], bad: [] };
  for (const item of items) {
    const line = 1 + newlines(text);
    const fields = 'good' in item ? item.good.fields : item.bad.fields;
    let cells = order.map((i) => csvField(fields[SURVEY_COLUMNS[i] as keyof typeof fields]));
    if ('bad' in item && (item.bad.kind === 'columns' || item.bad.kind === 'not-an-object' || item.bad.kind === 'not-json')) {
      cells = cells.length % 2 === 0 ? cells.slice(0, 3) : [...cells, 'extra'];
      out.bad.push({ line, kind: 'columns' });
    } else if ('bad' in item) out.bad.push({ line, kind: item.bad.kind });
    else out.good.push(item.good.expected);
    text += `${cells.join(',')}${eol}`;
  }
  out.text = text;
  return out;
}

/** The JSON item of a row: its fields, or for bad rows of JSON-only kinds the broken item. */
export function jsonItemOf(item: BatchItem): unknown {
  if ('good' in item) return item.good.fields;
  if (item.bad.jsonItem !== undefined) return item.bad.jsonItem;
  if (item.bad.kind === 'columns') return { ...item.bad.fields, score: 'eleven' };
  return item.bad.fields;
}

function jsonKind(item: BatchItem & { bad: BadSurveyRow }, jsonl: boolean): BadRowKind {
  if (item.bad.kind === 'columns') return 'score';
  if (item.bad.kind === 'not-json') return jsonl ? 'not-json' : 'score';
  return item.bad.kind;
}

/** A JSON Lines file of the batch (a not-json row is a line of broken JSON). */
export function buildJsonl(items: BatchItem[]): BuiltFile {
  const out: BuiltFile = { text: '', good: [], bad: [] };
  const lines = items.map((item, i) => {
    if ('good' in item) out.good.push(item.good.expected);
    else out.bad.push({ line: i + 1, kind: jsonKind(item, true) });
    if ('bad' in item && item.bad.kind === 'not-json') return `not json: ${JSON.stringify(item.bad.fields)}`;
    const value = jsonItemOf(item);
    return JSON.stringify(value === undefined ? null : value);
  });
  out.text = `${lines.join('\n')}\n`;
  return out;
}

/** A webhook body: the array of items (1-based item numbers as "lines"). */
export function buildWebhookBatch(items: BatchItem[]): BuiltFile {
  const built = buildJsonl(items);
  const values = items.map((item) => ('bad' in item && item.bad.kind === 'not-json' ? { ...item.bad.fields, score: 'x' } : (jsonItemOf(item) ?? null)));
  return { text: JSON.stringify(values), good: built.good, bad: items.flatMap((item, i) => ('bad' in item ? [{ line: i + 1, kind: jsonKind(item, false) }] : [])) };
}

/** Environment maps: settings with good, bad and blank values, unknown names, and secret settings holding the given secrets. */
export const envMap = (names: readonly string[], secretNames: readonly string[], secrets: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc
    .tuple(
      fc.dictionary(
        fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names.filter((n) => !secretNames.includes(n))) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
        fc.oneof(
          messyText(40),
          fc.integer({ min: -100_000, max: 1_000_000 }).map(String),
          fc.constantFrom('true', 'false', 'yes', '0', 'relaxed', 'real', 'us', 'eu', 'debug', 'UTC', '62.0', 'redis://127.0.0.1:6379', 'redis://:pa55@127.0.0.1:99999', 'redis://u:pa55@[::1', 'https://x.example.com', 'not a url', '2026-11-20T12:00:00Z'),
          fc.webUrl(),
        ),
        { maxKeys: 8 },
      ),
      fc.dictionary(fc.constantFrom(...secretNames), fc.constantFrom(...secrets), { maxKeys: 3 }),
    )
    .map(([plain, secret]) => ({ ...plain, ...secret }));

/** A value of any JSON shape, or text that is not JSON, for request bodies. */
export const anyBody: fc.Arbitrary<{ text: string; contentType: string }> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json' })),
  fc.record({ text: messyText(40), contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=klingon', 'application/octet-stream') }),
);
