/**
 * Bulk API 2.0 ingest: create a job, upload its CSV once (chunked accepted, `#N/A` = null, empty
 * cells left unchanged), close it with UploadComplete, poll it (processed at once: JobComplete, or
 * Failed with errorMessage when the header names an unknown field), read the result CSVs, abort
 * or delete it.
 */
import { randomBytes } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { RawRecord } from '../../../src/sandbox/dataset.ts';
import type { EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { DELIMITERS, parseCsv, toCsv } from './csv.ts';
import { toSalesforceDateTime } from './datetime.ts';
import type { DescribeRegistry } from './describe.ts';
import { NOT_FOUND_MESSAGE, sendError, sendJson, sendRaw } from './errors.ts';
import { INTEGRATION_USER_ID } from './oauth.ts';
import type { SalesforceStore } from './store.ts';
import { checkTarget, takeRecordFault, validateFields, type RecordFault, type SaveError } from './writes.ts';

const createSchema = z.object({
  object: z.string().min(1),
  operation: z.enum(['insert', 'update', 'upsert', 'delete', 'hardDelete']),
  externalIdFieldName: z.string().optional(),
  contentType: z.literal('CSV').default('CSV'),
  lineEnding: z.enum(['LF', 'CRLF']).default('LF'),
  columnDelimiter: z.enum(['COMMA', 'BACKQUOTE', 'CARET', 'PIPE', 'SEMICOLON', 'TAB']).default('COMMA'),
  assignmentRuleId: z.string().optional(),
});
const stateSchema = z.object({ state: z.enum(['UploadComplete', 'Aborted']) });

type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface IngestJob {
  id: string;
  spec: z.infer<typeof createSchema>;
  apiVersion: number;
  createdDate: string;
  systemModstamp: string;
  state: JobState;
  errorMessage?: string;
  csv: string | null;
  header: string[];
  successful: string[][];
  failed: string[][];
  unprocessed: string[][];
}

export interface BulkDeps {
  store: SalesforceStore;
  describe: DescribeRegistry;
  recordFaults: RecordFault[];
}

const NULL_VALUE = '#N/A';

function errorText(e: SaveError): string {
  return `${e.statusCode}:${e.message}:${e.fields.length ? e.fields.join(',') : '--'}`;
}

export function registerBulkIngest(kit: EmulatorKit, guard: RequestHandler, deps: BulkDeps): void {
  const { store, describe, recordFaults } = deps;
  const { clock } = kit;
  const jobs = new Map<string, IngestJob>();
  const base = '/services/data/v:version/jobs/ingest';
  const label = (method: string, path = ''): string => `${method} /services/data/vXX.X/jobs/ingest${path}`;
  const json = express.json({ limit: '1mb' });
  const csvBody = express.text({ type: () => true, limit: '150mb' });

  const info = (job: IngestJob, detail: boolean): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      id: job.id,
      operation: job.spec.operation,
      object: job.spec.object,
      createdById: INTEGRATION_USER_ID,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      ...(job.spec.externalIdFieldName ? { externalIdFieldName: job.spec.externalIdFieldName } : {}),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
    };
    if (!detail) return { ...out, contentUrl: `services/data/v${job.apiVersion.toFixed(1)}/jobs/ingest/${job.id}/batches`, lineEnding: job.spec.lineEnding, columnDelimiter: job.spec.columnDelimiter };
    return {
      ...out,
      jobType: 'V2Ingest',
      lineEnding: job.spec.lineEnding,
      columnDelimiter: job.spec.columnDelimiter,
      numberRecordsProcessed: job.successful.length + job.failed.length,
      numberRecordsFailed: job.failed.length,
      retries: 0,
      totalProcessingTime: 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  };

  const touch = (job: IngestJob, state: JobState): void => {
    job.state = state;
    job.systemModstamp = toSalesforceDateTime(clock.date());
  };

  const processRow = (job: IngestJob, cells: string[]): { id: string; created: boolean } | SaveError => {
    const { object, operation, externalIdFieldName } = job.spec;
    const input: Record<string, unknown> = {};
    job.header.forEach((name, i) => {
      const cell = cells[i] ?? '';
      if (cell === NULL_VALUE) input[name] = null;
      else if (cell !== '') input[name] = cell;
    });
    const idKey = Object.keys(input).find((k) => k.toLowerCase() === 'id');
    const rawId = idKey ? input[idKey] : undefined;
    if (idKey) delete input[idKey];
    if (operation === 'delete' || operation === 'hardDelete') {
      const id = typeof rawId === 'string' ? rawId : '';
      const target = checkTarget(store, object, id);
      if (target) return target;
      const fault = takeRecordFault(recordFaults, object, id);
      if (fault) return fault;
      store.remove(object, id);
      return { id: String(store.get(object, id)?.Id ?? id), created: false };
    }
    let id = typeof rawId === 'string' ? rawId : '';
    if (operation === 'upsert' && externalIdFieldName && externalIdFieldName.toLowerCase() !== 'id') {
      const key = input[externalIdFieldName];
      const match = key === undefined ? undefined : store.getAll(object).find((r) => r.IsDeleted !== true && String(r[externalIdFieldName] ?? '') === String(key));
      id = match ? String(match.Id) : '';
    }
    if (operation === 'update' && !id) return { statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] };
    const creating = operation === 'insert' || (operation === 'upsert' && !id);
    if (!creating) {
      const target = checkTarget(store, object, id);
      if (target) return target;
    }
    const { values, errors } = validateFields(describe, object, input, creating ? 'create' : 'update');
    const first = errors[0] ?? (creating ? null : takeRecordFault(recordFaults, object, id));
    if (first) return first;
    const saved: RawRecord = store.upsert(object, creating ? values : { ...values, Id: String(store.get(object, id)?.Id ?? id) });
    return { id: String(saved.Id), created: creating };
  };

  const run = (job: IngestJob): void => {
    const rows = parseCsv(job.csv ?? '', DELIMITERS[job.spec.columnDelimiter]);
    job.header = rows[0] ?? [];
    const unknown = job.header.filter((h) => h.toLowerCase() !== 'id' && !describe.field(job.spec.object, h));
    if (job.header.length === 0 || unknown.length > 0) {
      job.errorMessage = job.header.length === 0 ? 'InvalidBatch : Failed to parse CSV header' : `InvalidBatch : Field name not found : ${unknown[0] ?? ''}`;
      job.unprocessed = rows.slice(1);
      touch(job, 'Failed');
      return;
    }
    for (const cells of rows.slice(1)) {
      const result = processRow(job, cells);
      const original = job.header.map((_, i) => cells[i] ?? '');
      if ('statusCode' in result) job.failed.push([String(cells[job.header.findIndex((h) => h.toLowerCase() === 'id')] ?? ''), errorText(result), ...original]);
      else job.successful.push([result.id, String(result.created), ...original]);
    }
    touch(job, 'JobComplete');
  };

  const find: RequestHandler = (req, res, next) => {
    const job = jobs.get(String(req.params.jobId));
    if (!job) return sendError(res, 404, NOT_FOUND_MESSAGE, 'NOT_FOUND');
    res.locals.job = job;
    next();
  };
  const jobOf = (locals: Record<string, unknown>): IngestJob => locals.job as IngestJob;

  kit.route('post', base, label('POST'), guard, json, (req, res) => {
    const parsed = createSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, `${parsed.error.issues[0]?.path.join('.') ?? 'body'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'API_ERROR');
    parsed.data.object = describe.canonical(parsed.data.object) ?? parsed.data.object;
    if (!describe.has(parsed.data.object)) return sendError(res, 400, `sObject type '${parsed.data.object}' is not supported.`, 'INVALIDENTITY');
    if (parsed.data.operation === 'upsert' && !parsed.data.externalIdFieldName) return sendError(res, 400, 'External ID was blank for upsert', 'INVALIDJOB');
    const now = toSalesforceDateTime(clock.date());
    const job: IngestJob = {
      id: `750${randomBytes(8).toString('hex').slice(0, 12).toUpperCase()}AAA`,
      spec: parsed.data,
      apiVersion: Number(req.params.version) || 62,
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      csv: null,
      header: [],
      successful: [],
      failed: [],
      unprocessed: [],
    };
    jobs.set(job.id, job);
    sendJson(res, 200, info(job, false));
  });
  kit.route('get', base, label('GET'), guard, (_req, res) => {
    sendJson(res, 200, { done: true, records: [...jobs.values()].map((j) => info(j, false)), nextRecordsUrl: null });
  });
  kit.route('put', `${base}/:jobId/batches`, label('PUT', '/{jobId}/batches'), guard, find, csvBody, (req, res) => {
    const job = jobOf(res.locals);
    if (job.state !== 'Open' || job.csv !== null) return sendError(res, 409, `Job ${job.id} is not open for data upload: data can only be uploaded to a job once`, 'INVALIDJOBSTATE');
    job.csv = typeof req.body === 'string' ? req.body : '';
    res.status(201).end();
  });
  kit.route('patch', `${base}/:jobId`, label('PATCH', '/{jobId}'), guard, find, json, (req, res) => {
    const job = jobOf(res.locals);
    const parsed = stateSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, 'state must be UploadComplete or Aborted', 'INVALIDJOBSTATE');
    if (job.state !== 'Open') return sendError(res, 409, `Job ${job.id} is ${job.state}, not Open`, 'INVALIDJOBSTATE');
    if (parsed.data.state === 'Aborted') touch(job, 'Aborted');
    else {
      touch(job, 'UploadComplete');
      run(job);
    }
    sendJson(res, 200, info(job, false));
  });
  kit.route('get', `${base}/:jobId`, label('GET', '/{jobId}'), guard, find, (_req, res) => sendJson(res, 200, info(jobOf(res.locals), true)));
  kit.route('delete', `${base}/:jobId`, label('DELETE', '/{jobId}'), guard, find, (_req, res) => {
    const job = jobOf(res.locals);
    if (job.state === 'Open' || job.state === 'InProgress') return sendError(res, 409, `Job ${job.id} is ${job.state}; abort it first`, 'INVALIDJOBSTATE');
    jobs.delete(job.id);
    res.status(204).end();
  });
  const results = (kind: 'successful' | 'failed' | 'unprocessed'): RequestHandler => (_req, res) => {
    const job = jobOf(res.locals);
    const delimiter = DELIMITERS[job.spec.columnDelimiter];
    const eol = job.spec.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const header = kind === 'successful' ? ['sf__Id', 'sf__Created', ...job.header] : kind === 'failed' ? ['sf__Id', 'sf__Error', ...job.header] : job.header;
    sendRaw(res, 200, toCsv(header, job[kind], delimiter, eol), 'text/csv;charset=UTF-8');
  };
  kit.route('get', `${base}/:jobId/successfulResults`, label('GET', '/{jobId}/successfulResults'), guard, find, results('successful'));
  kit.route('get', `${base}/:jobId/failedResults`, label('GET', '/{jobId}/failedResults'), guard, find, results('failed'));
  kit.route('get', `${base}/:jobId/unprocessedrecords`, label('GET', '/{jobId}/unprocessedrecords'), guard, find, results('unprocessed'));
}
