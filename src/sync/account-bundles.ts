/**
 * Builds the per-account bundles the pure signal, health and plan functions read (score stage,
 * account view, model preview). The CRM part (accounts, contacts, opportunities, line items,
 * users: O(accounts)) is loaded once (loadCrm), or, for an incremental score, per batch of
 * accounts through the owner index the score stage keeps (`crm-members`, loadCrmOf); the usage,
 * support and survey records of an account are read through its membership sets
 * (`members:<account>:<kind>`, kept by resolve), so a batch of accounts costs the records of
 * those accounts only.
 */
import type {
  MixpanelActivity, RecordKind, RecordOf, SalesforceAccount, SalesforceContact, SalesforceOpportunity, SalesforceOpportunityLineItem, SalesforceUser, SurveyResponse, ZendeskTicket,
} from '../contracts/records.ts';
import type { AccountBundle, SourceSwitches } from '../signals/account-bundle.ts';
import { keys } from '../store/keys.ts';
import type { SyncContext } from './context.ts';
import { keptLastActiveDays } from './activity-retention.ts';

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

/** The CRM side of every bundle, loaded once per stage. */
export interface CrmData {
  /** Live accounts by id. */
  accounts: Map<string, SalesforceAccount>;
  contactsBy: Map<string, SalesforceContact[]>;
  /** Live opportunities by account. */
  oppsBy: Map<string, SalesforceOpportunity[]>;
  /** Every opportunity by id (deleted ones too: a line item's account is its opportunity's). */
  opportunities: Map<string, SalesforceOpportunity>;
  itemsBy: Map<string, SalesforceOpportunityLineItem[]>;
  users: Map<string, SalesforceUser>;
  sources: SourceSwitches;
}

/** What every bundle shares: the Salesforce users and the source switches. */
export type CrmBase = Pick<CrmData, 'users' | 'sources'>;

export async function loadCrmBase(ctx: SyncContext): Promise<CrmBase> {
  const [users, states] = await Promise.all([ctx.records.all('salesforce.user'), ctx.state.allSources()]);
  // A source feeds the counts while it is registered and enabled (a paused or absent source gives null counts).
  const on = (source: 'mixpanel' | 'zendesk' | 'surveys'): boolean => (states[source] ? states[source].enabled : Boolean(ctx.sources[source]));
  return { users: new Map(users.map((u) => [u.id, u])), sources: { mixpanel: on('mixpanel'), zendesk: on('zendesk'), surveys: on('surveys') } };
}

function crmOf(base: CrmBase, accounts: SalesforceAccount[], contacts: SalesforceContact[], opportunities: SalesforceOpportunity[], lineItems: SalesforceOpportunityLineItem[]): CrmData {
  return {
    accounts: new Map(accounts.filter((a) => !a.isDeleted).map((a) => [a.id, a])),
    contactsBy: groupBy(contacts, (c) => c.accountId),
    oppsBy: groupBy(opportunities.filter((o) => !o.isDeleted), (o) => o.accountId),
    opportunities: new Map(opportunities.map((o) => [o.id, o])),
    itemsBy: groupBy(lineItems, (li) => li.opportunityId),
    ...base,
  };
}

export async function loadCrm(ctx: SyncContext): Promise<CrmData> {
  const [accounts, contacts, opportunities, lineItems, base] = await Promise.all([
    ctx.records.all('salesforce.account'),
    ctx.records.all('salesforce.contact'),
    ctx.records.all('salesforce.opportunity'),
    ctx.records.all('salesforce.opportunity_line_item'),
    loadCrmBase(ctx),
  ]);
  return crmOf(base, accounts, contacts, opportunities, lineItems);
}

/** The CRM kinds a record of which belongs to an owner: an account's contacts and opportunities, an opportunity's line items. */
export const OWNED_KINDS = ['salesforce.contact', 'salesforce.opportunity', 'salesforce.opportunity_line_item'] as const satisfies readonly RecordKind[];
export type OwnedKind = (typeof OWNED_KINDS)[number];

/** What a CRM record belongs to: a contact's or opportunity's account, a line item's opportunity. */
export function ownerOf(kind: OwnedKind, record: SalesforceContact | SalesforceOpportunity | SalesforceOpportunityLineItem): string | null {
  if (kind === 'salesforce.opportunity_line_item') return (record as SalesforceOpportunityLineItem).opportunityId;
  return (record as SalesforceContact | SalesforceOpportunity).accountId;
}

/** Records of a kind by id, read in slices (ids absent from the store are left out). */
async function recordsById<K extends RecordKind>(ctx: SyncContext, kind: K, ids: readonly string[]): Promise<RecordOf<K>[]> {
  const out: RecordOf<K>[] = [];
  for (let i = 0; i < ids.length; i += 2000) for (const r of await ctx.records.getMany(kind, ids.slice(i, i + 2000))) if (r) out.push(r);
  return out;
}

/**
 * The stored records of `kind` the owner index lists under `owners` and that still name that
 * owner (one changed since the score stage took its changes is left out here, as loadCrm would
 * group it under its new owner; the next run takes the change).
 */
async function ownedBy<K extends OwnedKind>(ctx: SyncContext, owners: readonly string[], kind: K): Promise<RecordOf<K>[]> {
  if (owners.length === 0) return [];
  const k = keys(ctx.prefix);
  const p = ctx.redis.pipeline();
  for (const owner of owners) p.smembers(k.crmMembers(owner, kind));
  const listed = new Map<string, string>();
  ((await p.exec()) ?? []).forEach(([err, ids], i) => {
    if (err) throw err;
    for (const id of ids as string[]) listed.set(id, owners[i] as string);
  });
  const records = await recordsById(ctx, kind, [...listed.keys()]);
  return records.filter((r) => ownerOf(kind, r) === listed.get((r as RecordOf<OwnedKind>).id));
}

/**
 * The CRM side of the given accounts only, what loadCrm holds for them: the accounts, their
 * contacts, opportunities and those opportunities' line items, read through the owner index
 * (`crm-members`, kept by the score stage in step with `crm-owners`; the stage brings it up to
 * date before it reads it). `opportunities` holds these accounts' opportunities only.
 */
export async function loadCrmOf(ctx: SyncContext, base: CrmBase, accountIds: readonly string[]): Promise<CrmData> {
  const ids = [...new Set(accountIds)];
  const [accounts, contacts, opportunities] = await Promise.all([
    recordsById(ctx, 'salesforce.account', ids),
    ownedBy(ctx, ids, 'salesforce.contact'),
    ownedBy(ctx, ids, 'salesforce.opportunity'),
  ]);
  const lineItems = await ownedBy(ctx, opportunities.filter((o) => !o.isDeleted).map((o) => o.id), 'salesforce.opportunity_line_item');
  return crmOf(base, accounts, contacts, opportunities, lineItems);
}

type MemberKind = 'mixpanel.activity' | 'zendesk.ticket' | 'surveys.response';

/** The records of `kind` matched to each of `accountIds`, sorted by id (records since removed are skipped). */
async function membersOf<K extends MemberKind>(ctx: SyncContext, accountIds: readonly string[], kind: K): Promise<Map<string, RecordOf<K>[]>> {
  const k = keys(ctx.prefix);
  const p = ctx.redis.pipeline();
  for (const id of accountIds) p.smembers(k.members(id, kind));
  const sets = ((await p.exec()) ?? []).map(([err, ids]) => {
    if (err) throw err;
    return (ids as string[]).sort();
  });
  // Every slice is asked for at once (one pipeline on the connection); records come back in the order of `all`.
  const all = sets.flat();
  const slices: Array<Promise<Array<RecordOf<K> | null>>> = [];
  for (let i = 0; i < all.length; i += 2000) slices.push(ctx.records.getMany(kind, all.slice(i, i + 2000)) as Promise<Array<RecordOf<K> | null>>);
  const records = (await Promise.all(slices)).flat();
  const out = new Map<string, RecordOf<K>[]>();
  let at = 0;
  accountIds.forEach((accountId, i) => {
    const list: RecordOf<K>[] = [];
    const n = sets[i]?.length ?? 0;
    for (let j = at; j < at + n; j += 1) {
      const r = records[j];
      if (r) list.push(r);
    }
    at += n;
    out.set(accountId, list);
  });
  return out;
}

/** Bundles of the given live accounts (ids that are not live accounts are skipped). */
export async function bundlesFor(ctx: SyncContext, crm: CrmData, accountIds: readonly string[]): Promise<AccountBundle[]> {
  const ids = accountIds.filter((id) => crm.accounts.has(id));
  const [activities, tickets, surveys, dropped] = await Promise.all([
    membersOf(ctx, ids, 'mixpanel.activity'),
    membersOf(ctx, ids, 'zendesk.ticket'),
    membersOf(ctx, ids, 'surveys.response'),
    keptLastActiveDays(ctx, ids),
  ]);
  return ids.map((id) => {
    const opps = crm.oppsBy.get(id) ?? [];
    return {
      account: crm.accounts.get(id) as SalesforceAccount,
      contacts: crm.contactsBy.get(id) ?? [],
      opportunities: opps,
      lineItems: opps.flatMap((o) => crm.itemsBy.get(o.id) ?? []),
      users: crm.users,
      activities: (activities.get(id) ?? []) as MixpanelActivity[],
      ...(dropped.has(id) ? { lastActiveDropped: dropped.get(id) } : {}),
      tickets: (tickets.get(id) ?? []) as ZendeskTicket[],
      surveys: (surveys.get(id) ?? []) as SurveyResponse[],
      sources: crm.sources,
    };
  });
}

/** Bundles of the live accounts (only `only` when given), sorted by account id. */
export async function buildBundles(ctx: SyncContext, only?: string): Promise<AccountBundle[]> {
  const crm = await loadCrm(ctx);
  const ids = only === undefined ? [...crm.accounts.keys()].sort() : [only];
  const out: AccountBundle[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await bundlesFor(ctx, crm, ids.slice(i, i + 500))));
  return out;
}
