/**
 * Write-back planning (pure): compare the desired values with what Salesforce holds, both
 * coerced to the field's type, and keep only the fields that differ. Unchanged accounts cost
 * nothing; fields Tidemark does not own are never sent.
 */
import { HEALTH_FIELDS, HEALTH_UPDATED_FIELD, type FieldSpec } from './field-specs.ts';

export type FieldValue = string | number | boolean | null;

export interface AccountWriteInput {
  accountId: string;
  /** Values Salesforce holds now (read during the Account pull). */
  current: Record<string, unknown>;
  /** Values Tidemark computed. Fields absent here are left alone. */
  desired: Record<string, unknown>;
}

export interface FieldDiff {
  field: string;
  old: FieldValue;
  new: FieldValue;
}

export interface AccountChange {
  accountId: string;
  values: Record<string, FieldValue>;
  diffs: FieldDiff[];
  warnings: string[];
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

export function planAccountChange(input: AccountWriteInput, specs: readonly FieldSpec[], now: Date): AccountChange | null {
  const values: Record<string, FieldValue> = {};
  const diffs: FieldDiff[] = [];
  const warnings: string[] = [];
  for (const spec of specs) {
    if (spec.name === HEALTH_UPDATED_FIELD || !(spec.name in input.desired)) continue;
    const next = coerce(spec, input.desired[spec.name], warnings);
    const old = coerce(spec, input.current[spec.name]);
    if (next === old) continue;
    values[spec.name] = next;
    diffs.push({ field: spec.name, old, new: next });
  }
  if (diffs.length === 0) return null;
  const updatedSpec = specs.find((s) => s.name === HEALTH_UPDATED_FIELD);
  if (updatedSpec && diffs.some((d) => (HEALTH_FIELDS as readonly string[]).includes(d.field))) {
    const stamp = coerce(updatedSpec, now.toISOString());
    values[HEALTH_UPDATED_FIELD] = stamp;
    diffs.push({ field: HEALTH_UPDATED_FIELD, old: coerce(updatedSpec, input.current[HEALTH_UPDATED_FIELD]), new: stamp });
  }
  return { accountId: input.accountId, values, diffs, warnings };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
