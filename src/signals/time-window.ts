/**
 * Windows of N days are half-open intervals (asOf - N x 24 h, asOf], in UTC.
 *
 * Day aggregates (Mixpanel activity keyed by a UTC date) have no time of day. Rule used here:
 * a day counts in an N-day window when its UTC date is after the UTC date of the window start
 * (asOf - N x 24 h) and not after the UTC date of asOf. So an N-day window holds exactly N dates,
 * the date of asOf included and the date N days before it excluded, mirroring the instant rule
 * (exactly N x 24 h ago excluded, asOf included).
 */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** True when the instant `ms` falls in (asOf - days x 24 h, asOf]. NaN never counts. */
export function inWindow(ms: number, asOfMs: number, days: number): boolean {
  return ms > asOfMs - days * DAY_MS && ms <= asOfMs;
}

/** Parse an ISO timestamp to epoch milliseconds; NaN when it does not parse. */
export function parseInstant(value: string | null | undefined): number {
  return value ? Date.parse(value) : Number.NaN;
}

/**
 * Day numbers of the texts seen (activity days repeat over every record of the day: the signals
 * of a run ask for a few hundred distinct texts hundreds of thousands of times); bounded.
 */
const dayNumbers = new Map<string, number>();
const DAY_NUMBERS_MAX = 10_000;

/** Days since the epoch of a UTC date `YYYY-MM-DD` (or the date part of an ISO timestamp); NaN when invalid. */
export function dayNumberOfDate(value: string | null | undefined): number {
  if (!value) return Number.NaN;
  let day = dayNumbers.get(value);
  if (day === undefined) {
    day = parseDayNumber(value);
    if (dayNumbers.size >= DAY_NUMBERS_MAX) dayNumbers.clear();
    dayNumbers.set(value, day);
  }
  return day;
}

function parseDayNumber(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return Number.NaN;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? Number.NaN : Math.round(ms / DAY_MS);
}

/** Days since the epoch of the UTC date of an instant. */
export function dayNumberOfInstant(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function dateOfDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** True when the day numbered `day` counts in the N-day window ending at the day `asOfDay` (rule above). */
export function dayInWindow(day: number, asOfDay: number, days: number): boolean {
  return day > asOfDay - days && day <= asOfDay;
}
