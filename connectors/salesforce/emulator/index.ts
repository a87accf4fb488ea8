/**
 * The Salesforce emulator: OAuth2 token endpoint, REST query/queryAll/queryMore with a real SOQL
 * parser, describe, sObject Collections (update and create), single-record PATCH and GET, /limits
 * with a decreasing daily budget and the Sforce-Limit-Info header, Salesforce's error arrays,
 * and /__sandbox controls (records, describe, limits, per-record faults, stats, faults, clock).
 */
import { randomBytes } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Dataset, RawRecord } from '../../../src/sandbox/dataset.ts';
import { baseUrlOf, createEmulatorKit, type EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { DescribeRegistry } from './describe.ts';
import { SalesforceStore } from './store.ts';
import { compareValues, conditionFields, evaluate, parseSoql, SoqlError, type ParsedQuery } from './soql.ts';
import { toSalesforceDateTime } from './datetime.ts';
import { checkTarget, validateFields, type RecordFault, type SaveError } from './writes.ts';

export { SalesforceStore } from './store.ts';

export interface SalesforceEmulatorOptions {
  dataset: Dataset;
  seed?: number;
  limits?: 'relaxed' | 'real';
  tokenLifetimeSeconds?: number;
  dailyApiRequests?: number;
  describe?: { missingFields?: string[]; readOnlyFields?: string[] };
}

export interface SalesforceEmulator {
  app: Express;
  kit: EmulatorKit;
  store: SalesforceStore;
  describe: DescribeRegistry;
}

const ORG_ID = '00D000000000001EAA';
const INTEGRATION_USER = '005000000000001AAA';
const JSON_TYPE = 'application/json;charset=UTF-8';

const sfError = (message: string, errorCode: string, fields?: string[]): string => JSON.stringify([{ message, errorCode, ...(fields ? { fields } : {}) }]);

const collectionSchema = z.object({
  allOrNone: z.boolean().default(false),
  records: z.array(z.record(z.string(), z.unknown())).min(1),
});
const sandboxRecordsSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]);
const describeSwitchSchema = z.object({ missingFields: z.array(z.string()).optional(), readOnlyFields: z.array(z.string()).optional() });
const limitsSchema = z.object({ dailyApiRequests: z.object({ max: z.number().int().positive(), remaining: z.number().int().nonnegative() }) });
const recordFaultSchema = z.object({
  sobject: z.string().default('Account'),
  id: z.string(),
  statusCode: z.enum(['UNABLE_TO_LOCK_ROW', 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 'ENTITY_IS_DELETED']),
  message: z.string().optional(),
  count: z.number().int().positive().default(1),
});

function relationshipField(path: string): string {
  const rel = path.split('.')[0] ?? '';
  return rel.endsWith('__r') ? `${rel.slice(0, -3)}__c` : `${rel}Id`;
}

export function createSalesforceEmulator(options: SalesforceEmulatorOptions): SalesforceEmulator {
  const kit = createEmulatorKit({
    name: 'salesforce',
    seed: options.seed,
    errors: {
      error(status, kind) {
        const body =
          kind === 'session-expired'
            ? sfError('Session expired or invalid', 'INVALID_SESSION_ID')
            : kind === 'not-found'
              ? sfError('The requested resource does not exist', 'NOT_FOUND')
              : kind === 'rate-limit'
                ? sfError('TotalRequests Limit exceeded.', 'REQUEST_LIMIT_EXCEEDED')
                : status === 503
                  ? sfError('Server temporarily unavailable', 'SERVER_UNAVAILABLE')
                  : sfError('An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)', 'UNKNOWN_EXCEPTION');
        return { body, contentType: JSON_TYPE };
      },
    },
  });
  const { app, clock } = kit;
  const store = new SalesforceStore(options.dataset.salesforce, options.dataset.manifest.generatedAt);
  const describe = new DescribeRegistry(new Map(store.objectNames().map((o) => [o, store.getAll(o)])), options.describe);
  const tokens = new Map<string, number>();
  const refreshTokens = new Set<string>();
  const lifetimeMs = (options.tokenLifetimeSeconds ?? 7200) * 1000;
  const budget = { max: options.dailyApiRequests ?? (options.limits === 'real' ? 15_000 : 1_000_000), used: 0 };
  const cursors = new Map<string, { records: RawRecord[]; fields: string[]; sobject: string; offset: number; batch: number; version: string }>();
  const recordFaults: RecordFault[] = [];

  app.use('/services', express.urlencoded({ extended: false, limit: '1mb' }), express.json({ limit: '50mb' }));

  const sendJson = (res: Response, status: number, body: unknown): void => {
    res.status(status).type(JSON_TYPE).send(JSON.stringify(body));
  };
  const sendError = (res: Response, status: number, message: string, code: string, fields?: string[]): void => {
    res.status(status).type(JSON_TYPE).send(sfError(message, code, fields));
  };

  // OAuth2 token endpoint.
  const issue = (req: Request, res: Response, withRefresh: boolean): void => {
    const access = `00D000000000001!${randomBytes(24).toString('base64url')}`;
    tokens.set(access, clock.now() + lifetimeMs);
    const base = baseUrlOf(req);
    const body: Record<string, unknown> = {
      access_token: access,
      signature: randomBytes(32).toString('base64'),
      scope: 'api',
      instance_url: base,
      id: `${base}/id/${ORG_ID}/${INTEGRATION_USER}`,
      token_type: 'Bearer',
      issued_at: String(clock.now()),
    };
    if (withRefresh) {
      const refresh = `5Aep${randomBytes(24).toString('base64url')}`;
      refreshTokens.add(refresh);
      body.refresh_token = refresh;
    }
    sendJson(res, 200, body);
  };
  const grantError = (res: Response, error: string, description: string): void => sendJson(res, 400, { error, error_description: description });
  kit.route('post', '/services/oauth2/token', 'POST /services/oauth2/token', (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const grant = String(form.grant_type ?? '');
    if (grant === 'client_credentials') {
      if (form.client_id !== 'sandbox' || form.client_secret !== 'sandbox') return grantError(res, 'invalid_client', 'invalid client credentials');
      return issue(req, res, false);
    }
    if (grant === 'refresh_token') {
      if (form.client_id !== 'sandbox' || typeof form.refresh_token !== 'string' || !refreshTokens.has(form.refresh_token)) return grantError(res, 'invalid_grant', 'expired access/refresh token');
      return issue(req, res, false);
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const parts = String(form.assertion ?? '').split('.');
      let claims: Record<string, unknown>;
      try {
        claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return grantError(res, 'invalid_grant', 'invalid assertion');
      }
      if (parts.length !== 3 || claims.iss !== 'sandbox' || typeof claims.sub !== 'string' || typeof claims.aud !== 'string') return grantError(res, 'invalid_grant', 'invalid assertion');
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < clock.now()) return grantError(res, 'invalid_grant', 'expired authorization code');
      return issue(req, res, false);
    }
    if (grant === 'password' && form.client_id === 'sandbox') return issue(req, res, true);
    return grantError(res, 'unsupported_grant_type', 'grant type not supported');
  });

  // Authentication and the daily budget for every REST call.
  const rest = (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : header.startsWith('OAuth ') ? header.slice(6) : '';
    const expires = tokens.get(token);
    if (expires === undefined || expires < clock.now()) {
      sendError(res, 401, 'Session expired or invalid', 'INVALID_SESSION_ID');
      return;
    }
    if (budget.used >= budget.max) {
      res.setHeader('Sforce-Limit-Info', `api-usage=${budget.used}/${budget.max}`);
      sendError(res, 403, 'TotalRequests Limit exceeded.', 'REQUEST_LIMIT_EXCEEDED');
      return;
    }
    budget.used += 1;
    res.setHeader('Sforce-Limit-Info', `api-usage=${budget.used}/${budget.max}`);
    next();
  };

  // Reads a (possibly dotted) field from a record, resolving parents by their reference field.
  const getter = (sobject: string) => (record: Record<string, unknown>, path: string): unknown => {
    if (!path.includes('.')) {
      const f = describe.field(sobject, path);
      return f ? (record[f.name] ?? null) : null;
    }
    const parentId = record[relationshipField(path)];
    if (typeof parentId !== 'string') return null;
    const parent = store.find(parentId);
    return parent ? (parent.record[path.split('.').slice(1).join('.')] ?? null) : null;
  };

  const validatePath = (sobject: string, path: string, soql: string): void => {
    if (path.includes('.')) {
      const ref = relationshipField(path);
      if (!describe.field(sobject, ref)) throw new SoqlError('INVALID_FIELD', `\n${soql}\n^\nERROR at Row:1:Column:1\nDidn't understand relationship '${path.split('.')[0]}' in field path.`);
      return;
    }
    if (!describe.field(sobject, path)) {
      throw new SoqlError('INVALID_FIELD', `\n${soql.slice(0, 200)}\n^\nERROR at Row:1:Column:1\nNo such column '${path}' on entity '${sobject}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
  };

  const project = (sobject: string, record: RawRecord, fields: string[], version: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { attributes: { type: sobject, url: `/services/data/v${version}/sobjects/${sobject}/${String(record.Id)}` } };
    for (const path of fields) {
      if (!path.includes('.')) {
        const f = describe.field(sobject, path);
        if (!f) continue;
        const v = record[f.name] ?? null;
        out[f.name] = f.type === 'datetime' && typeof v === 'string' ? toSalesforceDateTime(v) : v;
        continue;
      }
      const [rel, ...rest] = path.split('.');
      const relName = rel ?? '';
      const parentId = record[relationshipField(path)];
      const parent = typeof parentId === 'string' ? store.find(parentId) : undefined;
      if (!parent) {
        out[relName] = null;
        continue;
      }
      const nested = (out[relName] as Record<string, unknown> | null | undefined) ?? { attributes: { type: parent.sobject, url: `/services/data/v${version}/sobjects/${parent.sobject}/${parentId as string}` } };
      nested[rest.join('.')] = parent.record[rest.join('.')] ?? null;
      out[relName] = nested;
    }
    return out;
  };

  const runQuery = (req: Request, res: Response, all: boolean): void => {
    const soql = typeof req.query.q === 'string' ? req.query.q : '';
    const version = String(req.params.version ?? '62.0');
    let q: ParsedQuery;
    try {
      q = parseSoql(soql);
      if (!store.has(q.sObject) && !describe.has(q.sObject)) {
        throw new SoqlError('INVALID_TYPE', `\n${soql.slice(0, 200)}\n^\nERROR at Row:1:Column:1\nsObject type '${q.sObject}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
      }
      for (const path of [...q.fields, ...conditionFields(q.where), ...q.orderBy.map((o) => o.field)]) validatePath(q.sObject, path, soql);
    } catch (err) {
      if (err instanceof SoqlError) return sendError(res, 400, err.message, err.errorCode);
      throw err;
    }
    const get = getter(q.sObject);
    let rows = store.getAll(q.sObject).filter((r) => (all || r.IsDeleted !== true) && (!q.where || evaluate(q.where, r, get)));
    if (q.orderBy.length > 0) {
      rows = rows.sort((a, b) => {
        for (const o of q.orderBy) {
          const va = get(a, o.field);
          const vb = get(b, o.field);
          const an = va === null || va === undefined;
          const bn = vb === null || vb === undefined;
          if (an || bn) {
            if (an && bn) continue;
            return an === o.nullsFirst ? -1 : 1;
          }
          const c = compareValues(va, vb, /Id$/.test(o.field));
          if (c !== 0) return o.desc ? -c : c;
        }
        return 0;
      });
    }
    rows = rows.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
    if (q.count && q.fields.length === 0) return sendJson(res, 200, { totalSize: rows.length, done: true, records: [] });
    const header = String(req.headers['sforce-query-options'] ?? '');
    const m = /batchSize=(\d+)/i.exec(header);
    const batch = m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
    sendPage(res, { records: rows, fields: q.fields, sobject: q.sObject, offset: 0, batch, version });
  };

  const sendPage = (res: Response, c: { records: RawRecord[]; fields: string[]; sobject: string; offset: number; batch: number; version: string }): void => {
    const slice = c.records.slice(c.offset, c.offset + c.batch);
    const next = c.offset + slice.length;
    const body: Record<string, unknown> = { totalSize: c.records.length, done: next >= c.records.length, records: slice.map((r) => project(c.sobject, r, c.fields, c.version)) };
    if (next < c.records.length) {
      const locator = `01g${randomBytes(6).toString('hex')}`;
      cursors.set(locator, { ...c, offset: next });
      body.nextRecordsUrl = `/services/data/v${c.version}/query/${locator}-${next}`;
      if (cursors.size > 1000) cursors.delete(cursors.keys().next().value as string);
    }
    sendJson(res, 200, body);
  };

  kit.route('get', '/services/data/v:version/query', 'GET /services/data/vXX.X/query', rest, (req, res) => runQuery(req, res, false));
  kit.route('get', '/services/data/v:version/queryAll', 'GET /services/data/vXX.X/queryAll', rest, (req, res) => runQuery(req, res, true));
  const more = (req: Request, res: Response): void => {
    const locator = String(req.params.locator ?? '');
    const c = cursors.get(locator.split('-')[0] ?? '');
    if (!c) return sendError(res, 400, 'invalid query locator', 'INVALID_QUERY_LOCATOR');
    cursors.delete(locator.split('-')[0] ?? '');
    sendPage(res, { ...c, version: String(req.params.version ?? c.version) });
  };
  kit.route('get', '/services/data/v:version/query/:locator', 'GET /services/data/vXX.X/query/{locator}', rest, more);
  kit.route('get', '/services/data/v:version/queryAll/:locator', 'GET /services/data/vXX.X/queryAll/{locator}', rest, more);

  kit.route('get', '/services/data/v:version/sobjects', 'GET /services/data/vXX.X/sobjects', rest, (_req, res) => {
    sendJson(res, 200, { encoding: 'UTF-8', maxBatchSize: 200, sobjects: describe.objects().map((name) => ({ name, label: name, queryable: true, updateable: true, createable: true, custom: name.endsWith('__c') })) });
  });
  kit.route('get', '/services/data/v:version/sobjects/:type/describe', 'GET /services/data/vXX.X/sobjects/{type}/describe', rest, (req, res) => {
    const type = String(req.params.type);
    if (!describe.has(type)) return sendError(res, 404, `The requested resource does not exist`, 'NOT_FOUND');
    sendJson(res, 200, { name: type, label: type, custom: type.endsWith('__c'), queryable: true, updateable: true, createable: true, fields: describe.fields(type) });
  });

  const faultFor = (sobject: string, id: string): SaveError | null => {
    const f = recordFaults.find((x) => x.sobject === sobject && x.id === id && x.remaining > 0);
    if (!f) return null;
    f.remaining -= 1;
    return {
      statusCode: f.statusCode,
      message: f.message || (f.statusCode === 'UNABLE_TO_LOCK_ROW' ? 'unable to obtain exclusive access to this record or 1 records' : 'Validation rule failed'),
      fields: [],
    };
  };

  const rolledBack: SaveError = { statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };

  kit.route('patch', '/services/data/v:version/composite/sobjects', 'PATCH /services/data/vXX.X/composite/sobjects', rest, (req, res) => {
    const parsed = collectionSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, `JSON_PARSER_ERROR: ${parsed.error.issues[0]?.message ?? 'invalid body'}`, 'JSON_PARSER_ERROR');
    if (parsed.data.records.length > 200) return sendError(res, 400, 'Maximum number of records exceeded: 200', 'EXCEEDED_ID_LIMIT');
    const now = clock.date();
    const plans = parsed.data.records.map((r) => {
      const attrs = r.attributes as { type?: unknown } | undefined;
      const sobject = typeof attrs?.type === 'string' ? attrs.type : '';
      const id = typeof r.id === 'string' ? r.id : typeof r.Id === 'string' ? r.Id : '';
      if (!sobject || !id) return { id, sobject, values: {}, errors: [{ statusCode: 'INVALID_FIELD', message: 'each record needs attributes.type and an id', fields: [] }] };
      const target = checkTarget(store, sobject, id);
      if (target) return { id, sobject, values: {}, errors: [target] };
      const { values, errors } = validateFields(describe, sobject, r, 'update');
      const fault = errors.length === 0 ? faultFor(sobject, id) : null;
      return { id, sobject, values, errors: fault ? [fault] : errors };
    });
    const anyFailed = plans.some((p) => p.errors.length > 0);
    const results = plans.map((p) => {
      if (p.errors.length > 0) return { id: p.id || undefined, success: false, errors: p.errors };
      if (parsed.data.allOrNone && anyFailed) return { id: p.id, success: false, errors: [rolledBack] };
      store.upsert(p.sobject, { ...p.values, Id: store.get(p.sobject, p.id)?.Id ?? p.id }, now);
      return { id: p.id, success: true, errors: [] };
    });
    sendJson(res, 200, results);
  });

  kit.route('post', '/services/data/v:version/composite/sobjects', 'POST /services/data/vXX.X/composite/sobjects', rest, (req, res) => {
    const parsed = collectionSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, 400, `JSON_PARSER_ERROR: ${parsed.error.issues[0]?.message ?? 'invalid body'}`, 'JSON_PARSER_ERROR');
    if (parsed.data.records.length > 200) return sendError(res, 400, 'Maximum number of records exceeded: 200', 'EXCEEDED_ID_LIMIT');
    const now = clock.date();
    const plans = parsed.data.records.map((r) => {
      const attrs = r.attributes as { type?: unknown } | undefined;
      const sobject = typeof attrs?.type === 'string' ? attrs.type : '';
      if (!sobject || !describe.has(sobject)) return { sobject, values: {}, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${sobject}' is not supported.`, fields: [] }] };
      return { sobject, ...validateFields(describe, sobject, r, 'create') };
    });
    const anyFailed = plans.some((p) => p.errors.length > 0);
    sendJson(
      res,
      200,
      plans.map((p) => {
        if (p.errors.length > 0) return { success: false, errors: p.errors };
        if (parsed.data.allOrNone && anyFailed) return { success: false, errors: [rolledBack] };
        const created = store.upsert(p.sobject, { ...p.values, Id: store.newId(p.sobject) }, now);
        return { id: created.Id, success: true, errors: [] };
      }),
    );
  });

  kit.route('get', '/services/data/v:version/sobjects/:type/:id', 'GET /services/data/vXX.X/sobjects/{type}/{id}', rest, (req, res) => {
    const type = String(req.params.type);
    const record = store.get(type, String(req.params.id));
    if (!record || record.IsDeleted === true) return sendError(res, 404, 'The requested resource does not exist', 'NOT_FOUND');
    sendJson(res, 200, project(type, record, describe.fields(type).map((f) => f.name), String(req.params.version)));
  });
  kit.route('patch', '/services/data/v:version/sobjects/:type/:id', 'PATCH /services/data/vXX.X/sobjects/{type}/{id}', rest, (req, res) => {
    const type = String(req.params.type);
    const id = String(req.params.id);
    const target = checkTarget(store, type, id);
    if (target) return sendError(res, target.statusCode === 'ENTITY_IS_DELETED' ? 404 : 404, target.message, target.statusCode === 'ENTITY_IS_DELETED' ? 'ENTITY_IS_DELETED' : 'NOT_FOUND');
    const { values, errors } = validateFields(describe, type, (req.body ?? {}) as Record<string, unknown>, 'update');
    const fault = errors.length === 0 ? faultFor(type, id) : null;
    const first = fault ?? errors[0];
    if (first) return sendError(res, 400, first.message, first.statusCode, first.fields);
    store.upsert(type, { ...values, Id: store.get(type, id)?.Id ?? id }, clock.date());
    res.status(204).end();
  });

  kit.route('get', '/services/data/v:version/limits', 'GET /services/data/vXX.X/limits', rest, (_req, res) => {
    sendJson(res, 200, {
      DailyApiRequests: { Max: budget.max, Remaining: Math.max(0, budget.max - budget.used) },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DailyBulkApiBatches: { Max: 15000, Remaining: 15000 },
    });
  });
  kit.route('get', '/services/data', 'GET /services/data', (_req, res) => {
    sendJson(res, 200, [{ label: "Summer '26", url: '/services/data/v67.0', version: '67.0' }, { label: "Winter '25", url: '/services/data/v62.0', version: '62.0' }]);
  });

  // Sandbox controls (tests and demos).
  const control = express.json({ limit: '20mb' });
  app.post('/__sandbox/records/:sobject', control, (req, res) => {
    const parsed = sandboxRecordsSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'send a record object or an array of records' });
    const sobject = String(req.params.sobject);
    const saved = (Array.isArray(parsed.data) ? parsed.data : [parsed.data]).map((r) => store.upsert(sobject, r as RawRecord, clock.date()));
    res.status(201).json({ records: saved });
  });
  app.delete('/__sandbox/records/:sobject/:id', (req, res) => {
    const ok = store.remove(String(req.params.sobject), String(req.params.id), clock.date());
    res.status(ok ? 204 : 404).end();
  });
  app.get('/__sandbox/records/:sobject', (req, res) => {
    res.json({ records: store.getAll(String(req.params.sobject)) });
  });
  app.post('/__sandbox/describe', control, (req, res) => {
    const parsed = describeSwitchSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'send {"missingFields": ["Account.Field__c"], "readOnlyFields": [...]}' });
    describe.configure(parsed.data);
    res.json(parsed.data);
  });
  app.post('/__sandbox/limits', control, (req, res) => {
    const parsed = limitsSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: 'send {"dailyApiRequests": {"max": n, "remaining": n}}' });
    budget.max = parsed.data.dailyApiRequests.max;
    budget.used = Math.max(0, budget.max - parsed.data.dailyApiRequests.remaining);
    res.json({ DailyApiRequests: { Max: budget.max, Remaining: budget.max - budget.used } });
  });
  app.post('/__sandbox/record-faults', control, (req, res) => {
    const parsed = recordFaultSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    recordFaults.push({ sobject: parsed.data.sobject, id: parsed.data.id, statusCode: parsed.data.statusCode, message: parsed.data.message ?? '', remaining: parsed.data.count });
    res.status(201).json({ ok: true });
  });

  kit.finish();
  return { app, kit, store, describe };
}
