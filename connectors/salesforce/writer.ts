/**
 * The one Salesforce write path. Pre-flight checks the mapped fields through describe, then
 * sends changed fields in sObject Collections of at most 200 records (allOrNone false), and
 * reports each record's outcome with Salesforce's own error.
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { FieldSpec } from '../../src/writeback/field-specs.ts';
import { chunk, type FieldValue } from '../../src/writeback/plan.ts';
import { describeResultSchema, preflightProblems, type DescribedField } from '../../src/writeback/describe-types.ts';
import { BudgetError, TransientError } from '../../src/contracts/errors.ts';

export interface RecordWriteResult {
  accountId: string;
  success: boolean;
  statusCode: string | null;
  message: string | null;
}

const LIMIT_MESSAGE = 'Salesforce REQUEST_LIMIT_EXCEEDED: the org has used its daily API requests; write-back is paused until budget returns (the job waits and tries again)';

function errorCodeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'errorCode' in err ? String(err.errorCode) : '';
}

/** The Account fields as the org describes them (one API call). */
export async function describeAccountFields(conn: Connection): Promise<DescribedField[]> {
  try {
    return describeResultSchema.parse(await conn.sobject('Account').describe()).fields;
  } catch (err) {
    if (errorCodeOf(err) === 'REQUEST_LIMIT_EXCEEDED') throw new BudgetError(LIMIT_MESSAGE);
    throw err;
  }
}

/** One message per field that cannot be written; empty when every mapped field is writable. */
export async function preflightAccountFields(conn: Connection, specs: readonly FieldSpec[]): Promise<string[]> {
  return preflightProblems(specs, await describeAccountFields(conn));
}

const limitsSchema = z.object({ DailyApiRequests: z.object({ Max: z.number(), Remaining: z.number() }) }).loose();

/** The org's daily API requests from /limits (one API call). */
export async function readApiLimits(conn: Connection): Promise<{ max: number; remaining: number }> {
  try {
    const limits = limitsSchema.parse(await conn.limits());
    return { max: limits.DailyApiRequests.Max, remaining: limits.DailyApiRequests.Remaining };
  } catch (err) {
    if (errorCodeOf(err) === 'REQUEST_LIMIT_EXCEEDED') throw new BudgetError(LIMIT_MESSAGE);
    throw err;
  }
}

const saveResultSchema = z.object({
  id: z.string().nullish(),
  success: z.boolean(),
  errors: z.array(z.object({ statusCode: z.string().optional(), errorCode: z.string().optional(), message: z.string().optional() }).loose()).default([]),
});

export interface CollectionsWriteResult {
  results: RecordWriteResult[];
  apiCalls: number;
  /** Set when Salesforce refused a call for the org's API limit: the batches after it were not sent. */
  stopped: BudgetError | null;
}

/**
 * Sends the changes in sObject Collections of at most 200 (allOrNone false: one bad record never
 * blocks its batch). Per-record errors come back with Salesforce's statusCode. A
 * REQUEST_LIMIT_EXCEEDED stops the sending and is returned with what was written before it, so
 * the caller can audit those and then report the stop.
 */
export async function writeAccounts(
  conn: Connection,
  changes: ReadonlyArray<{ accountId: string; values: Record<string, FieldValue> }>,
  batchSize = 200,
): Promise<CollectionsWriteResult> {
  const results: RecordWriteResult[] = [];
  let apiCalls = 0;
  for (const batch of chunk(changes, Math.min(200, batchSize))) {
    apiCalls += 1;
    let raw: unknown;
    try {
      raw = await conn.sobject('Account').update(
        batch.map((c) => ({ Id: c.accountId, ...c.values })),
        { allOrNone: false },
      );
    } catch (err) {
      if (errorCodeOf(err) === 'REQUEST_LIMIT_EXCEEDED') return { results, apiCalls, stopped: new BudgetError(LIMIT_MESSAGE) };
      throw new TransientError(`Salesforce update failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const parsed = z.array(saveResultSchema).parse(Array.isArray(raw) ? raw : [raw]);
    batch.forEach((c, i) => {
      const r = parsed[i];
      if (!r) {
        results.push({ accountId: c.accountId, success: false, statusCode: 'NO_RESULT', message: 'Salesforce returned no result for this record' });
        return;
      }
      const e = r.errors[0];
      results.push({
        accountId: c.accountId,
        success: r.success,
        statusCode: r.success ? null : (e?.statusCode ?? e?.errorCode ?? 'UNKNOWN'),
        message: r.success ? null : (e?.message ?? 'no message'),
      });
    });
  }
  return { results, apiCalls, stopped: null };
}

const bulkRowSchema = z.record(z.string(), z.unknown());

/**
 * One Bulk API 2.0 ingest job for a large change set. jsforce takes the CSV columns from the
 * first record, so every row carries every changed column: fields a record does not change are
 * sent with the value Salesforce already holds (`current`), which changes nothing. Results are
 * joined back per record on sf__Id (their order is not guaranteed).
 */
export async function writeAccountsBulk(
  conn: Connection,
  changes: ReadonlyArray<{ accountId: string; values: Record<string, FieldValue> }>,
  current: ReadonlyMap<string, Record<string, unknown>>,
  options: { pollTimeoutMs?: number; pollIntervalMs?: number } = {},
): Promise<RecordWriteResult[]> {
  const columns = [...new Set(changes.flatMap((c) => Object.keys(c.values)))].sort();
  // A checkbox is never null in Salesforce: an unset one holds false (a null would be refused).
  const checkboxes = new Set(columns.filter((col) => changes.some((c) => typeof c.values[col] === 'boolean')));
  const rows = changes.map((c) => {
    const row: Record<string, unknown> = { Id: c.accountId };
    for (const col of columns) row[col] = col in c.values ? c.values[col] : (current.get(c.accountId)?.[col] ?? (checkboxes.has(col) ? false : null));
    return row;
  });
  // The job's steps one by one rather than jsforce's loadAndWaitForResults, which also fetches the
  // unprocessed records: a record in neither result set is reported NOT_PROCESSED anyway, so the
  // job costs BULK_JOB_CALLS requests (create, upload, close, a status check per poll, successful
  // and failed results), not one more.
  const job = conn.bulk2.createJob({ object: 'Account', operation: 'update' });
  let results: { successfulResults: unknown[]; failedResults: unknown[] };
  try {
    await job.open();
    await job.uploadData(rows as Array<Record<string, string>>);
    await job.close();
    await job.poll(options.pollIntervalMs ?? 2_000, options.pollTimeoutMs ?? 15 * 60_000);
    const [successfulResults, failedResults] = await Promise.all([job.getSuccessfulResults(), job.getFailedResults()]);
    results = { successfulResults, failedResults };
  } catch (err) {
    // A job that failed for another reason than a poll timeout is deleted (as jsforce does); one
    // still running is left to finish.
    if (!(err instanceof Error && err.name === 'JobPollingTimeoutError') && job.id) job.delete().catch(() => undefined);
    if (errorCodeOf(err) === 'REQUEST_LIMIT_EXCEEDED') throw new BudgetError(LIMIT_MESSAGE);
    throw new TransientError(`Salesforce Bulk API job failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const byId = new Map<string, RecordWriteResult>();
  for (const raw of results.successfulResults) {
    const r = bulkRowSchema.parse(raw);
    const id = String(r.sf__Id ?? r.Id ?? '');
    if (id) byId.set(id, { accountId: id, success: true, statusCode: null, message: null });
  }
  for (const raw of results.failedResults) {
    const r = bulkRowSchema.parse(raw);
    const id = String(r.Id ?? r.sf__Id ?? '');
    const error = String(r.sf__Error ?? 'UNKNOWN:failed');
    const [statusCode, ...rest] = error.split(':');
    if (id) byId.set(id, { accountId: id, success: false, statusCode: statusCode || 'UNKNOWN', message: rest.join(':') || error });
  }
  return changes.map((c) => byId.get(c.accountId) ?? { accountId: c.accountId, success: false, statusCode: 'NOT_PROCESSED', message: 'the Bulk API job did not process this record' });
}
