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
  .union([z.string(), z.number(), z.null(), z.undefined()])
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim()));

const rowSchema = z.object({
  id: z.union([z.string().trim().min(1, 'id is empty'), z.number()]).transform(String),
  email: optionalText,
  score: z.union([z.number(), z.string().trim().regex(/^\d{1,2}$/, 'score must be a whole number from 0 to 10').transform(Number)]).pipe(
    z.number().int('score must be a whole number from 0 to 10').min(0, 'score must be from 0 to 10').max(10, 'score must be from 0 to 10'),
  ),
  comment: optionalText,
  submittedAt: z
    .string()
    .trim()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'submitted_at must be an ISO-8601 date-time')
    .transform((v) => new Date(v).toISOString()),
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
