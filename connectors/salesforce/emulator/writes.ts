/** Validation and application of record writes (sObject Collections, single-record PATCH, create). */
import type { RawRecord } from '../../../src/sandbox/dataset.ts';
import type { DescribeRegistry, FieldDescribe } from './describe.ts';
import { isWellFormedId, type SalesforceStore } from './store.ts';

export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export interface RecordFault {
  sobject: string;
  id: string;
  statusCode: string;
  message: string;
  remaining: number;
}

/**
 * Salesforce's JSON reader accepts numbers and booleans sent as strings ("10000", "true"), as a
 * recorded collection update shows; anything else of the wrong type is refused.
 */
function coerce(f: FieldDescribe, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (['double', 'int', 'percent', 'currency'].includes(f.type) && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (f.type === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}

function typeError(f: FieldDescribe, value: unknown): SaveError | null {
  if (value === null) {
    return f.nillable ? null : { statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${f.name}]`, fields: [f.name] };
  }
  const bad = (): SaveError => ({ statusCode: 'INVALID_TYPE_ON_FIELD_IN_RECORD', message: `${f.label}: value not of required type: ${JSON.stringify(value)}`, fields: [f.name] });
  switch (f.type) {
    case 'double':
    case 'int':
    case 'percent':
    case 'currency':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad();
      if (f.precision > 0 && Math.abs(Math.trunc(value)).toString().length > f.precision - f.scale) {
        return { statusCode: 'NUMBER_OUTSIDE_VALID_RANGE', message: `${f.label}: value outside of valid range on numeric field: ${value}`, fields: [f.name] };
      }
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : bad();
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? null : bad();
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))) ? null : bad();
    default: {
      if (typeof value !== 'string') return bad();
      if (f.length > 0 && value.length > f.length) {
        return { statusCode: 'STRING_TOO_LONG', message: `${f.label}: data value too large: ${value.slice(0, 40)}... (max length=${f.length})`, fields: [f.name] };
      }
      if (f.type === 'picklist' && f.restrictedPicklist && !f.picklistValues.some((p) => p.value === value)) {
        return { statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: `${f.label}: bad value for restricted picklist field: ${value}`, fields: [f.name] };
      }
      return null;
    }
  }
}

/** Checks one record's fields; returns the canonical field values or the errors. */
export function validateFields(describe: DescribeRegistry, sobject: string, input: Record<string, unknown>, mode: 'update' | 'create'): { values: RawRecord; errors: SaveError[] } {
  const values: RawRecord = {};
  const errors: SaveError[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (name === 'attributes' || name === 'id' || name === 'Id') continue;
    const f = describe.field(sobject, name);
    if (!f) {
      errors.push({ statusCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${sobject}`, fields: [name] });
      continue;
    }
    if ((mode === 'update' && !f.updateable) || (mode === 'create' && !f.createable)) {
      errors.push({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, fields: [f.name] });
      continue;
    }
    const coerced = coerce(f, value);
    const problem = typeError(f, coerced);
    if (problem) errors.push(problem);
    else values[f.name] = coerced;
  }
  return { values, errors };
}

export function checkTarget(store: SalesforceStore, sobject: string, id: string): SaveError | null {
  const existing = store.get(sobject, id);
  const prefix = store.prefixOf(sobject);
  const wrongPrefix = prefix !== null && !id.startsWith(prefix);
  if (!existing && (!isWellFormedId(id) || wrongPrefix)) return { statusCode: 'MALFORMED_ID', message: `${sobject} ID: id value of incorrect type: ${id}`, fields: ['Id'] };
  if (!existing) return { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] };
  if (existing.IsDeleted === true) return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
  return null;
}

/** Takes one queued per-record fault for this record (15- or 18-character id), if any. */
export function takeRecordFault(faults: RecordFault[], sobject: string, id: string): SaveError | null {
  const f = faults.find((x) => x.sobject === sobject && x.remaining > 0 && (x.id === id || id.startsWith(x.id) || x.id.startsWith(id)));
  if (!f) return null;
  f.remaining -= 1;
  const fallback = f.statusCode === 'UNABLE_TO_LOCK_ROW' ? 'unable to obtain exclusive access to this record or 1 records' : 'Validation rule failed';
  return { statusCode: f.statusCode, message: f.message || fallback, fields: [] };
}
