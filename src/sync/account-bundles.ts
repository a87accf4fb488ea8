/** Builds the per-account bundles the pure signal, health and plan functions read (score stage, account view, model preview). */
import type {
  MixpanelActivity, SalesforceContact, SalesforceOpportunity, SalesforceOpportunityLineItem, SalesforceUser, SurveyResponse, ZendeskTicket,
} from '../contracts/records.ts';
import type { AccountBundle } from '../signals/account-bundle.ts';
import type { SyncContext } from './context.ts';

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

async function matched(ctx: SyncContext, kind: 'mixpanel.activity' | 'zendesk.ticket' | 'surveys.response'): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const batch of ctx.state.scanMatches(kind)) for (const [id, m] of batch) if (m.a) out.set(id, m.a);
  return out;
}

/** Bundles of the live accounts (only `only` when given). */
export async function buildBundles(ctx: SyncContext, only?: string): Promise<AccountBundle[]> {
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
  const [activityMatch, ticketMatch, surveyMatch] = await Promise.all([matched(ctx, 'mixpanel.activity'), matched(ctx, 'zendesk.ticket'), matched(ctx, 'surveys.response')]);
  const contactsBy = groupBy<SalesforceContact>(contacts, (c) => c.accountId);
  const oppsBy = groupBy<SalesforceOpportunity>(opportunities.filter((o) => !o.isDeleted), (o) => o.accountId);
  const itemsBy = groupBy<SalesforceOpportunityLineItem>(lineItems, (li) => li.opportunityId);
  const usersById = new Map<string, SalesforceUser>(users.map((u) => [u.id, u]));
  const activitiesBy = groupBy<MixpanelActivity>(activities, (a) => activityMatch.get(a.id));
  const ticketsBy = groupBy<ZendeskTicket>(tickets, (t) => ticketMatch.get(t.id));
  const surveysBy = groupBy<SurveyResponse>(surveys, (s) => surveyMatch.get(s.id));
  // A source feeds the counts while it is registered and enabled (a paused or absent source gives null counts).
  const states = await ctx.state.allSources();
  const on = (source: 'mixpanel' | 'zendesk' | 'surveys'): boolean => (states[source] ? states[source].enabled : Boolean(ctx.sources[source]));
  const sources = { mixpanel: on('mixpanel'), zendesk: on('zendesk'), surveys: on('surveys') };
  return accounts
    .filter((a) => !a.isDeleted && (only === undefined || a.id === only))
    .map((account) => {
      const opps = oppsBy.get(account.id) ?? [];
      return {
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
    });
}
