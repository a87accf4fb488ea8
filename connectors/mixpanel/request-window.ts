/**
 * How many days each export request of a run covers.
 *
 * The export promises no order within a request, so every day of a request stays open (its
 * person-days and its exact de-duplication keys) until the request ends: the reader's memory grows
 * with the events of one request. The days of a request are therefore sized by the density
 * observed so far, aiming at `eventsPerRequest` lines:
 * - the first request of a run covers at most FIRST_REQUEST_DAYS days (nothing is known yet);
 * - each later one covers eventsPerRequest / (lines per day of the request before it) days,
 *   between 1 and maxDaysPerRequest (the nearest request is the best guess of the next days: a
 *   product's volume drifts).
 * A project of 20,000 events a day so reads a 90-day backfill in 4 requests (7, 30, 30, 23 days),
 * one of 200,000 a day in 19 (7, then 5 a request). A single day denser than the target is still
 * one request (the export cannot be split below a day).
 */
export const FIRST_REQUEST_DAYS = 7;

export interface RequestWindowOptions {
  maxDaysPerRequest: number;
  eventsPerRequest: number;
}

export class RequestWindow {
  /** Lines per day of the last request read; null before the first. */
  private perDay: number | null = null;

  constructor(private readonly options: RequestWindowOptions) {}

  /** Days the next request covers (before clipping to what is left of the range). */
  nextDays(): number {
    const { maxDaysPerRequest, eventsPerRequest } = this.options;
    if (this.perDay === null) return Math.min(maxDaysPerRequest, FIRST_REQUEST_DAYS);
    if (this.perDay <= 0) return maxDaysPerRequest;
    return Math.max(1, Math.min(maxDaysPerRequest, Math.floor(eventsPerRequest / this.perDay)));
  }

  /** What a request read: the days it covered and the export lines it returned (duplicates too). */
  observe(days: number, lines: number): void {
    if (days > 0) this.perDay = lines / days;
  }
}
