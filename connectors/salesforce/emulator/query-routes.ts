/**
 * GET /services/data/vNN.N/query, /queryAll and /query/{locator}: SOQL parsed by soql.ts and
 * evaluated over the store, pages of up to 2,000 records (Sforce-Query-Options: batchSize=N),
 * parent fields through reference fields, datetimes in Salesforce's format.
 */
import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { RawRecord } from '../../../src/sandbox/dataset.ts';
import type { EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { toSalesforceDateTime } from './datetime.ts';
import type { DescribeRegistry, FieldDescribe } from './describe.ts';
import { sendError, sendJson } from './errors.ts';
import { compareValues, conditionFields, conditions, evaluate, parseSoql, SoqlError, type Condition, type ParsedQuery } from './soql.ts';
import type { SalesforceStore } from './store.ts';

export const MAX_BATCH = 2000;
const MIN_BATCH = 200;
const MAX_CURSORS = 1000;

/** An open query: its result set (a snapshot of the matching records) and how to page it. */
interface Cursor {
  records: RawRecord[];
  fields: string[];
  sobject: string;
  batch: number;
}

export interface QueryDeps {
  store: SalesforceStore;
  describe: DescribeRegistry;
}

export interface QueryRouteDeps extends QueryDeps {
  /** The emulator clock in ms (relative date literals). */
  now: () => number;
}

/** `Owner.Name` -> `OwnerId`; `CS_Manager__r.Name` -> `CS_Manager__c`. */
export function relationshipField(path: string): string {
  const rel = path.split('.')[0] ?? '';
  return rel.endsWith('__r') ? `${rel.slice(0, -3)}__c` : `${rel}Id`;
}

function serve(value: unknown, type: string | undefined): unknown {
  // A checkbox is never null in Salesforce: unset is false.
  if (type === 'boolean' && (value === undefined || value === null)) return false;
  if (value === undefined) return null;
  return type === 'datetime' && typeof value === 'string' ? toSalesforceDateTime(value) : value;
}

/** Where a token (a field path, an object name) first stands in the query: row and column, 1-based. */
function locate(soql: string, token: string, after = ''): { row: number; col: number } {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${after}(?<![A-Za-z0-9_.])(${escaped})(?![A-Za-z0-9_])`, 'i').exec(soql);
  if (!m) return { row: 1, col: 1 };
  const idx = m.index + m[0].length - (m[1] ?? '').length;
  const before = soql.slice(0, idx);
  return { row: before.split('\n').length, col: idx - before.lastIndexOf('\n') };
}

/** Salesforce's query error text: the offending line of the query, a caret under the token, its row and column, the message. */
export function queryErrorMessage(soql: string, token: string | null, text: string, after = ''): string {
  const { row, col } = token ? locate(soql, token, after) : { row: 1, col: 1 };
  const line = soql.split('\n')[row - 1] ?? '';
  return `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${text}`;
}

export function createProjector({ store, describe }: QueryDeps) {
  /** The reference field behind a path's first relationship (owner.Name -> OwnerId), its relationship name as the org spells it, and the live parent record. */
  const parentOf = (sobject: string, record: RawRecord, path: string): { key: string; parent: { sobject: string; record: RawRecord } | undefined } => {
    const ref = describe.field(sobject, relationshipField(path));
    const key = ref?.relationshipName ?? path.slice(0, path.indexOf('.'));
    const id = ref ? record[ref.name] : undefined;
    const parent = typeof id === 'string' && id !== '' ? store.find(id) : undefined;
    return { key, parent: parent && parent.record.IsDeleted !== true ? parent : undefined };
  };
  const rest = (path: string): string => path.slice(path.indexOf('.') + 1);

  /** Reads a field, following dotted paths through reference fields (Opportunity.Account.Name). */
  const get = (sobject: string, record: Record<string, unknown>, path: string): unknown => {
    if (!path.includes('.')) {
      const f = describe.field(sobject, path);
      return f ? serve(record[f.name], f.type) : null;
    }
    const { parent } = parentOf(sobject, record, path);
    return parent ? get(parent.sobject, parent.record, rest(path)) : null;
  };

  const attributes = (sobject: string, id: unknown, version: string): Record<string, string> => ({ type: sobject, url: `/services/data/v${version}/sobjects/${sobject}/${String(id)}` });

  /** Writes one selected path into `out`, nesting parents as Salesforce does ({Owner: {attributes, Name}}), null when a parent is absent. */
  const place = (out: Record<string, unknown>, sobject: string, record: RawRecord, path: string, version: string): void => {
    if (!path.includes('.')) {
      const f = describe.field(sobject, path);
      if (f) out[f.name] = serve(record[f.name], f.type);
      return;
    }
    const { key, parent } = parentOf(sobject, record, path);
    if (!parent) {
      out[key] = null;
      return;
    }
    const existing = out[key];
    const nested: Record<string, unknown> = existing && typeof existing === 'object' ? (existing as Record<string, unknown>) : { attributes: attributes(parent.sobject, parent.record.Id, version) };
    place(nested, parent.sobject, parent.record, rest(path), version);
    out[key] = nested;
  };

  const project = (sobject: string, record: RawRecord, fields: string[], version: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { attributes: attributes(sobject, record.Id, version) };
    for (const path of fields) place(out, sobject, record, path, version);
    return out;
  };
  return { get, project };
}

function invalidField(soql: string, path: string, message: string): SoqlError {
  return new SoqlError('INVALID_FIELD', queryErrorMessage(soql, path, message));
}

function validatePath(describe: DescribeRegistry, sobject: string, path: string, soql: string, whole = path): void {
  if (path.includes('.')) {
    const rel = path.slice(0, path.indexOf('.'));
    const ref = describe.field(sobject, relationshipField(path));
    const target = ref?.referenceTo[0];
    if (!ref || ref.type !== 'reference' || !target) throw invalidField(soql, whole, `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    if (describe.has(target)) validatePath(describe, target, path.slice(path.indexOf('.') + 1), soql, whole);
    return;
  }
  if (!describe.field(sobject, path)) {
    throw invalidField(soql, whole, `No such column '${path}' on entity '${sobject}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
}

/** The field a (possibly dotted) path ends on, following reference fields; undefined when a step is unknown. */
function fieldAt(describe: DescribeRegistry, sobject: string, path: string): FieldDescribe | undefined {
  if (!path.includes('.')) return describe.field(sobject, path);
  const target = describe.field(sobject, relationshipField(path))?.referenceTo[0];
  return target && describe.has(target) ? fieldAt(describe, target, path.slice(path.indexOf('.') + 1)) : undefined;
}

const RANGE_LITERALS = ['DATE_LITERAL', 'DATE_N_LITERAL'];

/** Which literal types a field of this type can be compared with, and how Salesforce names the type in its message. */
function accepted(type: FieldDescribe['type']): { literals: string[]; name: string; quoted: boolean } {
  switch (type) {
    case 'datetime':
      return { literals: ['DATETIME', ...RANGE_LITERALS], name: 'dateTime', quoted: false };
    case 'date':
      return { literals: ['DATE', ...RANGE_LITERALS], name: 'date', quoted: false };
    case 'double':
    case 'percent':
    case 'currency':
      return { literals: ['INTEGER', 'DECIMAL'], name: 'double', quoted: false };
    case 'int':
      return { literals: ['INTEGER'], name: 'int', quoted: false };
    case 'boolean':
      return { literals: ['BOOLEAN'], name: 'boolean', quoted: false };
    default:
      return { literals: ['STRING'], name: 'string', quoted: true };
  }
}

/** Salesforce refuses a filter value of the wrong type (a quoted datetime, a number for a text field) with INVALID_FIELD. */
function checkLiteral(describe: DescribeRegistry, sobject: string, cond: Condition, soql: string): void {
  const f = fieldAt(describe, sobject, cond.field);
  if (!f) return;
  const types = (Array.isArray(cond.literalType) ? cond.literalType : [cond.literalType]).filter((t): t is string => typeof t === 'string' && t !== 'NULL');
  const rule = accepted(f.type);
  if (types.every((t) => rule.literals.includes(t))) return;
  const text = `value of filter criterion for field '${f.name}' must be of type ${rule.name} and should ${rule.quoted ? '' : 'not '}be enclosed in quotes`;
  const first = Array.isArray(cond.value) ? cond.value[0] : cond.value;
  throw new SoqlError('INVALID_FIELD', queryErrorMessage(soql, first ?? cond.field, text));
}

export function registerQueryRoutes(kit: EmulatorKit, guard: RequestHandler, deps: QueryRouteDeps): void {
  const { store, describe } = deps;
  const { get, project } = createProjector(deps);
  const cursors = new Map<string, Cursor>();

  /** Keeps the most recently used cursors; a locator stays valid for every offset, so a page can be fetched again (a retry after a broken body). */
  const remember = (key: string, c: Cursor): void => {
    cursors.delete(key);
    cursors.set(key, c);
    if (cursors.size > MAX_CURSORS) cursors.delete(cursors.keys().next().value ?? '');
  };

  const sendPage = (res: Response, c: Cursor, offset: number, version: string, key: string | null): void => {
    const slice = c.records.slice(offset, offset + c.batch);
    const next = offset + slice.length;
    const body: Record<string, unknown> = { totalSize: c.records.length, done: next >= c.records.length };
    if (next < c.records.length) {
      const locator = key ?? `01g${randomBytes(8).toString('hex').slice(0, 12).toUpperCase()}AAA`;
      remember(locator, c);
      body.nextRecordsUrl = `/services/data/v${version}/query/${locator}-${next}`;
    }
    body.records = slice.map((r) => project(c.sobject, r, c.fields, version));
    sendJson(res, 200, body);
  };

  const runQuery = (req: Request, res: Response, all: boolean): void => {
    const soql = typeof req.query.q === 'string' ? req.query.q : '';
    const version = String(req.params.version ?? '62.0');
    let q: ParsedQuery;
    try {
      q = parseSoql(soql);
      const canonical = describe.canonical(q.sObject);
      if (!canonical) {
        throw new SoqlError('INVALID_TYPE', queryErrorMessage(soql, q.sObject, `sObject type '${q.sObject}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`, 'from\\s+'));
      }
      q = { ...q, sObject: canonical };
      for (const path of [...q.fields, ...conditionFields(q.where), ...q.orderBy.map((o) => o.field)]) validatePath(describe, q.sObject, path, soql);
      for (const cond of conditions(q.where)) checkLiteral(describe, q.sObject, cond, soql);
    } catch (err) {
      if (err instanceof SoqlError) return sendError(res, 400, err.message, err.errorCode);
      throw err;
    }
    const sobject = q.sObject;
    const getter = (r: Record<string, unknown>, path: string): unknown => get(sobject, r, path);
    let rows: RawRecord[];
    try {
      const now = deps.now();
      rows = store.getAll(sobject).filter((r) => (all || r.IsDeleted !== true) && (!q.where || evaluate(q.where, r, getter, now)));
    } catch (err) {
      if (err instanceof SoqlError) return sendError(res, 400, err.message, err.errorCode);
      throw err;
    }
    if (q.orderBy.length > 0) rows.sort((a, b) => compareRows(q, a, b, getter));
    rows = rows.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
    if (q.count && q.fields.length === 0) return sendJson(res, 200, { totalSize: rows.length, done: true, records: [] });
    const m = /batchSize=(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
    const batch = m ? Math.min(MAX_BATCH, Math.max(MIN_BATCH, Number(m[1]))) : MAX_BATCH;
    sendPage(res, { records: rows, fields: q.fields, sobject, batch }, 0, version, null);
  };

  const more: RequestHandler = (req, res) => {
    const m = /^(01g[A-Za-z0-9]+)-(\d+)$/.exec(String(req.params.locator ?? ''));
    const c = m ? cursors.get(m[1] ?? '') : undefined;
    const offset = Number(m?.[2]);
    if (!m || !c || offset > c.records.length) return sendError(res, 400, 'invalid query locator', 'INVALID_QUERY_LOCATOR');
    sendPage(res, c, offset, String(req.params.version ?? '62.0'), m[1] ?? null);
  };

  kit.route('get', '/services/data/v:version/query', 'GET /services/data/vXX.X/query', guard, (req, res) => runQuery(req, res, false));
  kit.route('get', '/services/data/v:version/queryAll', 'GET /services/data/vXX.X/queryAll', guard, (req, res) => runQuery(req, res, true));
  kit.route('get', '/services/data/v:version/query/:locator', 'GET /services/data/vXX.X/query/{locator}', guard, more);
  kit.route('get', '/services/data/v:version/queryAll/:locator', 'GET /services/data/vXX.X/queryAll/{locator}', guard, more);
}

function compareRows(q: ParsedQuery, a: RawRecord, b: RawRecord, get: (r: Record<string, unknown>, path: string) => unknown): number {
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
}
