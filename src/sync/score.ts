/**
 * The score stage: for every live account, gather its resolved records, compute signals,
 * health (score, band, trend, drivers) and its success plan with the pure functions of
 * src/signals, src/health and src/plans, and store the values Tidemark wants in Salesforce.
 */
import { buildBundles } from './account-bundles.ts';
import { computeAccountHealth } from '../health/account-health.ts';
import { defaultHealthModel } from '../health/model.ts';
import { buildSuccessPlan } from '../plans/success-plan.ts';
import type { DesiredValues } from '../store/state-store.ts';
import type { SyncContext } from './context.ts';
import { markStageDone, stageInputs, unchangedSummary } from './stage-inputs.ts';

const DAY_MS = 24 * 3600_000;

export interface ScoreSummary {
  accountsScored: number;
  plans: number;
}

export async function scoreRun(ctx: SyncContext, runId: string): Promise<ScoreSummary> {
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'score' });
  const now = ctx.now();
  const model = ctx.options.healthModel ?? defaultHealthModel();
  const states = await ctx.state.allSources();
  const inputs = await stageInputs(ctx, 'score', [model.version, String(ctx.options.successPlanLookbackDays), JSON.stringify(Object.entries(states).map(([s, st]) => [s, st.enabled]).sort())]);
  const kept = await unchangedSummary<ScoreSummary>(ctx, 'score', inputs);
  if (kept) {
    await ctx.runs.set(runId, { accountsScored: kept.accountsScored, plans: kept.plans, 'score.kept': 1, 'ms.score': Date.now() - started });
    return kept;
  }
  const bundles = await buildBundles(ctx);
  const day = now.toISOString().slice(0, 10);
  const dayThen = new Date(now.getTime() - 30 * DAY_MS).toISOString().slice(0, 10);
  const desired: Array<[string, DesiredValues]> = [];
  let plans = 0;
  for (const bundle of bundles) {
    const { account } = bundle;
    const stored = await ctx.state.getScore(account.id, dayThen);
    const health = computeAccountHealth(bundle, now, model, stored?.score ?? null);
    const fields: DesiredValues['fields'] = { ...health.fields };
    const previousOpp = await ctx.state.getPlanOpportunity(account.id);
    const plan = buildSuccessPlan(
      bundle,
      now,
      { lookbackDays: ctx.options.successPlanLookbackDays, previous: previousOpp ? { opportunityId: previousOpp } : null },
      health.signals,
    );
    if (plan) {
      plans += 1;
      const planFields: Record<string, string | number | boolean | null> = { ...plan.fields };
      // The review flag is set once, on a new plan; the CSM clears it in Salesforce.
      if (!plan.review) delete planFields.CS_Success_Plan_Review__c;
      Object.assign(fields, planFields);
      if (plan.review) await ctx.state.setPlanOpportunity(account.id, plan.opportunityId);
    }
    desired.push([account.id, { modelVersion: health.result.modelVersion, fields }]);
    await ctx.state.saveScore(account.id, day, { score: health.result.score, band: health.result.band, modelVersion: health.result.modelVersion }, ctx.options.scoreRetentionDays ?? 400);
  }
  await ctx.state.saveDesired(desired);
  await ctx.runs.set(runId, { accountsScored: desired.length, plans, 'ms.score': Date.now() - started });
  const summary: ScoreSummary = { accountsScored: desired.length, plans };
  await markStageDone(ctx, 'score', inputs, summary);
  return summary;
}
