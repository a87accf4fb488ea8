/**
 * Record-level failures of write-back (pure): a record Salesforce refused (validation rule,
 * UNABLE_TO_LOCK_ROW, deleted account) keeps its difference and is tried again on a later run,
 * with exponential backoff so that a record Salesforce keeps refusing does not spend budget on every run.
 */
import { z } from 'zod';

export const recordFailureSchema = z.object({
  attempts: z.number().int().min(1),
  statusCode: z.string(),
  message: z.string(),
  failedAt: z.string(),
  nextAttemptAt: z.string(),
});
export type RecordFailure = z.infer<typeof recordFailureSchema>;

export interface BackoffOptions {
  /** Wait after the first failure (default 10 minutes); doubled for each further one. */
  baseMs?: number;
  /** Longest wait (default 24 hours). */
  maxMs?: number;
}

export function backoffMs(attempts: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 10 * 60_000;
  const max = options.maxMs ?? 24 * 3600_000;
  return Math.min(max, base * 2 ** Math.max(0, attempts - 1));
}

/** The failure state after one more refusal. */
export function recordFailed(previous: RecordFailure | undefined, error: { statusCode: string; message: string }, at: Date, options: BackoffOptions = {}): RecordFailure {
  const attempts = (previous?.attempts ?? 0) + 1;
  return { attempts, statusCode: error.statusCode, message: error.message, failedAt: at.toISOString(), nextAttemptAt: new Date(at.getTime() + backoffMs(attempts, options)).toISOString() };
}

export function dueForRetry(failure: RecordFailure | undefined, now: Date): boolean {
  return failure === undefined || Date.parse(failure.nextAttemptAt) <= now.getTime();
}

/** Lock contention clears in moments: the waits before each retry of locked records within a run. */
export const LOCK_RETRY_WAITS_MS: readonly number[] = [500, 2_000];
