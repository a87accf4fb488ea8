/**
 * Model evaluation over the stored data, writing nothing: `health preview --model FILE` scores
 * every account with a draft model beside the current one; `health backtest` measures how well a
 * model separates accounts that churned (renewal Closed Lost) from those that renewed (Closed
 * Won), scoring each as of its renewal's close date, as AUC; with the generator's truth it also
 * reports the separation of the at-risk cohorts from the healthy one.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { aucOf } from '../health/auc.ts';
import { defaultHealthModel, type HealthModel } from '../health/model.ts';
import { scoreAccount, type HealthBand } from '../health/score.ts';
import { computeSignals } from '../signals/compute-signals.ts';
import type { AccountBundle } from '../signals/account-bundle.ts';
import { buildBundles } from './account-bundles.ts';
import type { SyncContext } from './context.ts';

function scoreOf(bundle: AccountBundle, model: HealthModel, asOf: Date): { score: number | null; band: HealthBand | null } {
  const r = scoreAccount(computeSignals(bundle, asOf), model, { employees: bundle.account.employees });
  return { score: r.score, band: r.band };
}

export interface PreviewResult {
  modelVersion: string;
  currentVersion: string;
  accounts: number;
  bands: Record<string, number>;
  currentBands: Record<string, number>;
  histogram: number[];
  changes: Array<{ accountId: string; name: string; from: HealthBand | null; to: HealthBand | null; scoreFrom: number | null; scoreTo: number | null }>;
}

export async function previewModel(ctx: SyncContext, draft: HealthModel, current: HealthModel = defaultHealthModel()): Promise<PreviewResult> {
  const now = ctx.now();
  const result: PreviewResult = { modelVersion: draft.version, currentVersion: current.version, accounts: 0, bands: {}, currentBands: {}, histogram: Array.from({ length: 10 }, () => 0), changes: [] };
  for (const bundle of await buildBundles(ctx)) {
    result.accounts += 1;
    const next = scoreOf(bundle, draft, now);
    const before = scoreOf(bundle, current, now);
    result.bands[next.band ?? 'no score'] = (result.bands[next.band ?? 'no score'] ?? 0) + 1;
    result.currentBands[before.band ?? 'no score'] = (result.currentBands[before.band ?? 'no score'] ?? 0) + 1;
    if (next.score !== null) {
      const bucket = Math.min(9, Math.floor(next.score / 10));
      result.histogram[bucket] = (result.histogram[bucket] ?? 0) + 1;
    }
    if (next.band !== before.band) {
      result.changes.push({ accountId: bundle.account.id, name: bundle.account.name, from: before.band, to: next.band, scoreFrom: before.score, scoreTo: next.score });
    }
  }
  result.changes.sort((a, b) => a.name.localeCompare(b.name));
  return result;
}

const truthAccountSchema = z.object({ accountId: z.string(), cohort: z.string() }).loose();

export interface BacktestResult {
  modelVersion: string;
  renewed: number;
  churned: number;
  /** AUC of the score at the renewal date for "renewed" (1 = perfect separation, 0.5 = chance). */
  auc: number | null;
  cohorts: { healthy: number; atRisk: number; auc: number | null } | null;
}

export async function backtestModel(ctx: SyncContext, model: HealthModel = defaultHealthModel(), truthFile?: string): Promise<BacktestResult> {
  const bundles = await buildBundles(ctx);
  const outcomes: Array<{ score: number; positive: boolean }> = [];
  let renewed = 0;
  let churned = 0;
  for (const bundle of bundles) {
    const renewals = bundle.opportunities
      .filter((o) => o.isClosed && o.closeDate && /renewal/i.test(`${o.type ?? ''} ${o.name}`))
      .sort((a, b) => (a.closeDate ?? '').localeCompare(b.closeDate ?? ''));
    const last = renewals.at(-1);
    if (!last?.closeDate) continue;
    const { score } = scoreOf(bundle, model, new Date(`${last.closeDate}T23:59:59Z`));
    if (score === null) continue;
    if (last.isWon) renewed += 1;
    else churned += 1;
    outcomes.push({ score, positive: last.isWon });
  }
  const auc = renewed > 0 && churned > 0 ? aucOf(outcomes) : null;
  let cohorts: BacktestResult['cohorts'] = null;
  if (truthFile) {
    const truth = new Map(
      readFileSync(truthFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => truthAccountSchema.parse(JSON.parse(l)))
        .map((t) => [t.accountId, t.cohort] as const),
    );
    const now = ctx.now();
    const rows: Array<{ score: number; positive: boolean }> = [];
    for (const bundle of bundles) {
      const cohort = truth.get(bundle.account.id);
      if (cohort !== 'healthy' && cohort !== 'declining' && cohort !== 'support-heavy' && cohort !== 'detractors') continue;
      const { score } = scoreOf(bundle, model, now);
      if (score !== null) rows.push({ score, positive: cohort === 'healthy' });
    }
    const healthy = rows.filter((r) => r.positive).length;
    cohorts = { healthy, atRisk: rows.length - healthy, auc: healthy > 0 && healthy < rows.length ? aucOf(rows) : null };
  }
  return { modelVersion: model.version, renewed, churned, auc, cohorts };
}
