/**
 * The lookup tables identity resolution needs, built once per run from the CRM data, the Zendesk
 * organizations and RevOps' manual rules: live accounts by 18-character id (merged accounts point
 * to their master, deleted ones are gone), domain owners, contact emails, pins and exclusions.
 * Resolving a record is then a few map lookups, never a scan of the accounts.
 */
import type { SalesforceAccount, SalesforceContact, ZendeskOrganization } from '../contracts/records.ts';
import { normalizeEmail, registrableDomain } from './domains.ts';
import type { ManualRule } from './manual-rules.ts';
import { ACCOUNT_KEY_PREFIX, toSalesforceId18 } from './salesforce-id.ts';

export interface IdentityIndex {
  /** Live accounts by 18-character id. */
  accounts: Map<string, SalesforceAccount>;
  /** Merged accounts (deleted with a master record) -> the master's 18-character id. */
  merged: Map<string, string>;
  /** Deleted accounts without a master: their ids are stale. */
  deleted: Set<string>;
  /** Registrable domain -> the live, not excluded accounts owning it (Website, CS_Email_Domains__c, linked Zendesk organizations). */
  domainOwners: Map<string, Set<string>>;
  /** Normalized Contact email -> the live, not excluded accounts with a Contact of that email. */
  contactEmails: Map<string, Set<string>>;
  /** Excluded account id (18) -> the exclude-account rule. */
  excludedAccounts: Map<string, ManualRule>;
  /** Excluded registrable domain -> the exclude-domain rule. */
  excludedDomains: Map<string, ManualRule>;
  /** Pinned registrable domain -> the pin-domain rule. */
  pinnedDomains: Map<string, ManualRule>;
  /** Zendesk organization id -> the pin-organization rule. */
  pinnedOrganizations: Map<string, ManualRule>;
  /** `kind:id` -> the pin-record rule. */
  pinnedRecords: Map<string, ManualRule>;
  /** All manual rules, oldest first. */
  rules: ManualRule[];
}

export type ExplicitOutcome =
  | { status: 'ok'; accountId: string; via: string }
  | { status: 'stale'; id: string; via: string }
  | { status: 'excluded'; accountId: string; rule: ManualRule }
  | { status: 'not-an-id'; id: string };

const MAX_MERGE_HOPS = 16;

/**
 * What an explicit Account id names: a live account (15-character ids converted, merged accounts
 * followed to their master), an excluded one, nothing (stale), or it is no Account id at all.
 */
export function lookupExplicitId(index: IdentityIndex, raw: string): ExplicitOutcome {
  const id = toSalesforceId18(raw);
  if (!id || !id.startsWith(ACCOUNT_KEY_PREFIX)) return { status: 'not-an-id', id: raw };
  const trimmed = raw.trim();
  let via = trimmed.length === 15 ? `${trimmed} (15 characters) = ${id}` : id;
  let target = id;
  for (let hops = 0; hops < MAX_MERGE_HOPS; hops += 1) {
    const master = index.merged.get(target);
    if (!master || master === target) break;
    via = `${via}, merged into ${master}`;
    target = master;
  }
  if (!index.accounts.has(target)) {
    const why = index.deleted.has(target) ? 'a deleted Account' : 'no existing Account';
    return { status: 'stale', id: target, via: `${via} names ${why}` };
  }
  const rule = index.excludedAccounts.get(target);
  if (rule) return { status: 'excluded', accountId: target, rule };
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

/** Rules oldest first (ties by id), so that when two pins name the same key the newer one wins, whatever order storage returned them in. */
function chronological(rules: ManualRule[]): ManualRule[] {
  return [...rules].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : Date.parse(a.createdAt) - Date.parse(b.createdAt)));
}

/** The Contact fields the index reads. */
export type ContactInput = Pick<SalesforceContact, 'id' | 'accountId' | 'email' | 'isDeleted'>;
/** The Zendesk organization fields the index reads. */
export type OrganizationInput = Pick<ZendeskOrganization, 'id' | 'externalId' | 'domainNames'>;

/**
 * Told what each input contributed while an index is built (src/identity/identity-state.ts keeps
 * it to update the index when a few records change): a live account's claimed domain, a Contact's
 * email with the live account it belongs to, an organization's domains with its account.
 */
export interface IndexObserver {
  accountDomain(accountId: string, domain: string): void;
  contact(contactId: string, email: string, accountId: string): void;
  organization(organizationId: string, accountId: string, domains: string[]): void;
}

/** Whether an account confers ownership of a domain (neither the domain nor the account is excluded). */
export function ownsDomain(index: IdentityIndex, accountId: string, domain: string): boolean {
  return !index.excludedDomains.has(domain) && !index.excludedAccounts.has(accountId);
}

/** The live account a Contact's email belongs to, or null (deleted, no account, not a live one). */
export function contactAccount(index: IdentityIndex, c: ContactInput): string | null {
  if (c.isDeleted || !c.accountId) return null;
  const account = lookupExplicitId(index, c.accountId);
  return account.status === 'ok' ? account.accountId : null;
}

/** The live account whose domains an organization confers (its external_id), or null (none, pinned, not a live account). */
export function organizationAccount(index: IdentityIndex, org: OrganizationInput): string | null {
  // A pinned organization resolves by its pin, not by its external_id: its domains confer no ownership.
  if (!org.externalId || index.pinnedOrganizations.has(org.id) || index.pinnedRecords.has(`zendesk.organization:${org.id}`)) return null;
  const explicit = lookupExplicitId(index, org.externalId);
  return explicit.status === 'ok' ? explicit.accountId : null;
}

export function buildIdentityIndex(
  input: {
    accounts: Iterable<SalesforceAccount>;
    contacts: Iterable<ContactInput>;
    zendeskOrganizations: Iterable<OrganizationInput>;
    manualRules: ManualRule[];
  },
  observer?: IndexObserver,
): IdentityIndex {
  const rules = chronological(input.manualRules);
  const index: IdentityIndex = {
    accounts: new Map(),
    merged: new Map(),
    deleted: new Set(),
    domainOwners: new Map(),
    contactEmails: new Map(),
    excludedAccounts: new Map(),
    excludedDomains: new Map(),
    pinnedDomains: new Map(),
    pinnedOrganizations: new Map(),
    pinnedRecords: new Map(),
    rules,
  };

  for (const rule of rules) {
    const domain = rule.domain === undefined ? null : registrableDomain(rule.domain);
    const account = rule.accountId === undefined ? null : toSalesforceId18(rule.accountId);
    if (rule.type === 'exclude-account' && account) index.excludedAccounts.set(account, rule);
    if (rule.type === 'exclude-domain' && domain) index.excludedDomains.set(domain, rule);
    if (rule.type === 'pin-domain' && domain) index.pinnedDomains.set(domain, rule);
    if (rule.type === 'pin-organization' && rule.organizationId) index.pinnedOrganizations.set(rule.organizationId, rule);
    if (rule.type === 'pin-record' && rule.recordKind && rule.recordId) index.pinnedRecords.set(`${rule.recordKind}:${rule.recordId}`, rule);
  }

  for (const a of input.accounts) {
    const id = toSalesforceId18(a.id) ?? a.id;
    if (a.isDeleted) {
      const master = a.masterRecordId ? toSalesforceId18(a.masterRecordId) : null;
      if (master && master !== id) index.merged.set(id, master);
      else index.deleted.add(id);
      continue;
    }
    index.accounts.set(id, a);
  }
  // An account listed both live and deleted (two pulls) is live.
  for (const id of index.accounts.keys()) {
    index.merged.delete(id);
    index.deleted.delete(id);
  }

  const owns = (accountId: string, domain: string | null): void => {
    if (!domain || !ownsDomain(index, accountId, domain)) return;
    addOwner(index.domainOwners, domain, accountId);
  };
  for (const [id, a] of index.accounts) {
    for (const d of [registrableDomain(a.website), ...a.emailDomains.map((v) => registrableDomain(v))]) {
      if (d === null) continue;
      owns(id, d);
      observer?.accountDomain(id, d);
    }
  }
  for (const org of input.zendeskOrganizations) {
    const accountId = organizationAccount(index, org);
    if (accountId === null) continue;
    const domains = org.domainNames.map((d) => registrableDomain(d)).filter((d): d is string => d !== null);
    for (const d of domains) owns(accountId, d);
    observer?.organization(org.id, accountId, domains);
  }
  for (const c of input.contacts) {
    const accountId = contactAccount(index, c);
    const email = accountId === null ? null : normalizeEmail(c.email);
    if (accountId === null || email === null) continue;
    addOwner(index.contactEmails, email, accountId);
    observer?.contact(c.id, email, accountId);
  }
  return index;
}
