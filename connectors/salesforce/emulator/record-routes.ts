/**
 * Record routes: sObject Collections update and create (PATCH/POST /composite/sobjects),
 * single-record GET, PATCH and POST, describe, the sObject list and /limits. Per-record faults
 * (UNABLE_TO_LOCK_ROW, FIELD_CUSTOM_VALIDATION_EXCEPTION) queued through /__sandbox/record-faults.
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { RawRecord } from '../../../src/sandbox/dataset.ts';
import type { EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import type { DescribeRegistry } from './describe.ts';
import { NOT_FOUND_MESSAGE, sendError, sendJson } from './errors.ts';
import type { ApiBudget } from './oauth.ts';
import { createProjector } from './query-routes.ts';
import type { SalesforceStore } from './store.ts';
import { checkTarget, takeRecordFault, validateFields, type RecordFault, type SaveError } from './writes.ts';

export const MAX_COLLECTION_RECORDS = 200;
const MAX_CHUNKS = 10;

const recordSchema = z.record(z.string(), z.unknown());
const collectionSchema = z.object({ allOrNone: z.boolean().default(false), records: z.array(recordSchema) });
const typeSchema = z.object({ attributes: z.looseObject({ type: z.string().min(1) }) });

const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

export interface RecordDeps {
  store: SalesforceStore;
  describe: DescribeRegistry;
  budget: ApiBudget;
  recordFaults: RecordFault[];
}

interface Plan {
  id: string;
  sobject: string;
  values: RawRecord;
  errors: SaveError[];
}

export function registerRecordRoutes(kit: EmulatorKit, guard: RequestHandler, deps: RecordDeps): void {
  const { store, describe, budget, recordFaults } = deps;
  const { project } = createProjector(deps);
  const base = '/services/data/v:version';
  const label = (method: string, path: string): string => `${method} /services/data/vXX.X${path}`;

  const faultFor = (sobject: string, id: string): SaveError | null => takeRecordFault(recordFaults, sobject, id);

  /** Object names are case-insensitive in Salesforce; unknown ones stay as sent (and fail later). */
  const canonicalType = (name: string): string => describe.canonical(name) ?? name;

  const typeOf = (r: Record<string, unknown>): string => {
    const parsed = typeSchema.safeParse(r);
    return parsed.success ? canonicalType(parsed.data.attributes.type) : '';
  };

  const planUpdate = (r: Record<string, unknown>): Plan => {
    const sobject = typeOf(r);
    const rawId = r.id ?? r.Id;
    const id = typeof rawId === 'string' ? rawId : '';
    if (!sobject) return { id, sobject, values: {}, errors: [{ statusCode: 'INVALID_TYPE', message: 'Must specify a type in attributes', fields: [] }] };
    if (!id) return { id, sobject, values: {}, errors: [{ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] }] };
    if (!describe.has(sobject)) return { id, sobject, values: {}, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${sobject}' is not supported.`, fields: [] }] };
    const target = checkTarget(store, sobject, id);
    if (target) return { id, sobject, values: {}, errors: [target] };
    const { values, errors } = validateFields(describe, sobject, r, 'update');
    const fault = errors.length === 0 ? faultFor(sobject, id) : null;
    return { id: String(store.get(sobject, id)?.Id ?? id), sobject, values, errors: fault ? [fault] : errors };
  };

  const planCreate = (r: Record<string, unknown>): Plan => {
    const sobject = typeOf(r);
    if (!sobject || !describe.has(sobject)) return { id: '', sobject, values: {}, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${sobject}' is not supported.`, fields: [] }] };
    if (r.id !== undefined || r.Id !== undefined) return { id: '', sobject, values: {}, errors: [{ statusCode: 'INVALID_FIELD', message: 'cannot specify Id in an insert call', fields: ['Id'] }] };
    return { id: '', sobject, ...validateFields(describe, sobject, r, 'create') };
  };

  const collection = (mode: 'update' | 'create'): RequestHandler => (req, res) => {
    const parsed = collectionSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, `JSON_PARSER_ERROR: ${parsed.error.issues[0]?.message ?? 'invalid body'}`, 'JSON_PARSER_ERROR');
    const { records, allOrNone } = parsed.data;
    if (records.length === 0) return sendError(res, 400, 'No records to process', 'INVALID_FIELD');
    if (records.length > MAX_COLLECTION_RECORDS) return sendError(res, 400, `The number of records exceeds the maximum of ${MAX_COLLECTION_RECORDS}`, 'EXCEEDED_ID_LIMIT');
    // Mixed types are processed in chunks of consecutive same-type records, at most 10 of them.
    const chunks = records.map(typeOf).filter((t, i, all) => i === 0 || t !== all[i - 1]).length;
    if (chunks > MAX_CHUNKS) return sendError(res, 400, 'Cannot have more than 10 chunks in a single operation. Please rearrange the data to reduce chunking.', 'EXCEEDED_MAX_TYPES_LIMIT');
    const plans = records.map((r) => (mode === 'update' ? planUpdate(r) : planCreate(r)));
    const anyFailed = plans.some((p) => p.errors.length > 0);
    const results = plans.map((p) => {
      if (p.errors.length > 0) return { success: false, errors: p.errors };
      if (allOrNone && anyFailed) return mode === 'update' ? { id: p.id, success: false, errors: [ROLLED_BACK] } : { success: false, errors: [ROLLED_BACK] };
      const saved = store.upsert(p.sobject, mode === 'update' ? { ...p.values, Id: p.id } : p.values);
      return { id: String(saved.Id), success: true, errors: [] };
    });
    sendJson(res, 200, results);
  };

  kit.route('patch', `${base}/composite/sobjects`, label('PATCH', '/composite/sobjects'), guard, collection('update'));
  kit.route('post', `${base}/composite/sobjects`, label('POST', '/composite/sobjects'), guard, collection('create'));

  kit.route('get', `${base}/sobjects`, label('GET', '/sobjects'), guard, (_req, res) => {
    sendJson(res, 200, {
      encoding: 'UTF-8',
      maxBatchSize: MAX_COLLECTION_RECORDS,
      sobjects: describe.objects().map((name) => ({ name, label: name, custom: name.endsWith('__c'), queryable: true, updateable: true, createable: true, deletable: true, urls: { sobject: `/services/data/v62.0/sobjects/${name}`, describe: `/services/data/v62.0/sobjects/${name}/describe` } })),
    });
  });
  kit.route('get', `${base}/sobjects/:type/describe`, label('GET', '/sobjects/{type}/describe'), guard, (req, res) => {
    const type = canonicalType(String(req.params.type));
    if (!describe.has(type)) return sendError(res, 404, NOT_FOUND_MESSAGE, 'NOT_FOUND');
    const version = String(req.params.version);
    sendJson(res, 200, {
      name: type,
      label: type,
      labelPlural: `${type}s`,
      keyPrefix: store.prefixOf(type),
      custom: type.endsWith('__c'),
      queryable: true,
      retrieveable: true,
      searchable: true,
      updateable: true,
      createable: true,
      deletable: true,
      fields: describe.fields(type),
      urls: { sobject: `/services/data/v${version}/sobjects/${type}`, describe: `/services/data/v${version}/sobjects/${type}/describe`, rowTemplate: `/services/data/v${version}/sobjects/${type}/{ID}` },
    });
  });
  kit.route('get', `${base}/sobjects/:type/:id`, label('GET', '/sobjects/{type}/{id}'), guard, (req, res) => {
    const type = canonicalType(String(req.params.type));
    const record = describe.has(type) ? store.get(type, String(req.params.id)) : undefined;
    if (!record || record.IsDeleted === true) return sendError(res, 404, NOT_FOUND_MESSAGE, 'NOT_FOUND');
    // ?fields=Name,Industry selects fields (Id always comes along); without it every field of the describe.
    const requested = typeof req.query.fields === 'string' ? req.query.fields.split(',').map((f) => f.trim()).filter((f) => f !== '') : null;
    const unknown = requested?.find((f) => !describe.field(type, f));
    if (unknown) return sendError(res, 400, `No such column '${unknown}' on entity '${type}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`, 'INVALID_FIELD');
    const fields = requested ? [...requested.filter((f) => f.toLowerCase() !== 'id'), 'Id'] : describe.fields(type).map((f) => f.name);
    sendJson(res, 200, project(type, record, fields, String(req.params.version)));
  });
  kit.route('patch', `${base}/sobjects/:type/:id`, label('PATCH', '/sobjects/{type}/{id}'), guard, (req, res) => {
    const type = canonicalType(String(req.params.type));
    const body = recordSchema.safeParse(req.body ?? {});
    if (!body.success) return sendError(res, 400, 'JSON_PARSER_ERROR: send a JSON object of field values', 'JSON_PARSER_ERROR');
    if (!describe.has(type)) return sendError(res, 404, NOT_FOUND_MESSAGE, 'NOT_FOUND');
    const plan = planUpdate({ ...body.data, attributes: { type }, Id: String(req.params.id) });
    const first = plan.errors[0];
    if (first) {
      const status = first.statusCode === 'ENTITY_IS_DELETED' || first.statusCode === 'INVALID_CROSS_REFERENCE_KEY' ? 404 : 400;
      return sendError(res, status, first.statusCode === 'INVALID_CROSS_REFERENCE_KEY' ? NOT_FOUND_MESSAGE : first.message, first.statusCode === 'INVALID_CROSS_REFERENCE_KEY' ? 'NOT_FOUND' : first.statusCode, first.fields);
    }
    store.upsert(type, { ...plan.values, Id: plan.id });
    res.status(204).end();
  });
  kit.route('post', `${base}/sobjects/:type`, label('POST', '/sobjects/{type}'), guard, (req, res) => {
    const type = canonicalType(String(req.params.type));
    const body = recordSchema.safeParse(req.body ?? {});
    if (!body.success) return sendError(res, 400, 'JSON_PARSER_ERROR: send a JSON object of field values', 'JSON_PARSER_ERROR');
    if (!describe.has(type)) return sendError(res, 404, NOT_FOUND_MESSAGE, 'NOT_FOUND');
    const plan = planCreate({ ...body.data, attributes: { type } });
    const first = plan.errors[0];
    if (first) return sendError(res, 400, first.message, first.statusCode, first.fields);
    const saved = store.upsert(type, plan.values);
    sendJson(res, 201, { id: String(saved.Id), success: true, errors: [] });
  });

  kit.route('get', `${base}/limits`, label('GET', '/limits'), guard, (_req, res) => {
    sendJson(res, 200, {
      DailyApiRequests: { Max: budget.max, Remaining: budget.remaining() },
      DailyAsyncApexExecutions: { Max: 250000, Remaining: 250000 },
      DailyBulkApiRequests: { Max: 15000, Remaining: 15000 },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DataStorageMB: { Max: 1024, Remaining: 1024 },
      FileStorageMB: { Max: 1024, Remaining: 1024 },
    });
  });
  kit.route('get', `${base}{/}`, label('GET', ''), guard, (req, res) => {
    const v = `/services/data/v${String(req.params.version)}`;
    const names = ['sobjects', 'query', 'queryAll', 'limits', 'composite', 'jobs'];
    sendJson(res, 200, Object.fromEntries(names.map((n) => [n, n === 'jobs' ? `${v}/jobs/ingest` : `${v}/${n}`])));
  });
  kit.route('get', '/services/data', 'GET /services/data', (_req, res) => {
    sendJson(res, 200, [
      { label: "Winter '25", url: '/services/data/v62.0', version: '62.0' },
      { label: "Summer '26", url: '/services/data/v67.0', version: '67.0' },
    ]);
  });
}
