/**
 * NPS survey responses. There is no remote API to pull: responses arrive through the signed
 * webhook and `surveys import` (CSV or JSON Lines), and both validate every row here. A bad row
 * is reported by line and reason; the good rows are kept.
 */
import { z } from 'zod';
import { defineConnector } from '../../src/contracts/connector.ts';
import type { SurveyResponse } from '../../src/contracts/records.ts';
import { parseCsv } from './csv.ts';
import { zodReason } from '../../src/sources/http.ts';

export interface ColumnMapping {
  id: string;
  email: string;
  score: string;
  comment: string;
  submittedAt: string;
  accountId: string;
}

export const DEFAULT_COLUMNS: ColumnMapping = { id: 'id', email: 'email', score: 'score', comment: 'comment', submittedAt: 'submitted_at', accountId: 'account_id' };

const optionalText = z
  .union([z.string(), z.number(), z.null(), z.undefined()], { error: 'must be text, a number or empty' })
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim()));

const SCORE_MESSAGE = 'score must be a whole number from 0 to 10';
const DATE_MESSAGE = 'submitted_at must be an ISO-8601 date-time';
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 date or date-time as UTC ISO text, or null. Stricter than Date.parse, which takes
 * "1" or "Nov 1" (a shifted column would land as a date in 2001), rolls 2026-02-30 over to March
 * and reads a date-time without zone in the machine's zone: here that is UTC.
 */
export function isoDateTime(text: string): string | null {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, time, zone] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return null;
  const ms = time === undefined ? day.getTime() : Date.parse(`${y}-${mo}-${d}T${time}${zone ?? 'Z'}`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

// Every failure names the field and what it takes (a union's own "Invalid input" would not).
const ID_MESSAGE = 'id is empty: give each response a non-empty id (text or number)';
const rowSchema = z.object({
  id: z.union([z.string().trim().min(1, ID_MESSAGE), z.number()], { error: ID_MESSAGE }).transform(String),
  email: optionalText,
  score: z.union([z.number(), z.string().trim().regex(/^\d{1,2}$/).transform(Number)], { error: SCORE_MESSAGE }).pipe(
    z.number().int(SCORE_MESSAGE).min(0, SCORE_MESSAGE).max(10, SCORE_MESSAGE),
  ),
  comment: optionalText,
  submittedAt: z.string({ error: DATE_MESSAGE }).transform((v, ctx) => {
    const iso = isoDateTime(v);
    if (iso === null) ctx.addIssue({ code: 'custom', message: DATE_MESSAGE });
    return iso ?? '';
  }),
  accountId: optionalText,
});

export interface ParseResult {
  records: SurveyResponse[];
  errors: Array<{ line: number; reason: string }>;
}

function mapRow(get: (column: keyof ColumnMapping) => unknown, line: number, out: ParseResult): void {
  const parsed = rowSchema.safeParse({
    id: get('id'),
    email: get('email'),
    score: get('score'),
    comment: get('comment'),
    submittedAt: get('submittedAt'),
    accountId: get('accountId'),
  });
  if (!parsed.success) {
    out.errors.push({ line, reason: zodReason(parsed.error.issues) });
    return;
  }
  out.records.push({ kind: 'surveys.response', ...parsed.data });
}

export function parseSurveyFile(text: string, format: 'csv' | 'jsonl', mapping: Partial<ColumnMapping> = {}): ParseResult {
  const columns = { ...DEFAULT_COLUMNS, ...mapping };
  const out: ParseResult = { records: [], errors: [] };
  if (format === 'jsonl') {
    text.split(/\r?\n/).forEach((lineText, i) => {
      if (lineText.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(lineText);
      } catch {
        out.errors.push({ line: i + 1, reason: 'not valid JSON' });
        return;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        out.errors.push({ line: i + 1, reason: 'expected a JSON object' });
        return;
      }
      const obj = value as Record<string, unknown>;
      mapRow((c) => obj[columns[c]], i + 1, out);
    });
    return out;
  }
  const { rows, errors } = parseCsv(text);
  out.errors.push(...errors);
  const [header, ...data] = rows;
  if (!header) return out;
  const names = header.fields.map((h) => h.trim());
  for (const required of ['id', 'score', 'submittedAt'] as const) {
    if (!names.includes(columns[required])) {
      out.errors.push({ line: header.line, reason: `missing column "${columns[required]}" (map it with the column mapping)` });
      return out;
    }
  }
  for (const row of data) {
    if (row.fields.length !== names.length) {
      out.errors.push({ line: row.line, reason: `expected ${names.length} columns, found ${row.fields.length}` });
      continue;
    }
    mapRow((c) => {
      const at = names.indexOf(columns[c]);
      return at < 0 ? undefined : row.fields[at];
    }, row.line, out);
  }
  return out;
}

/** The webhook body: one response or an array of them, in the shape of contracts.md section 3. */
export function parseSurveyPayload(body: unknown): ParseResult {
  const items = Array.isArray(body) ? body : [body];
  const out: ParseResult = { records: [], errors: [] };
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      out.errors.push({ line: i + 1, reason: 'expected a survey response object' });
      return;
    }
    const obj = item as Record<string, unknown>;
    mapRow((c) => obj[DEFAULT_COLUMNS[c]], i + 1, out);
  });
  return out;
}

export const surveysConnector = defineConnector<Record<string, never>>({
  id: 'surveys',
  title: 'NPS surveys',
  configSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  streams: [],
  async check() {
    return { ok: true, message: 'Survey responses arrive through the signed webhook and `surveys import`; nothing to connect.' };
  },
});
