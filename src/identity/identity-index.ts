/**
 * The lookup tables identity resolution needs, built once per run from the CRM data, the
 * Zendesk organizations and RevOps' manual rules: live accounts by 18-character id (merged
 * accounts point to their master), domain owners, contact emails, pins and exclusions.
 */
import type { SalesforceAccount, SalesforceContact, ZendeskOrganization } from '../contracts/records.ts';
import type { ManualRule } from './manual-rules.ts';
import { normalizeEmail, registrableDomain } from './domains.ts';
import { toSalesforceId18 } from './salesforce-id.ts';

export interface IdentityIndex {
  /** Live accounts by 18-character id. */
  accounts: Map<string, SalesforceAccount>;
  /** Ids of merged (deleted with a master) accounts -> the master's id. */
  merged: Map<string, string>;
  /** Deleted accounts (their ids are stale). */
  deleted: Set<string>;
  domainOwners: Map<string, Set<string>>;
  contactEmails: Map<string, Set<string>>;
  excludedAccounts: Set<string>;
  excludedDomains: Set<string>;
  pinnedDomains: Map<string, ManualRule>;
  pinnedOrganizations: Map<string, ManualRule>;
  pinnedRecords: Map<string, ManualRule>;
  rules: ManualRule[];
}

export type ExplicitOutcome = { status: 'ok'; accountId: string; via: string } | { status: 'stale'; id: string } | { status: 'excluded'; accountId: string } | { status: 'not-an-id'; id: string };

/** What an explicit Account id on a record names: a live account, a merged one's master, or nothing (stale). */
export function lookupExplicitId(index: IdentityIndex, raw: string): ExplicitOutcome {
  const id = toSalesforceId18(raw);
  if (!id || !id.startsWith('001')) return { status: 'not-an-id', id: raw };
  let target = id;
  let via = raw.trim().length === 15 ? `15-character id ${raw.trim()} -> ${id}` : id;
  const master = index.merged.get(id);
  if (master) {
    target = master;
    via = `${via} (merged into ${master})`;
  }
  if (!index.accounts.has(target)) return { status: 'stale', id };
  if (index.excludedAccounts.has(target)) return { status: 'excluded', accountId: target };
  return { status: 'ok', accountId: target, via };
}

function addOwner(map: Map<string, Set<string>>, key: string | null, accountId: string): void {
  if (!key) return;
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(accountId);
}

export function buildIdentityIndex(input: { accounts: SalesforceAccount[]; contacts: SalesforceContact[]; zendeskOrganizations: ZendeskOrganization[]; manualRules: ManualRule[] }): IdentityIndex {
  const index: IdentityIndex = {
    accounts: new Map(),
    merged: new Map(),
    deleted: new Set(),
    domainOwners: new Map(),
    contactEmails: new Map(),
    excludedAccounts: new Set(),
    excludedDomains: new Set(),
    pinnedDomains: new Map(),
    pinnedOrganizations: new Map(),
    pinnedRecords: new Map(),
    rules: input.manualRules,
  };
  for (const rule of input.manualRules) {
    const account = rule.accountId ? toSalesforceId18(rule.accountId) : null;
    const domain = rule.domain ? registrableDomain(rule.domain) ?? rule.domain.toLowerCase() : null;
    const normalized = { ...rule, accountId: account ?? rule.accountId };
    if (rule.type === 'exclude-account' && account) index.excludedAccounts.add(account);
    if (rule.type === 'exclude-domain' && domain) index.excludedDomains.add(domain);
    if (rule.type === 'pin-domain' && domain) index.pinnedDomains.set(domain, normalized);
    if (rule.type === 'pin-organization' && rule.organizationId) index.pinnedOrganizations.set(rule.organizationId, normalized);
    if (rule.type === 'pin-record' && rule.recordKind && rule.recordId) index.pinnedRecords.set(`${rule.recordKind}:${rule.recordId}`, normalized);
  }
  for (const a of input.accounts) {
    const id = toSalesforceId18(a.id) ?? a.id;
    if (a.isDeleted) {
      const master = a.masterRecordId ? toSalesforceId18(a.masterRecordId) : null;
      if (master) index.merged.set(id, master);
      else index.deleted.add(id);
      continue;
    }
    index.accounts.set(id, a);
  }
  const owns = (accountId: string, domain: string | null): void => {
    if (!domain || index.excludedDomains.has(domain) || index.excludedAccounts.has(accountId)) return;
    addOwner(index.domainOwners, domain, accountId);
  };
  for (const [id, a] of index.accounts) {
    owns(id, registrableDomain(a.website));
    for (const d of a.emailDomains) owns(id, registrableDomain(d));
  }
  for (const org of input.zendeskOrganizations) {
    if (!org.externalId) continue;
    const explicit = lookupExplicitId(index, org.externalId);
    if (explicit.status !== 'ok') continue;
    for (const d of org.domainNames) owns(explicit.accountId, registrableDomain(d));
  }
  for (const c of input.contacts) {
    if (c.isDeleted || !c.accountId) continue;
    const account = lookupExplicitId(index, c.accountId);
    if (account.status !== 'ok') continue;
    addOwner(index.contactEmails, normalizeEmail(c.email), account.accountId);
  }
  return index;
}
