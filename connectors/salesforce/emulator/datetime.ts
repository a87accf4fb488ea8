/**
 * Datetime helpers of the Salesforce emulator. A query filters and sorts every record of an
 * sObject by reading its datetime fields through these (205,000 Contacts at 20,000 accounts, per
 * query), so string inputs are memoized: the stored values are few distinct strings read over
 * and over. The caches are bounded (cleared when full); results are exactly those of the plain
 * conversion.
 */
const CACHE_LIMIT = 500_000;
const formatted = new Map<string, string>();
const instants = new Map<string, number>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function format(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(typeof value === 'string' ? value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2') : value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().replace('Z', '+0000');
}

/** Salesforce's datetime wire format: 2026-11-20T12:00:00.000+0000. */
export function toSalesforceDateTime(value: string | number | Date): string {
  if (typeof value !== 'string') return format(value);
  return formatted.get(value) ?? remember(formatted, value, format(value));
}

/** Milliseconds of a datetime in either ISO or Salesforce format; NaN when not a datetime. */
export function instantOf(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  return instants.get(value) ?? remember(instants, value, Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
}
