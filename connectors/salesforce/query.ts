/** SOQL paging through jsforce (queryAll, so deleted and merged records arrive), one page per call. */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import { mapSalesforceError } from './connection.ts';
import { describeSchema } from './raw-schemas.ts';

const resultSchema = z.object({ done: z.boolean(), nextRecordsUrl: z.string().optional(), records: z.array(z.record(z.string(), z.unknown())) });
export type QueryPage = z.infer<typeof resultSchema>;

/** SOQL datetime literal: UTC, no milliseconds (floored to the second), unquoted. */
export function soqlDateTime(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function* queryPages(conn: Connection, soql: string, what: string): AsyncGenerator<QueryPage> {
  let page: QueryPage;
  try {
    page = resultSchema.parse(await conn.query(soql, { scanAll: true, autoFetch: false }));
  } catch (err) {
    throw mapSalesforceError(err, what);
  }
  yield page;
  while (!page.done && page.nextRecordsUrl) {
    try {
      page = resultSchema.parse(await conn.queryMore(page.nextRecordsUrl));
    } catch (err) {
      throw mapSalesforceError(err, what);
    }
    yield page;
  }
}

/** The names of the object's fields, by describe. */
export async function fieldNames(conn: Connection, sobject: string): Promise<Set<string>> {
  try {
    return new Set(describeSchema.parse(await conn.sobject(sobject).describe()).fields.map((f) => f.name));
  } catch (err) {
    throw mapSalesforceError(err, `describe ${sobject}`);
  }
}
