/**
 * Revert planning (pure): the values an earlier run replaced, read from the write audit, to be
 * written back. A field is restored only while it still holds the value the run wrote: a field a
 * later run (or a person) changed again is left alone and named, so a revert never undoes more
 * than the run it names.
 */
import { coerce, type FieldDiff, type FieldValue } from './plan.ts';
import { keyOf, type FieldSpec } from './field-specs.ts';

export interface AuditedWrite {
  runId: string;
  field: string;
  old: unknown;
  new: unknown;
  outcome: string;
  at: string;
}

export interface RevertChange {
  accountId: string;
  values: Record<string, FieldValue>;
  diffs: FieldDiff[];
  /** Fields left alone because a later write, revert or manual edit replaced the run's value. */
  skipped: string[];
}

/**
 * @param audit newest first, as StateStore.writes returns it
 * @param current what Salesforce holds now (the local copy from the Account pull and the writes)
 */
export function planRevert(accountId: string, runId: string, audit: readonly AuditedWrite[], current: Record<string, unknown>, specs: readonly FieldSpec[]): RevertChange | null {
  const values: Record<string, FieldValue> = {};
  const diffs: FieldDiff[] = [];
  const skipped: string[] = [];
  const byField = new Map(specs.map((s) => [s.name, s]));
  const runFields = [...new Set(audit.filter((w) => w.runId === runId && w.outcome === 'written').map((w) => w.field))];
  for (const field of runFields) {
    const spec = byField.get(field);
    const mine = audit.find((w) => w.field === field && w.runId === runId && w.outcome === 'written');
    if (!spec || !mine) continue;
    const newest = audit.find((w) => w.field === field && (w.outcome === 'written' || w.outcome === 'reverted'));
    const now = coerce(spec, current[field]);
    // A later write or revert replaced the run's value, or someone edited it since: leave it.
    if (newest !== mine || now !== coerce(spec, mine.new)) {
      skipped.push(field);
      continue;
    }
    const old = coerce(spec, mine.old);
    if (old === now) continue;
    values[field] = old;
    diffs.push({ field, key: keyOf(spec), old: now, new: old });
  }
  if (diffs.length === 0 && skipped.length === 0) return null;
  return { accountId, values, diffs, skipped };
}
