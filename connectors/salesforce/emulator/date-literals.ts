/** SOQL relative date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH, ...) as UTC instant ranges [start, end) on the emulator clock. */
import { instantOf } from './datetime.ts';

const DAY = 86_400_000;

export interface InstantRange {
  start: number;
  end: number;
}

function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

function month(now: number, offset: number): InstantRange {
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset + 1, 1) };
}

function year(now: number, offset: number): InstantRange {
  const y = new Date(now).getUTCFullYear() + offset;
  return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
}

/** The range of a date literal, or null when the sandbox does not know it. */
export function dateLiteralRange(literal: string, now: number): InstantRange | null {
  const today = startOfDay(now);
  const [name, n] = literal.toUpperCase().split(':');
  const count = Number(n);
  switch (name) {
    case 'TODAY':
      return { start: today, end: today + DAY };
    case 'YESTERDAY':
      return { start: today - DAY, end: today };
    case 'TOMORROW':
      return { start: today + DAY, end: today + 2 * DAY };
    case 'LAST_N_DAYS':
      return Number.isInteger(count) ? { start: today - count * DAY, end: today + DAY } : null;
    case 'NEXT_N_DAYS':
      return Number.isInteger(count) ? { start: today + DAY, end: today + (count + 1) * DAY } : null;
    case 'THIS_MONTH':
      return month(now, 0);
    case 'LAST_MONTH':
      return month(now, -1);
    case 'NEXT_MONTH':
      return month(now, 1);
    case 'THIS_YEAR':
      return year(now, 0);
    case 'LAST_YEAR':
      return year(now, -1);
    case 'NEXT_YEAR':
      return year(now, 1);
    default:
      return null;
  }
}

/** The instant of a date ('2026-11-20', midnight UTC) or datetime value; NaN otherwise. */
export function instantOfDateOrDateTime(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : instantOf(value);
}

/** SOQL semantics of comparing a value with a range literal. */
export function compareWithRange(op: string, t: number, range: InstantRange): boolean | null {
  switch (op) {
    case '=':
      return t >= range.start && t < range.end;
    case '!=':
    case '<>':
      return t < range.start || t >= range.end;
    case '<':
      return t < range.start;
    case '<=':
      return t < range.end;
    case '>':
      return t >= range.end;
    case '>=':
      return t >= range.start;
    default:
      return null;
  }
}
