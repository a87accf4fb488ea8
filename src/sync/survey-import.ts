/**
 * The survey import path (CSV or JSONL file, webhook payloads): every row is validated; bad rows
 * are reported by line and reason and logged, good rows land (idempotent by response id).
 */
import { parseSurveyFile, type ColumnMapping } from '../../connectors/surveys/index.ts';
import type { SurveyResponse } from '../contracts/records.ts';
import type { SyncContext } from './context.ts';

export interface SurveyImportResult {
  imported: number;
  unchanged: number;
  rejected: Array<{ line: number; reason: string }>;
}

/** Upserts per slice: one call with every id of a large file (100,000+ responses) overflows the stack in argument spreading. */
const UPSERT_SLICE = 5_000;

export async function storeSurveyResponses(ctx: Pick<SyncContext, 'records'>, records: SurveyResponse[]): Promise<{ imported: number; unchanged: number }> {
  let imported = 0;
  let unchanged = 0;
  for (let i = 0; i < records.length; i += UPSERT_SLICE) {
    const outcome = await ctx.records.upsert('surveys.response', records.slice(i, i + UPSERT_SLICE));
    imported += outcome.inserted + outcome.updated;
    unchanged += outcome.unchanged;
  }
  return { imported, unchanged };
}

export async function importSurveyText(
  ctx: Pick<SyncContext, 'records' | 'logs' | 'now'>,
  text: string,
  format: 'csv' | 'jsonl',
  mapping?: Partial<ColumnMapping>,
  origin = 'import',
): Promise<SurveyImportResult> {
  const { records, errors } = parseSurveyFile(text, format, mapping);
  const stored = await storeSurveyResponses(ctx, records);
  await ctx.logs.append(
    errors.map((e) => ({ status: 'quarantined' as const, source: 'surveys', kind: 'surveys.response', message: `${origin} line ${e.line}: ${e.reason}` })));
  return { ...stored, rejected: errors };
}
