/**
 * The score stage: for every live account, gather its resolved records, compute signals,
 * health (score, band, trend, drivers) and its success plan with the pure functions of
 * src/signals, src/health and src/plans, and store the values Tidemark wants in Salesforce.
 */
import type {
  MixpanelActivity, SalesforceAccount, SalesforceContact, SalesforceOpportunity, SalesforceOpportunityLineItem, SalesforceUser, SurveyResponse, ZendeskTicket,
} from '../contracts/records.ts';
import type { AccountBundle } from '../signals/account-bundle.ts';
import { computeAccountHealth } from '../health/account-health.ts';
import { defaultHealthModel } from '../health/model.ts';
import { buildSuccessPlan } from '../plans/success-plan.ts';
import type { DesiredValues } from '../store/state-store.ts';
import type { SyncContext } from './context.ts';

const DAY_MS = 24 * 3600_000;

function groupBy<T>(items: readonly T[], key: (item: T) => string | null | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!k) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

async function matchedAccount(ctx: SyncContext, kind: 'mixpanel.activity' | 'zendesk.ticket' | 'surveys.response'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const batch of ctx.state.scanMatches(kind)) for (const [id, m] of batch) if (m.a) out.set(id, m.a);
  return out;
}

export interface ScoreSummary {
  accountsScored: number;
  plans: number;
}

export async function scoreRun(ctx: SyncContext, runId: string): Promise<ScoreSummary> {
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'score' });
  const now = ctx.now();
  const model = defaultHealthModel();
  const [accounts, contacts, opportunities, lineItems, users, activities, tickets, surveys] = await Promise.all([
    ctx.records.all('salesforce.account'),
    ctx.records.all('salesforce.contact'),
    ctx.records.all('salesforce.opportunity'),
    ctx.records.all('salesforce.opportunity_line_item'),
    ctx.records.all('salesforce.user'),
    ctx.records.all('mixpanel.activity'),
    ctx.records.all('zendesk.ticket'),
    ctx.records.all('surveys.response'),
  ]);
  const [activityMatch, ticketMatch, surveyMatch] = await Promise.all([
    matchedAccount(ctx, 'mixpanel.activity'),
    matchedAccount(ctx, 'zendesk.ticket'),
    matchedAccount(ctx, 'surveys.response'),
  ]);
  // Deleted contacts stay in: the signals count them as team departures.
  const contactsBy = groupBy<SalesforceContact>(contacts, (c) => c.accountId);
  const oppsBy = groupBy<SalesforceOpportunity>(opportunities.filter((o) => !o.isDeleted), (o) => o.accountId);
  const itemsBy = groupBy<SalesforceOpportunityLineItem>(lineItems, (li) => li.opportunityId);
  const usersById = new Map<string, SalesforceUser>(users.map((u) => [u.id, u]));
  const activitiesBy = groupBy<MixpanelActivity>(activities, (a) => activityMatch.get(a.id));
  const ticketsBy = groupBy<ZendeskTicket>(tickets, (t) => ticketMatch.get(t.id));
  const surveysBy = groupBy<SurveyResponse>(surveys, (s) => surveyMatch.get(s.id));
  const sources = { mixpanel: Boolean(ctx.sources.mixpanel), zendesk: Boolean(ctx.sources.zendesk), surveys: Boolean(ctx.sources.surveys) };

  const day = now.toISOString().slice(0, 10);
  const dayThen = new Date(now.getTime() - 30 * DAY_MS).toISOString().slice(0, 10);
  const desired: Array<[string, DesiredValues]> = [];
  let plans = 0;
  for (const account of accounts as SalesforceAccount[]) {
    if (account.isDeleted) continue;
    const opps = oppsBy.get(account.id) ?? [];
    const bundle: AccountBundle = {
      account,
      contacts: contactsBy.get(account.id) ?? [],
      opportunities: opps,
      lineItems: opps.flatMap((o) => itemsBy.get(o.id) ?? []),
      users: usersById,
      activities: activitiesBy.get(account.id) ?? [],
      tickets: ticketsBy.get(account.id) ?? [],
      surveys: surveysBy.get(account.id) ?? [],
      sources,
    };
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
    await ctx.state.saveScore(account.id, day, { score: health.result.score, band: health.result.band, modelVersion: health.result.modelVersion }, 400);
  }
  await ctx.state.saveDesired(desired);
  await ctx.runs.set(runId, { accountsScored: desired.length, plans, 'ms.score': Date.now() - started });
  return { accountsScored: desired.length, plans };
}
