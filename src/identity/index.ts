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
import { resolveKeys, type Keys, type Resolution } from './resolve.ts';

export { buildIdentityIndex, lookupExplicitId, type IdentityIndex } from './identity-index.ts';
export { resolveKeys, type Resolution, type Method, type UnmatchedReason, type Step } from './resolve.ts';
export { manualRuleSchema, type ManualRule } from './manual-rules.ts';
export { registrableDomain, normalizeEmail, isFreeMailDomain } from './domains.ts';
export { toSalesforceId18, isSalesforceId } from './salesforce-id.ts';

export interface RecordsToResolve {
  zendeskOrganizations: ZendeskOrganization[];
  zendeskUsers: ZendeskUser[];
  zendeskTickets: ZendeskTicket[];
  mixpanelProfiles: MixpanelProfile[];
  mixpanelActivities: MixpanelActivity[];
  surveyResponses: SurveyResponse[];
}

/** Parent resolutions, looked up by id. */
export interface Parents {
  organization(id: string): Resolution | undefined;
  user(id: string): Resolution | undefined;
  profile(distinctId: string): Resolution | undefined;
}

type AnyResolvable = ZendeskOrganization | ZendeskUser | ZendeskTicket | MixpanelProfile | MixpanelActivity | SurveyResponse;

export function keysOf(record: AnyResolvable, parents: Parents): Keys {
  const none: Keys = { explicitIds: [], parents: [], email: null, hasEmailField: false, domains: [] };
  switch (record.kind) {
    case 'zendesk.organization':
      return { ...none, explicitIds: [{ label: 'organization external_id', value: record.externalId }], domains: record.domainNames };
    case 'zendesk.user':
      return {
        ...none,
        explicitIds: [{ label: 'user external_id', value: record.externalId }],
        parents: record.organizationId ? [{ label: 'organization', resolution: parents.organization(record.organizationId) }] : [],
        email: record.email,
        hasEmailField: true,
      };
    case 'zendesk.ticket':
      return {
        ...none,
        parents: [
          ...(record.organizationId ? [{ label: 'organization', resolution: parents.organization(record.organizationId) }] : []),
          ...(record.requesterId ? [{ label: 'requester', resolution: parents.user(record.requesterId) }] : []),
        ],
      };
    case 'mixpanel.profile':
      return { ...none, explicitIds: [{ label: 'profile account property', value: record.accountId }], email: record.email, hasEmailField: true };
    case 'mixpanel.activity':
      return { ...none, explicitIds: [{ label: 'event account property', value: record.accountId }], parents: [{ label: 'profile', resolution: parents.profile(record.distinctId) }] };
    case 'surveys.response':
      return { ...none, explicitIds: [{ label: 'survey account_id', value: record.accountId }], email: record.email, hasEmailField: true };
  }
}

export function resolveOne(index: IdentityIndex, record: AnyResolvable, parents: Parents, explain = true): Resolution {
  return resolveKeys(index, record.kind, record.id, keysOf(record, parents), explain);
}

export interface ResolutionSet {
  byKind(kind: RecordKind): Resolution[];
  get(kind: RecordKind, id: string): Resolution | undefined;
  counts: { byMethod: Record<string, number>; byReason: Record<string, number>; matched: number; unmatched: number };
}

export function resolveAll(index: IdentityIndex, records: RecordsToResolve): ResolutionSet {
  const maps = new Map<RecordKind, Map<string, Resolution>>();
  const counts: ResolutionSet['counts'] = { byMethod: {}, byReason: {}, matched: 0, unmatched: 0 };
  const parents: Parents = {
    organization: (id) => maps.get('zendesk.organization')?.get(id),
    user: (id) => maps.get('zendesk.user')?.get(id),
    profile: (id) => maps.get('mixpanel.profile')?.get(id),
  };
  const run = (kind: RecordKind, list: AnyResolvable[]): void => {
    const map = new Map<string, Resolution>();
    maps.set(kind, map);
    for (const record of list) {
      const r = resolveOne(index, record, parents, false);
      map.set(record.id, r);
      if (r.accountId) {
        counts.matched += 1;
        counts.byMethod[r.method ?? 'unknown'] = (counts.byMethod[r.method ?? 'unknown'] ?? 0) + 1;
      } else {
        counts.unmatched += 1;
        counts.byReason[r.reason ?? 'unknown'] = (counts.byReason[r.reason ?? 'unknown'] ?? 0) + 1;
      }
    }
  };
  run('zendesk.organization', records.zendeskOrganizations);
  run('zendesk.user', records.zendeskUsers);
  run('zendesk.ticket', records.zendeskTickets);
  run('mixpanel.profile', records.mixpanelProfiles);
  run('mixpanel.activity', records.mixpanelActivities);
  run('surveys.response', records.surveyResponses);
  return {
    byKind: (kind) => [...(maps.get(kind)?.values() ?? [])],
    get: (kind, id) => maps.get(kind)?.get(id),
    counts,
  };
}

export interface TruthRow {
  kind: string;
  id: string;
  accountId: string | null;
}

/** Precision = correct matches / matches; recall = correct matches / records whose truth has an account. */
export function evaluateTruth(set: ResolutionSet, truth: TruthRow[]): { precision: number; recall: number; truePositives: number; falsePositives: number; falseNegatives: number; resolvable: number; evaluated: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let resolvable = 0;
  let evaluated = 0;
  for (const t of truth) {
    const r = set.get(t.kind as RecordKind, t.id);
    if (!r) continue;
    evaluated += 1;
    if (t.accountId) resolvable += 1;
    if (r.accountId) {
      if (r.accountId === t.accountId) tp += 1;
      else fp += 1;
    } else if (t.accountId) fn += 1;
  }
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: resolvable === 0 ? 1 : tp / resolvable, truePositives: tp, falsePositives: fp, falseNegatives: fn, resolvable, evaluated };
}
