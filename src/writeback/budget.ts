/**
 * The API budget of write-back (pure). Tidemark may use a share of the org's daily API requests
 * (default 20%); when a run's writes would exceed what is left of that share, the most important
 * changes go first (band changes, then the largest score moves) and the rest wait for the next run.
 */
import type { AccountChange } from './plan.ts';

/** Calls one Bulk API 2.0 ingest job costs: create, upload, close, one poll, success and failure results. */
export const BULK_JOB_CALLS = 6;

export function prioritize(changes: readonly AccountChange[]): AccountChange[] {
  const rank = (c: AccountChange): [number, number] => {
    const band = c.diffs.some((d) => d.key === 'CS_Health_Band__c') ? 0 : 1;
    const score = c.diffs.find((d) => d.key === 'CS_Health_Score__c');
    const move = score && typeof score.new === 'number' && typeof score.old === 'number' ? Math.abs(score.new - score.old) : score ? 100 : 0;
    return [band, -move];
  };
  return [...changes].sort((a, b) => {
    const [ba, ma] = rank(a);
    const [bb, mb] = rank(b);
    return ba - bb || ma - mb || a.accountId.localeCompare(b.accountId);
  });
}

export interface Budget {
  /** The org's daily maximum and what is left of it (from /limits). */
  max: number;
  remaining: number;
  /** Share of the daily maximum Tidemark may use. */
  share: number;
  /** Calls Tidemark already made today. */
  usedToday: number;
}

/** Calls write-back may still make now. */
export function allowance(b: Budget): number {
  return Math.max(0, Math.min(b.remaining, Math.floor(b.max * b.share) - b.usedToday));
}

export interface WritePlan {
  mode: 'collections' | 'bulk' | 'none';
  send: AccountChange[];
  deferred: AccountChange[];
  /** Calls the plan makes (Bulk: an estimate). */
  calls: number;
}

export function fitToBudget(changes: readonly AccountChange[], allowedCalls: number, batchSize: number, bulkThreshold: number): WritePlan {
  if (changes.length === 0) return { mode: 'none', send: [], deferred: [], calls: 0 };
  const ordered = prioritize(changes);
  if (changes.length > bulkThreshold && allowedCalls >= BULK_JOB_CALLS) return { mode: 'bulk', send: ordered, deferred: [], calls: BULK_JOB_CALLS };
  const fit = Math.min(ordered.length, allowedCalls * batchSize);
  const send = ordered.slice(0, fit);
  return { mode: send.length ? 'collections' : 'none', send, deferred: ordered.slice(fit), calls: Math.ceil(send.length / batchSize) };
}
