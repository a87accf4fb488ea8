/**
 * The one place where error kinds become BullMQ behaviour:
 * config/auth -> UnrecoverableError (no retry: a human must fix a setting);
 * 429 and exhausted API budget -> rate-limit the queue for Retry-After and put the job back;
 * anything else -> rethrown, so the job retries with exponential backoff and jitter; except that
 * a job whose work advanced during the failed attempt (a pull that saved checkpoints) retries
 * without spending one of its attempts, so a long pull under a steady trickle of transient
 * failures finishes instead of running out of attempts (bounded by MAX_PROGRESS_RETRIES).
 */
import { DelayedError, UnrecoverableError, Worker, type Job, type Queue } from 'bullmq';
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

/**
 * What a job has achieved so far, as text (a pull: its source's saved checkpoints). Equal texts
 * before and after a failed attempt mean the attempt achieved nothing that stays.
 */
export type ProgressProbe<T> = (job: Job<T>) => Promise<string>;

/** Attempts that made progress and failed are free, up to this many beyond the job's `attempts`. */
export const MAX_PROGRESS_RETRIES = 50;

/** The delay before a free retry: the job's first backoff step, with jitter (50-100%). */
function firstBackoffMs(job: Job): number {
  const backoff = job.opts.backoff;
  const base = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 1000);
  return Math.round(base * (0.5 + Math.random() * 0.5));
}

export function withErrorPolicy<T, R>(
  queue: Queue,
  log: Logger,
  processor: (job: Job<T>, signal?: AbortSignal) => Promise<R>,
  onOutcome?: OutcomeListener,
  progressOf?: ProgressProbe<T>,
): (job: Job<T>, token?: string, signal?: AbortSignal) => Promise<R> {
  return async (job, token, signal) => {
    const before = progressOf ? await progressOf(job) : null;
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
      // Starts not counted as attempts made (this one aside) were free retries (or stalls).
      const freeUsed = job.attemptsStarted - job.attemptsMade - 1;
      if (progressOf && token !== undefined && before !== null && freeUsed < MAX_PROGRESS_RETRIES && (await progressOf(job)) !== before) {
        const delayMs = firstBackoffMs(job);
        log.warn({ ...context, delayMs }, 'job failed after saving progress: retries from there without spending an attempt');
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
      log.warn(context, 'job failed: will retry with backoff');
      throw err;
    }
  };
}
