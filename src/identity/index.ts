/**
 * Identity resolution (contracts.md section 2): every Zendesk organization, user and ticket,
 * Mixpanel profile and activity, and survey response resolves to at most one Account. Records
 * resolve in dependency order so the parent rule can use its parents' results. Bulk resolution is
 * map lookups per record; the readable rule chain is built only when explaining one record.
 */
import type {
  MixpanelActivity, MixpanelProfile, RecordKind, SurveyResponse, ZendeskOrganization, ZendeskTicket, ZendeskUser,
} from '../contracts/records.ts';
import type { IdentityIndex } from './identity-index.ts';
import { resolveKeys, type Keys, type Method, type Resolution, type UnmatchedReason } from './resolve.ts';

export { buildIdentityIndex, lookupExplicitId, type IdentityIndex, type ExplicitOutcome } from './identity-index.ts';
export { resolveKeys, METHODS, UNMATCHED_REASONS, type Keys, type Resolution, type Method, type UnmatchedReason, type Step } from './resolve.ts';
export { describeRule, manualRuleSchema, MANUAL_RULE_TYPES, type ManualRule, type ManualRuleType } from './manual-rules.ts';
export { emailDomainOf, isFreeMailDomain, normalizeEmail, registrableDomain } from './domains.ts';
export { ACCOUNT_KEY_PREFIX, isAccountId, isSalesforceId, toSalesforceId18 } from './salesforce-id.ts';
export { evaluateTruth, type TruthMetrics, type TruthRow } from './truth.ts';

export interface RecordsToResolve {
  zendeskOrganizations: ZendeskOrganization[];
  zendeskUsers: ZendeskUser[];
  zendeskTickets: ZendeskTicket[];
  mixpanelProfiles: MixpanelProfile[];
  mixpanelActivities: MixpanelActivity[];
  surveyResponses: SurveyResponse[];
}

/** Parent resolutions, looked up by id (a profile by its distinct id). */
export interface Parents {
  organization(id: string): Resolution | undefined;
  user(id: string): Resolution | undefined;
  profile(distinctId: string): Resolution | undefined;
}

/** No parents known: the parent rule reports them as missing. */
export const NO_PARENTS: Parents = { organization: () => undefined, user: () => undefined, profile: () => undefined };

export type ResolvableRecord = ZendeskOrganization | ZendeskUser | ZendeskTicket | MixpanelProfile | MixpanelActivity | SurveyResponse;
export type ResolvableKind = ResolvableRecord['kind'];

/** The keys a record offers to the rules, in the order the rules try them. */
export function keysOf(record: ResolvableRecord, parents: Parents): Keys {
  switch (record.kind) {
    case 'zendesk.organization':
      return { explicitIds: [{ label: 'organization external_id', value: record.externalId }], parents: [], email: null, hasEmailField: false, domains: record.domainNames };
    case 'zendesk.user':
      return {
        explicitIds: [{ label: 'user external_id', value: record.externalId }],
        parents: [{ label: 'organization', id: record.organizationId, resolution: record.organizationId === null ? undefined : parents.organization(record.organizationId) }],
        email: record.email,
        hasEmailField: true,
        domains: [],
      };
    case 'zendesk.ticket':
      return {
        explicitIds: [],
        parents: [
          { label: 'organization', id: record.organizationId, resolution: record.organizationId === null ? undefined : parents.organization(record.organizationId) },
          { label: 'requester', id: record.requesterId, resolution: record.requesterId === null ? undefined : parents.user(record.requesterId) },
        ],
        email: null,
        hasEmailField: false,
        domains: [],
      };
    case 'mixpanel.profile':
      return { explicitIds: [{ label: 'profile account property', value: record.accountId }], parents: [], email: record.email, hasEmailField: true, domains: [] };
    case 'mixpanel.activity':
      return {
        explicitIds: [{ label: 'event account property', value: record.accountId }],
        parents: [{ label: 'profile', id: record.distinctId, resolution: parents.profile(record.distinctId), sharesPerson: true }],
        email: null,
        hasEmailField: false,
        domains: [],
      };
    case 'surveys.response':
      return { explicitIds: [{ label: 'survey account_id', value: record.accountId }], parents: [], email: record.email, hasEmailField: true, domains: [] };
  }
}

/** Parent lookups, or resolutions already made (a `ResolutionSet`) to look parents up in. */
export type ParentSource = Parents | Pick<ResolutionSet, 'get'>;

const toParents = (source: ParentSource): Parents => ('get' in source ? parentsOf(source) : source);

/**
 * Resolves one record. Two forms:
 * - `resolveOne(index, kind, record, parents?)`: with the rule chain (`steps`) for `resolve --explain`;
 * - `resolveOne(index, record, parents?, explain = true)`: `explain` false skips the chain.
 * Parents must already be resolved: pass `Parents` lookups or the `ResolutionSet` of `resolveAll`.
 */
export function resolveOne<K extends ResolvableKind>(index: IdentityIndex, kind: K, record: Extract<ResolvableRecord, { kind: K }>, parents?: ParentSource): Resolution;
export function resolveOne(index: IdentityIndex, record: ResolvableRecord, parents?: ParentSource, explain?: boolean): Resolution;
export function resolveOne(
  index: IdentityIndex,
  first: ResolvableKind | ResolvableRecord,
  second?: ResolvableRecord | ParentSource,
  third?: ParentSource | boolean,
): Resolution {
  if (typeof first === 'string') {
    const record = second as ResolvableRecord | undefined;
    if (!record || record.kind !== first) throw new Error(`resolveOne: the record is not a ${first} (got ${record?.kind ?? 'nothing'})`);
    const parents = typeof third === 'object' ? toParents(third) : NO_PARENTS;
    return resolveKeys(index, record.kind, record.id, keysOf(record, parents), true);
  }
  const parents = second === undefined ? NO_PARENTS : toParents(second as ParentSource);
  const explain = typeof third === 'boolean' ? third : true;
  return resolveKeys(index, first.kind, first.id, keysOf(first, parents), explain);
}

export interface ResolutionCounts {
  byMethod: Partial<Record<Method, number>>;
  byReason: Partial<Record<UnmatchedReason, number>>;
  matched: number;
  unmatched: number;
}

export interface ResolutionSet {
  /** Per kind: record id -> resolution. */
  maps: ReadonlyMap<ResolvableKind, ReadonlyMap<string, Resolution>>;
  byKind(kind: RecordKind): Resolution[];
  get(kind: RecordKind, id: string): Resolution | undefined;
  /** Counts of the records given, over all kinds and per kind. */
  counts: ResolutionCounts;
  countsByKind: ReadonlyMap<ResolvableKind, ResolutionCounts>;
}

const emptyCounts = (): ResolutionCounts => ({ byMethod: {}, byReason: {}, matched: 0, unmatched: 0 });

function count(c: ResolutionCounts, r: Resolution): void {
  if (r.accountId !== null && r.method !== null) {
    c.matched += 1;
    c.byMethod[r.method] = (c.byMethod[r.method] ?? 0) + 1;
  } else if (r.reason !== null) {
    c.unmatched += 1;
    c.byReason[r.reason] = (c.byReason[r.reason] ?? 0) + 1;
  }
}

/** Parent lookups over resolutions already made. */
export function parentsOf(set: Pick<ResolutionSet, 'get'>): Parents {
  return {
    organization: (id) => set.get('zendesk.organization', id),
    user: (id) => set.get('zendesk.user', id),
    profile: (distinctId) => set.get('mixpanel.profile', distinctId),
  };
}

/**
 * Resolves every record in dependency order (organizations, users, tickets; profiles, then
 * activities; surveys), so the parent rule sees its parents' results. Per record this is a fixed
 * number of map lookups (no scan of the accounts) and no rule chain is built.
 */
export function resolveAll(index: IdentityIndex, records: RecordsToResolve): ResolutionSet {
  const maps = new Map<ResolvableKind, Map<string, Resolution>>();
  const counts = emptyCounts();
  const countsByKind = new Map<ResolvableKind, ResolutionCounts>();
  const get = (kind: RecordKind, id: string): Resolution | undefined => maps.get(kind as ResolvableKind)?.get(id);
  const parents = parentsOf({ get });
  const run = (kind: ResolvableKind, list: ResolvableRecord[]): void => {
    const map = new Map<string, Resolution>();
    const kindCounts = emptyCounts();
    maps.set(kind, map);
    countsByKind.set(kind, kindCounts);
    for (const record of list) {
      const r = resolveKeys(index, record.kind, record.id, keysOf(record, parents), false);
      // The same id twice in one input: the later copy is kept; counts count every record given.
      map.set(record.id, r);
      count(counts, r);
      count(kindCounts, r);
    }
  };
  run('zendesk.organization', records.zendeskOrganizations);
  run('zendesk.user', records.zendeskUsers);
  run('zendesk.ticket', records.zendeskTickets);
  run('mixpanel.profile', records.mixpanelProfiles);
  run('mixpanel.activity', records.mixpanelActivities);
  run('surveys.response', records.surveyResponses);
  return {
    maps,
    byKind: (kind) => [...(maps.get(kind as ResolvableKind)?.values() ?? [])],
    get,
    counts,
    countsByKind,
  };
}
