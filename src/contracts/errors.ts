/**
 * Error kinds shared by connectors, write-back and jobs. jobs/error-policy.ts maps each kind to
 * BullMQ behaviour in one place; messages must tell the user what to fix.
 */
export type ErrorKind = 'config' | 'auth' | 'rate-limit' | 'budget' | 'transient' | 'data';

export class TidemarkError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'TidemarkError';
  }
}

/** A setting is wrong or missing: retrying cannot help. */
export class ConfigError extends TidemarkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

/** Credentials were refused. */
export class AuthError extends TidemarkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', message, options);
    this.name = 'AuthError';
  }
}

/** The upstream said 429: wait retryAfterMs before calling it again. */
export class RateLimitError extends TidemarkError {
  readonly retryAfterMs: number;
  readonly upstream: string;
  constructor(upstream: string, retryAfterMs: number, message?: string) {
    super('rate-limit', message ?? `${upstream} rate limit reached; retry after ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
    this.upstream = upstream;
    this.name = 'RateLimitError';
  }
}

/** The org's daily API budget is used up (Salesforce REQUEST_LIMIT_EXCEEDED or our own cap). */
export class BudgetError extends TidemarkError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs = 15 * 60_000) {
    super('budget', message);
    this.retryAfterMs = retryAfterMs;
    this.name = 'BudgetError';
  }
}

/** Network errors, 5xx, truncated bodies: retry with backoff. */
export class TransientError extends TidemarkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('transient', message, options);
    this.name = 'TransientError';
  }
}

/**
 * Stops a job at a page or batch boundary once its worker lost the job's lock (the signal BullMQ
 * aborts on a failed lock renewal): another worker has taken the job over and continues it.
 */
export function stopIfLockLost(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TransientError(`job stopped: ${String(signal.reason ?? 'its lock was lost')}; another worker continues it`);
}

export function errorKindOf(err: unknown): ErrorKind {
  if (err instanceof TidemarkError) return err.kind;
  return 'transient';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
