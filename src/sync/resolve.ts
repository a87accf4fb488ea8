/**
 * The resolve stage: link every record to at most one Salesforce Account (contracts.md
 * section 2) with the rules of src/identity, store each match with its method or the reason it
 * is unmatched, and log the records whose resolution changed.
 */
import type { RecordKind } from '../contracts/records.ts';
import { buildIdentityIndex, resolveAll, type Resolution } from '../identity/index.ts';
import type { StoredMatch } from '../store/state-store.ts';
import { loadManualRules } from '../store/manual-rule-store.ts';
import type { SyncContext } from './context.ts';
import { markStageDone, stageInputs, unchangedSummary } from './stage-inputs.ts';

export const RESOLVED_KINDS = [
  'zendesk.organization', 'zendesk.user', 'zendesk.ticket', 'mixpanel.profile', 'mixpanel.activity', 'surveys.response',
] as const satisfies readonly RecordKind[];

export interface ResolveSummary {
  resolved: number;
  unmatched: number;
  changed: number;
  byMethod: Record<string, number>;
  byReason: Record<string, number>;
}

export function toStoredMatch(r: Resolution): StoredMatch {
  return r.candidates.length > 0 ? { a: r.accountId, m: r.method, r: r.reason, c: r.candidates } : { a: r.accountId, m: r.method, r: r.reason };
}

export async function resolveRun(ctx: SyncContext, runId: string): Promise<ResolveSummary> {
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'resolve' });
  const inputs = await stageInputs(ctx, 'resolve');
  const kept = await unchangedSummary<ResolveSummary>(ctx, 'resolve', inputs);
  if (kept) {
    await ctx.runs.set(runId, { resolved: kept.resolved, unmatched: kept.unmatched, 'resolve.kept': 1, 'ms.resolve': Date.now() - started });
    return kept;
  }
  const [accounts, contacts, zendeskOrganizations, zendeskUsers, zendeskTickets, mixpanelProfiles, mixpanelActivities, surveyResponses, manualRules] =
    await Promise.all([
      ctx.records.all('salesforce.account'),
      ctx.records.all('salesforce.contact'),
      ctx.records.all('zendesk.organization'),
      ctx.records.all('zendesk.user'),
      ctx.records.all('zendesk.ticket'),
      ctx.records.all('mixpanel.profile'),
      ctx.records.all('mixpanel.activity'),
      ctx.records.all('surveys.response'),
      loadManualRules(ctx.redis, ctx.prefix),
    ]);
  const index = buildIdentityIndex({ accounts, contacts, zendeskOrganizations, manualRules });
  const set = resolveAll(index, { zendeskOrganizations, zendeskUsers, zendeskTickets, mixpanelProfiles, mixpanelActivities, surveyResponses });

  const summary: ResolveSummary = { resolved: 0, unmatched: 0, changed: 0, byMethod: {}, byReason: {} };
  for (const kind of RESOLVED_KINDS) {
    const resolutions = set.byKind(kind);
    const entries: Array<[string, StoredMatch]> = [];
    const logLines: Array<{ id: string; r: Resolution }> = [];
    for (const r of resolutions) {
      const stored = toStoredMatch(r);
      entries.push([r.id, stored]);
      if (r.accountId) {
        summary.resolved += 1;
        summary.byMethod[r.method ?? 'unknown'] = (summary.byMethod[r.method ?? 'unknown'] ?? 0) + 1;
      } else {
        summary.unmatched += 1;
        summary.byReason[r.reason ?? 'unknown'] = (summary.byReason[r.reason ?? 'unknown'] ?? 0) + 1;
      }
    }
    const previous = new Map<string, string>();
    if (kind !== 'mixpanel.activity') {
      for await (const batch of ctx.state.scanMatches(kind)) for (const [id, m] of batch) previous.set(id, JSON.stringify(m));
      for (const r of resolutions) if (previous.get(r.id) !== JSON.stringify(toStoredMatch(r))) logLines.push({ id: r.id, r });
    }
    summary.changed += await ctx.state.saveMatches(kind, entries);
    await ctx.state.removeMatchesNotIn(kind, new Set(entries.map(([id]) => id)));
    await ctx.logs.append(
      logLines.slice(0, 5000).map(({ id, r }) => ({
        runId,
        status: r.accountId ? ('ok' as const) : ('unmatched' as const),
        source: kind.split('.')[0] ?? null,
        kind,
        recordId: id,
        accountId: r.accountId,
        message: r.accountId
          ? `${kind}:${id} matched to ${r.accountId} by ${r.method}`
          : `${kind}:${id} unmatched: ${r.reason}${r.candidates.length > 0 ? ` (candidates ${r.candidates.join(', ')})` : ''}`,
      })));
  }
  const counters: Record<string, number> = { resolved: summary.resolved, unmatched: summary.unmatched, 'ms.resolve': Date.now() - started };
  for (const [reason, n] of Object.entries(summary.byReason)) counters[`unmatched.${reason}`] = n;
  await ctx.runs.set(runId, counters);
  await markStageDone(ctx, 'resolve', inputs, summary);
  return summary;
}
