/**
 * Write-back planning (pure): compare the desired values with what Salesforce holds, both
 * coerced to the field's type (describe's type when known), and keep only the fields that differ.
 * Unchanged accounts cost nothing; fields Tidemark does not own are never sent. What Tidemark last
 * wrote serves only to notice manual edits of owned fields (logged; respected when configured).
 */
import { HEALTH_FIELDS, HEALTH_UPDATED_FIELD, keyOf, type FieldSpec } from './field-specs.ts';

export type FieldValue = string | number | boolean | null;

export interface AccountWriteInput {
  accountId: string;
  /** Values Salesforce holds now (read during the Account pull). */
  current: Record<string, unknown>;
  /** Values Tidemark computed, by Tidemark's names (FieldSpec.key). Fields absent here are left alone. */
  desired: Record<string, unknown>;
  /** What Tidemark last wrote to this account, by Salesforce field (absent: never written). */
  lastWritten?: Record<string, unknown>;
}

export interface PlanOptions {
  /** Leave owned fields that someone edited in Salesforce as they are (see findManualEdits). */
  respectManualEdits?: boolean;
}

export interface FieldDiff {
  /** The Salesforce field. */
  field: string;
  /** Tidemark's name for the value. */
  key: string;
  old: FieldValue;
  new: FieldValue;
}

export interface AccountChange {
  accountId: string;
  values: Record<string, FieldValue>;
  diffs: FieldDiff[];
  warnings: string[];
}

export interface ManualEdit {
  field: string;
  /** What Tidemark last wrote. */
  wrote: FieldValue;
  /** What Salesforce holds now. */
  current: FieldValue;
  /** What Tidemark computes now. */
  desired: FieldValue;
  /** Left as edited: Tidemark's value has not changed since it wrote it and the setting says so. */
  respected: boolean;
}

function roundHalfAwayFromZero(value: number, scale: number): number {
  const f = 10 ** scale;
  const r = Math.sign(value) * Math.round(Math.abs(value) * f + Number.EPSILON * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** Coerces a value to the field's type; warnings name anything lost (truncation). */
export function coerce(spec: FieldSpec, value: unknown, warnings?: string[]): FieldValue {
  if (value === undefined || value === null) return null;
  switch (spec.type) {
    case 'double':
    case 'percent': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? roundHalfAwayFromZero(n, spec.scale ?? 0) : null;
    }
    case 'boolean':
      return value === true || value === 'true';
    case 'date': {
      const text = String(value);
      return text === '' ? null : text.slice(0, 10);
    }
    case 'datetime': {
      const t = Date.parse(String(value));
      return Number.isNaN(t) ? null : new Date(t).toISOString();
    }
    default: {
      const text = String(value);
      if (text === '') return null;
      if (spec.length !== undefined && text.length > spec.length) {
        warnings?.push(`${spec.name} truncated from ${text.length} to ${spec.length} characters`);
        return text.slice(0, spec.length);
      }
      return text;
    }
  }
}

/** The number is too wide for the field's precision (Salesforce would refuse it). */
function outOfRange(spec: FieldSpec, value: FieldValue): boolean {
  if (typeof value !== 'number' || spec.precision === undefined) return false;
  return Math.abs(value) >= 10 ** (spec.precision - (spec.scale ?? 0));
}

/**
 * Owned fields whose Salesforce value is no longer what Tidemark last wrote: someone edited them.
 * An edit is respected (when configured) while Tidemark's own value is the one it wrote before;
 * a newly computed value is written over it.
 */
export function findManualEdits(input: AccountWriteInput, specs: readonly FieldSpec[], options: PlanOptions = {}): ManualEdit[] {
  const wrote = input.lastWritten;
  if (!wrote) return [];
  const edits: ManualEdit[] = [];
  for (const spec of specs) {
    if (!(spec.name in wrote)) continue;
    const last = coerce(spec, wrote[spec.name]);
    const current = coerce(spec, input.current[spec.name]);
    if (last === current) continue;
    const desired = keyOf(spec) in input.desired ? coerce(spec, input.desired[keyOf(spec)]) : last;
    edits.push({ field: spec.name, wrote: last, current, desired, respected: options.respectManualEdits === true && desired === last });
  }
  return edits;
}

/**
 * Owned fields where Salesforce already holds Tidemark's value but the record of what Tidemark
 * last wrote does not say so (e.g. after a restart with fresh state): adopting them lets a later
 * manual edit be noticed too.
 */
export function agreedValues(input: AccountWriteInput, specs: readonly FieldSpec[]): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const spec of specs) {
    if (!(keyOf(spec) in input.desired)) continue;
    const want = coerce(spec, input.desired[keyOf(spec)]);
    if (want !== coerce(spec, input.current[spec.name])) continue;
    const wrote = input.lastWritten && spec.name in input.lastWritten ? coerce(spec, input.lastWritten[spec.name]) : undefined;
    if (wrote !== want) out[spec.name] = want;
  }
  return out;
}

export function planAccountChange(input: AccountWriteInput, specs: readonly FieldSpec[], now: Date, options: PlanOptions = {}): AccountChange | null {
  const values: Record<string, FieldValue> = {};
  const diffs: FieldDiff[] = [];
  const warnings: string[] = [];
  const respected = new Set(findManualEdits(input, specs, options).filter((e) => e.respected).map((e) => e.field));
  for (const spec of specs) {
    const key = keyOf(spec);
    if (key === HEALTH_UPDATED_FIELD || !(key in input.desired) || respected.has(spec.name)) continue;
    const next = coerce(spec, input.desired[key], warnings);
    const old = coerce(spec, input.current[spec.name]);
    if (next === old) continue;
    if (outOfRange(spec, next)) {
      warnings.push(`${spec.name} not written: ${String(next)} does not fit Number(${spec.precision},${spec.scale ?? 0}); widen the field or map another one`);
      continue;
    }
    if (spec.type === 'picklist' && spec.picklist && typeof next === 'string' && !spec.picklist.includes(next)) {
      warnings.push(`${spec.name} not written: ${JSON.stringify(next)} is not one of its picklist values (${spec.picklist.join(', ')}); add the value in Salesforce`);
      continue;
    }
    values[spec.name] = next;
    diffs.push({ field: spec.name, key, old, new: next });
  }
  if (diffs.length === 0) return null;
  const updatedSpec = specs.find((s) => keyOf(s) === HEALTH_UPDATED_FIELD);
  if (updatedSpec && diffs.some((d) => (HEALTH_FIELDS as readonly string[]).includes(d.key))) {
    const stamp = coerce(updatedSpec, now.toISOString());
    values[updatedSpec.name] = stamp;
    diffs.push({ field: updatedSpec.name, key: HEALTH_UPDATED_FIELD, old: coerce(updatedSpec, input.current[updatedSpec.name]), new: stamp });
  }
  return { accountId: input.accountId, values, diffs, warnings };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
