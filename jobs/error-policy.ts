/**
 * The one place where error kinds become BullMQ behaviour:
 * config/auth -> UnrecoverableError (no retry: a human must fix a setting);
 * 429 and exhausted API budget -> rate-limit the queue for Retry-After and put the job back;
 * anything else -> rethrown, so the job retries with exponential backoff and jitter.
 */
import { UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { BudgetError, RateLimitError, errorKindOf, errorMessage } from '../src/contracts/errors.ts';

export type JobOutcome = 'unrecoverable' | 'rate-limited' | 'retry';

export function classify(err: unknown): JobOutcome {
  const kind = errorKindOf(err);
  if (kind === 'config' || kind === 'auth' || kind === 'data') return 'unrecoverable';
  if (kind === 'rate-limit' || kind === 'budget') return 'rate-limited';
  return 'retry';
}

/** Called with each failure's outcome (e.g. to raise an alert for RevOps); its own errors are ignored. */
export type OutcomeListener = (queue: string, outcome: JobOutcome, err: unknown, waitMs: number) => Promise<void>;

export function withErrorPolicy<T, R>(
  queue: Queue,
  log: Logger,
  processor: (job: Job<T>, signal?: AbortSignal) => Promise<R>,
  onOutcome?: OutcomeListener,
): (job: Job<T>, token?: string, signal?: AbortSignal) => Promise<R> {
  return async (job, _token, signal) => {
    try {
      return await processor(job, signal);
    } catch (err) {
      // This worker lost the job's lock (another worker has taken it over): stop, decide nothing.
      if (signal?.aborted) {
        log.warn({ queue: queue.name, jobId: job.id, reason: String(signal.reason) }, 'job stopped: its lock was lost and another worker took it over');
        throw err;
      }
      const outcome = classify(err);
      const waitMs = err instanceof RateLimitError || err instanceof BudgetError ? err.retryAfterMs : 60_000;
      if (onOutcome) await onOutcome(queue.name, outcome, err, waitMs).catch(() => undefined);
      const context = { queue: queue.name, jobId: job.id, attempt: job.attemptsMade + 1, err: errorMessage(err) };
      if (outcome === 'unrecoverable') {
        log.error(context, 'job failed: fix the configuration, then run again');
        throw new UnrecoverableError(errorMessage(err));
      }
      if (outcome === 'rate-limited') {
        log.warn({ ...context, waitMs }, 'upstream limit reached: queue paused for Retry-After');
        await queue.rateLimit(Math.max(1, waitMs));
        throw Worker.RateLimitError();
      }
      log.warn(context, 'job failed: will retry with backoff');
      throw err;
    }
  };
}
