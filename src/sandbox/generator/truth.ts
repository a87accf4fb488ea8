/**
 * Ground truth, computed from what the generator wrote and what it knows by construction (which
 * domains each account owns, which emails are Contacts): the account of each record by the rules
 * of contracts.md section 2, and the contract fields of section 1 per account.
 */
import { salesforceId18 } from './salesforce-id.ts';

/** Free-mail providers the generator uses; all are on the maintained free-mail list. */
export const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'hotmail.com', 'icloud.com', 'gmx.de'] as const;
const freeMail: ReadonlySet<string> = new Set(FREE_MAIL);

/** An email with its registrable domain in punycode, as the generator built it. */
export interface Email {
  address: string;
  domain: string;
}

export interface TruthKeys {
  /** Salesforce Account id on the record itself (external_id, account_id property). */
  explicitId?: string | null;
  /** Accounts of resolved parents, in the order the rules try them (null = parent unresolved). */
  parents?: Array<string | null>;
  email?: Email | null;
  /** Registrable domains of a Zendesk organization's domain_names. */
  domains?: string[];
}

/** Domain ownership and Contact emails of the whole dataset, fixed before any record resolves. */
export class TruthIndex {
  private readonly accounts = new Set<string>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly contacts = new Map<string, Set<string>>();

  addAccount(id: string): void {
    this.accounts.add(id);
  }

  ownDomain(domain: string, accountId: string): void {
    const set = this.owners.get(domain) ?? new Set<string>();
    set.add(accountId);
    this.owners.set(domain, set);
  }

  addContact(email: string, accountId: string): void {
    const key = email.trim().toLowerCase();
    const set = this.contacts.get(key) ?? new Set<string>();
    set.add(accountId);
    this.contacts.set(key, set);
  }

  /** The existing Account an id names (15 characters converted to 18), or null (stale, malformed). */
  account(id: string | null | undefined): string | null {
    if (!id) return null;
    const trimmed = id.trim();
    const id18 = /^[A-Za-z0-9]{15}$/.test(trimmed) ? salesforceId18(trimmed) : trimmed;
    return this.accounts.has(id18) ? id18 : null;
  }

  /** The account the rules give a record, first match wins; null when unmatched. */
  resolve(keys: TruthKeys): string | null {
    const explicit = this.account(keys.explicitId);
    if (explicit) return explicit;
    for (const parent of keys.parents ?? []) if (parent) return parent;
    if (keys.email) {
      const byContact = this.contacts.get(keys.email.address.trim().toLowerCase());
      if (byContact && byContact.size === 1) return [...byContact][0] ?? null;
      if (byContact && byContact.size > 1) return null; // ambiguous contact: no fall-through
      return this.byDomains([keys.email.domain]);
    }
    return this.byDomains(keys.domains ?? []);
  }

  private byDomains(domains: string[]): string | null {
    const candidates = new Set<string>();
    for (const d of domains) {
      if (freeMail.has(d)) return null;
      for (const a of this.owners.get(d) ?? []) candidates.add(a);
    }
    return candidates.size === 1 ? ([...candidates][0] ?? null) : null;
  }
}

/** Half away from zero, as contracts.md section 1 rounds. */
export function roundHalfAway(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = (Math.sign(value) * Math.round(Math.abs(value) * f)) / f;
  return Object.is(r, -0) ? 0 : r;
}

const DAY = 86_400_000;
const OPEN = new Set(['new', 'open', 'pending', 'hold']);

/** The contract fields of one account, tallied from the records as they were written. */
export class AccountTally {
  private readonly active = new Set<string>();
  private readonly latestResponse = new Map<string, { at: number; score: number }>();
  private open = 0;
  private urgent = 0;

  constructor(private readonly nowMs: number) {}

  /** An event (time in unix seconds) that resolves to this account. */
  event(distinctId: string, timeSeconds: number): void {
    const ms = timeSeconds * 1000;
    if (ms > this.nowMs - 30 * DAY && ms <= this.nowMs) this.active.add(distinctId);
  }

  ticket(status: string, priority: string | null, createdAt: string): void {
    if (OPEN.has(status)) this.open += 1;
    const created = Date.parse(createdAt);
    if ((priority === 'urgent' || priority === 'high') && created > this.nowMs - 90 * DAY && created <= this.nowMs) this.urgent += 1;
  }

  response(id: string, email: string | null, score: number, submittedAt: string): void {
    const at = Date.parse(submittedAt);
    if (!(at > this.nowMs - 180 * DAY && at <= this.nowMs)) return;
    const trimmed = email?.trim().toLowerCase();
    const key = trimmed ? `email:${trimmed}` : `id:${id}`;
    const prev = this.latestResponse.get(key);
    if (!prev || prev.at < at) this.latestResponse.set(key, { at, score });
  }

  fields(seats: number | null): Record<string, number | null> {
    const responses = [...this.latestResponse.values()];
    const promoters = responses.filter((r) => r.score >= 9).length;
    const detractors = responses.filter((r) => r.score <= 6).length;
    return {
      CS_Active_Users_30d__c: this.active.size,
      // Tenths of a percent from integers, so a tie (x.x5) is exact before rounding.
      CS_License_Utilization__c: seats !== null && seats > 0 ? roundHalfAway((this.active.size * 1000) / seats, 0) / 10 : null,
      CS_Open_Tickets__c: this.open,
      CS_Urgent_Tickets_90d__c: this.urgent,
      CS_NPS__c: responses.length === 0 ? null : roundHalfAway((100 * (promoters - detractors)) / responses.length, 0),
    };
  }
}
