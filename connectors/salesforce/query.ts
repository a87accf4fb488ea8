/** SOQL paging through jsforce (queryAll, so deleted and merged records arrive), one page per call. */
import { z } from 'zod';
import { mapSalesforceError, type SalesforceSession } from './connection.ts';
import { describeSchema } from './raw-schemas.ts';

/**
 * Each record is checked to be an object, not copied: the stream's raw schema validates its
 * fields (z.record copied every field of every record, about a fifth of the client's CPU for an
 * Account page).
 */
const rawRecord = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: (issue) => `Invalid input: expected record, received ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'array' : typeof issue.input}`,
});
const resultSchema = z.object({ done: z.boolean(), nextRecordsUrl: z.string().optional(), records: z.array(rawRecord) });
export type QueryPage = z.infer<typeof resultSchema>;

/** SOQL datetime literal: UTC, no milliseconds (floored to the second), unquoted. */
export function soqlDateTime(iso: string): string {
  const t = Date.parse(iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(t)) throw new TypeError(`not a datetime: ${iso}`);
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function parsePage(value: unknown, what: string): QueryPage {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) throw mapSalesforceError(new Error(`unexpected query response shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`), what);
  return parsed.data;
}

/** Runs a queryAll and yields each batch as Salesforce returns it (first page, then queryMore). */
export async function* queryPages(session: SalesforceSession, soql: string, what: string, batchSize = 2000): AsyncGenerator<QueryPage> {
  const { conn } = session;
  const headers = { 'Sforce-Query-Options': `batchSize=${batchSize}` };
  let raw: unknown;
  try {
    raw = await conn.query(soql, { scanAll: true, autoFetch: false, headers });
  } catch (err) {
    throw mapSalesforceError(err, what, session.last());
  }
  let page = parsePage(raw, what);
  yield page;
  while (!page.done && page.nextRecordsUrl) {
    try {
      raw = await conn.queryMore(page.nextRecordsUrl, { headers, autoFetch: false, scanAll: true, maxFetch: 10_000, responseTarget: 'QueryResult' });
    } catch (err) {
      throw mapSalesforceError(err, what, session.last());
    }
    page = parsePage(raw, what);
    yield page;
  }
}

/** The names of the object's fields, by describe. */
export async function fieldNames(session: SalesforceSession, sobject: string): Promise<Set<string>> {
  let raw: unknown;
  try {
    raw = await session.conn.sobject(sobject).describe();
  } catch (err) {
    throw mapSalesforceError(err, `describe ${sobject}`, session.last());
  }
  const parsed = describeSchema.safeParse(raw);
  if (!parsed.success) throw mapSalesforceError(new Error(`unexpected describe response for ${sobject}`), `describe ${sobject}`);
  return new Set(parsed.data.fields.map((f) => f.name));
}
