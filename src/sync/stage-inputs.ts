/**
 * Resolve and score are pure functions of the stored records, the manual rules, the model and the
 * day. When none of those changed since the last completed stage, the stage keeps its stored
 * results instead of recomputing them: an unchanged scheduled run then costs its pulls only. The
 * contract still holds: every account is rescored at least once per UTC day (the day is an input).
 */
import { createHash } from 'node:crypto';
import { loadManualRules } from '../store/manual-rule-store.ts';
import type { SyncContext } from './context.ts';

export type Stage = 'resolve' | 'score';

export async function stageInputs(ctx: SyncContext, stage: Stage, extra: readonly string[] = []): Promise<string> {
  const rules = (await loadManualRules(ctx.redis, ctx.prefix)).sort((a, b) => a.id.localeCompare(b.id));
  const fingerprint = createHash('sha256').update(JSON.stringify(rules)).digest('hex').slice(0, 16);
  return [stage, await ctx.records.version(), fingerprint, ctx.now().toISOString().slice(0, 10), ...extra].join('|');
}

/** The summary stored by the last completed stage with exactly these inputs, or null. */
export async function unchangedSummary<T>(ctx: SyncContext, stage: Stage, inputs: string): Promise<T | null> {
  if ((await ctx.state.getSetting(`inputs:${stage}`)) !== inputs) return null;
  const text = await ctx.state.getSetting(`summary:${stage}`);
  return text === null ? null : (JSON.parse(text) as T);
}

export async function markStageDone(ctx: SyncContext, stage: Stage, inputs: string, summary: unknown): Promise<void> {
  await ctx.state.setSetting(`summary:${stage}`, JSON.stringify(summary));
  await ctx.state.setSetting(`inputs:${stage}`, inputs);
}
