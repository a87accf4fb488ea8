/**
 * The identity index with its inputs and its snapshot (src/identity/lookup-keys.ts), kept so that
 * a few changed CRM records update it instead of a rebuild from every record. `update` gives the
 * same index and snapshot as `buildIdentityIndex` + `identitySnapshot` over the records after
 * the change (tests/identity/identity-state.test.ts), and returns the snapshot keys whose
 * answer changed:
 * - Contacts and Zendesk organizations: what each contributed (email -> account, domains ->
 *   account) is replaced, and the emails and domains they touched are recomputed from all their
 *   contributors;
 * - Accounts changed in fields the index does not read (anything but id, deletion, master,
 *   Website and email domains): their record is replaced;
 * - anything else (an Account's identity fields, a manual rule): the index is rebuilt from the
 *   records held here, and the snapshots compared whole.
 */
import type { SalesforceAccount, SalesforceContact, ZendeskOrganization } from '../contracts/records.ts';
import {
  buildIdentityIndex, contactAccount, organizationAccount, ownsDomain, type ContactInput, type IdentityIndex, type OrganizationInput,
} from './identity-index.ts';
import { normalizeEmail, registrableDomain } from './domains.ts';
import { changedLookupKeys, domainAnswer, emailAnswer, identitySnapshot } from './lookup-keys.ts';
import type { ManualRule } from './manual-rules.ts';
import { toSalesforceId18 } from './salesforce-id.ts';

/** Changed records by id: the record now, or null when it is gone. */
export interface IdentityChanges {
  accounts: ReadonlyMap<string, SalesforceAccount | null>;
  contacts: ReadonlyMap<string, SalesforceContact | null>;
  organizations: ReadonlyMap<string, ZendeskOrganization | null>;
  manualRules: ManualRule[];
}

export interface IdentityInputs {
  accounts: Iterable<SalesforceAccount>;
  contacts: Iterable<ContactInput>;
  organizations: Iterable<OrganizationInput>;
  manualRules: ManualRule[];
}

function addTo(map: Map<string, Set<string>>, key: string, member: string): void {
  const set = map.get(key);
  if (set) set.add(member);
  else map.set(key, new Set([member]));
}

function removeFrom(map: Map<string, Set<string>>, key: string, member: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(member);
  if (set.size === 0) map.delete(key);
}

/** The fields of an Account the index reads. */
const accountIdentity = (a: SalesforceAccount | null | undefined): string => (a ? JSON.stringify([a.id, a.isDeleted, a.masterRecordId, a.website, a.emailDomains]) : '');
const rulesIdentity = (rules: ManualRule[]): string => JSON.stringify([...rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
interface Claim {
  email: string;
  accountId: string;
}
/** A Contact's fields the index reads, and what it contributes (set while the index is built or updated). */
type HeldContact = ContactInput & { claim?: Claim };
const heldContact = (c: ContactInput): HeldContact => ({ id: c.id, accountId: c.accountId, email: c.email, isDeleted: c.isDeleted });
const organizationInput = (o: ZendeskOrganization): OrganizationInput => ({ id: o.id, externalId: o.externalId, domainNames: o.domainNames });

export class IdentityState {
  index: IdentityIndex;
  /** identitySnapshot(index), kept up to date. */
  snapshot: Map<string, string>;
  private readonly accounts = new Map<string, SalesforceAccount>();
  /** Contacts with what each contributes (email -> live account), if anything. */
  private readonly contacts = new Map<string, HeldContact>();
  private readonly organizations = new Map<string, OrganizationInput>();
  private rules: ManualRule[];
  private rulesKey: string;
  /** Domain -> live accounts claiming it (Website, email domains), exclusions not applied. */
  private domainAccounts = new Map<string, Set<string>>();
  /** Domain -> organizations conferring it; organization -> its account and domains. */
  private domainOrganizations = new Map<string, Set<string>>();
  private organizationClaims = new Map<string, { accountId: string; domains: string[] }>();
  /** Email -> the Contact contributing it, or the Contacts when several do. */
  private emailContacts = new Map<string, string | Set<string>>();

  constructor(inputs: IdentityInputs) {
    for (const a of inputs.accounts) this.accounts.set(a.id, a);
    for (const c of inputs.contacts) this.contacts.set(c.id, heldContact(c));
    for (const o of inputs.organizations) this.organizations.set(o.id, { id: o.id, externalId: o.externalId, domainNames: o.domainNames });
    this.rules = inputs.manualRules;
    this.rulesKey = rulesIdentity(inputs.manualRules);
    this.index = this.build();
    this.snapshot = identitySnapshot(this.index);
  }

  /** Records held (Accounts, Contacts, organizations): for tests. */
  get size(): number {
    return this.accounts.size + this.contacts.size + this.organizations.size;
  }

  private build(): IdentityIndex {
    this.domainAccounts = new Map();
    this.domainOrganizations = new Map();
    this.organizationClaims = new Map();
    this.emailContacts = new Map();
    for (const c of this.contacts.values()) delete c.claim;
    return buildIdentityIndex(
      { accounts: this.accounts.values(), contacts: this.contacts.values(), zendeskOrganizations: this.organizations.values(), manualRules: this.rules },
      {
        accountDomain: (accountId, domain) => addTo(this.domainAccounts, domain, accountId),
        contact: (contactId, email, accountId) => {
          const held = this.contacts.get(contactId);
          if (held) held.claim = { email, accountId };
          this.claimEmail(email, contactId);
        },
        organization: (organizationId, accountId, domains) => {
          this.organizationClaims.set(organizationId, { accountId, domains });
          for (const d of domains) addTo(this.domainOrganizations, d, organizationId);
        },
      },
    );
  }

  /** Applies changed records and the current manual rules; returns the snapshot keys whose answer changed. */
  update(changes: IdentityChanges): string[] {
    let rebuild = rulesIdentity(changes.manualRules) !== this.rulesKey;
    for (const [id, a] of changes.accounts) {
      if (accountIdentity(this.accounts.get(id)) !== accountIdentity(a)) rebuild = true;
      if (a === null) this.accounts.delete(id);
      else {
        this.accounts.set(id, a);
        const id18 = toSalesforceId18(a.id) ?? a.id;
        if (this.index.accounts.get(id18)?.id === a.id && !a.isDeleted) this.index.accounts.set(id18, a);
      }
    }
    const touched = new Set<string>();
    for (const [id, c] of changes.contacts) {
      const old = this.contacts.get(id)?.claim;
      const held = c === null ? null : heldContact(c);
      if (held === null) this.contacts.delete(id);
      else this.contacts.set(id, held);
      if (!rebuild) this.reclaimContact(id, old, held, touched);
    }
    for (const [id, o] of changes.organizations) {
      if (o === null) this.organizations.delete(id);
      else this.organizations.set(id, organizationInput(o));
      if (!rebuild) this.reclaimOrganization(id, o, touched);
    }
    if (rebuild) {
      this.rules = changes.manualRules;
      this.rulesKey = rulesIdentity(changes.manualRules);
      this.index = this.build();
      const before = this.snapshot;
      this.snapshot = identitySnapshot(this.index);
      return changedLookupKeys(before, this.snapshot);
    }
    const changed: string[] = [];
    for (const key of touched) {
      const value = key.startsWith('e:') ? this.recomputeEmail(key.slice(2)) : this.recomputeDomain(key.slice(2));
      if (value === this.snapshot.get(key)) continue;
      changed.push(key);
      if (value === undefined) this.snapshot.delete(key);
      else this.snapshot.set(key, value);
    }
    return changed;
  }

  private claimEmail(email: string, contactId: string): void {
    const held = this.emailContacts.get(email);
    if (held === undefined) this.emailContacts.set(email, contactId);
    else if (typeof held === 'string') {
      if (held !== contactId) this.emailContacts.set(email, new Set([held, contactId]));
    } else held.add(contactId);
  }

  private unclaimEmail(email: string, contactId: string): void {
    const held = this.emailContacts.get(email);
    if (held === contactId) this.emailContacts.delete(email);
    else if (typeof held === 'object') {
      held.delete(contactId);
      if (held.size === 0) this.emailContacts.delete(email);
    }
  }

  private reclaimContact(id: string, old: Claim | undefined, c: HeldContact | null, touched: Set<string>): void {
    if (old) {
      this.unclaimEmail(old.email, id);
      touched.add(`e:${old.email}`);
    }
    const accountId = c === null ? null : contactAccount(this.index, c);
    const email = accountId === null || c === null ? null : normalizeEmail(c.email);
    if (accountId === null || email === null || c === null) return;
    c.claim = { email, accountId };
    this.claimEmail(email, id);
    touched.add(`e:${email}`);
  }

  private reclaimOrganization(id: string, o: ZendeskOrganization | null, touched: Set<string>): void {
    const old = this.organizationClaims.get(id);
    if (old) {
      this.organizationClaims.delete(id);
      for (const d of old.domains) {
        removeFrom(this.domainOrganizations, d, id);
        touched.add(`d:${d}`);
      }
    }
    const accountId = o === null ? null : organizationAccount(this.index, o);
    if (accountId === null || o === null) return;
    const domains = o.domainNames.map((d) => registrableDomain(d)).filter((d): d is string => d !== null);
    this.organizationClaims.set(id, { accountId, domains });
    for (const d of domains) {
      addTo(this.domainOrganizations, d, id);
      touched.add(`d:${d}`);
    }
  }

  private recomputeEmail(email: string): string | undefined {
    const owners = new Set<string>();
    const held = this.emailContacts.get(email);
    for (const id of typeof held === 'string' ? [held] : (held ?? [])) {
      const claim = this.contacts.get(id)?.claim;
      if (claim) owners.add(claim.accountId);
    }
    if (owners.size > 0) this.index.contactEmails.set(email, owners);
    else this.index.contactEmails.delete(email);
    return emailAnswer(this.index, email);
  }

  private recomputeDomain(domain: string): string | undefined {
    const owners = new Set<string>();
    for (const accountId of this.domainAccounts.get(domain) ?? []) if (ownsDomain(this.index, accountId, domain)) owners.add(accountId);
    for (const id of this.domainOrganizations.get(domain) ?? []) {
      const claim = this.organizationClaims.get(id);
      if (claim && ownsDomain(this.index, claim.accountId, domain)) owners.add(claim.accountId);
    }
    if (owners.size > 0) this.index.domainOwners.set(domain, owners);
    else this.index.domainOwners.delete(domain);
    return domainAnswer(this.index, domain);
  }
}
