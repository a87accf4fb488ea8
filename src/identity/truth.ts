/**
 * Resolution quality against a ground truth (the generator's truth/records.jsonl):
 * precision = correct matches / all matches, recall = correct matches / records whose true
 * account is not null. A match to the wrong account is a false positive (and, when the record
 * has a true account, also a false negative for that account).
 */
import type { RecordKind } from '../contracts/records.ts';
import type { Resolution } from './resolve.ts';
import { toSalesforceId18 } from './salesforce-id.ts';

export interface TruthRow {
  kind: string;
  id: string;
  accountId: string | null;
}

export interface TruthMetrics {
  /** Correct matches / matches; 1 when nothing matched. */
  precision: number;
  /** Correct matches / resolvable records; 1 when no record is resolvable. */
  recall: number;
  truePositives: number;
  /** Matches to an account other than the true one (or any match of a record whose truth is null). */
  falsePositives: number;
  /** Resolvable records not matched to their true account (unmatched or matched wrongly). */
  falseNegatives: number;
  /** Evaluated records whose true account is not null. */
  resolvable: number;
  /** Truth rows whose record was resolved (and so evaluated). */
  evaluated: number;
  /** Truth rows naming a record that is not in the resolution set (not evaluated). */
  missing: number;
}

const canonical = (id: string): string => toSalesforceId18(id) ?? id;

export function evaluateTruth(set: { get(kind: RecordKind, id: string): Resolution | undefined }, truth: TruthRow[]): TruthMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let resolvable = 0;
  let evaluated = 0;
  let missing = 0;
  for (const t of truth) {
    const r = set.get(t.kind as RecordKind, t.id);
    if (!r) {
      missing += 1;
      continue;
    }
    evaluated += 1;
    const expected = t.accountId === null || t.accountId.trim() === '' ? null : canonical(t.accountId);
    if (expected !== null) resolvable += 1;
    if (r.accountId !== null && r.accountId === expected) tp += 1;
    else {
      if (r.accountId !== null) fp += 1;
      if (expected !== null) fn += 1;
    }
  }
  return {
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: resolvable === 0 ? 1 : tp / resolvable,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    resolvable,
    evaluated,
    missing,
  };
}
