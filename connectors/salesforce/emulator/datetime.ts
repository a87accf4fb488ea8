/** Salesforce's datetime wire format: 2026-11-20T12:00:00.000+0000. */
export function toSalesforceDateTime(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(typeof value === 'string' ? value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2') : value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().replace('Z', '+0000');
}

/** Milliseconds of a datetime in either ISO or Salesforce format; NaN when not a datetime. */
export function instantOf(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  return Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
