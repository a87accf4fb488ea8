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

export async function storeSurveyResponses(ctx: Pick<SyncContext, 'records'>, records: SurveyResponse[]): Promise<{ imported: number; unchanged: number }> {
  // The record store sends large pages in slices itself (a 100,000-response file is one call).
  const outcome = await ctx.records.upsert('surveys.response', records);
  return { imported: outcome.inserted + outcome.updated, unchanged: outcome.unchanged };
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
