/**
 * Phase one of generation: every account's identity facts (domains, Website, extra domains,
 * contacts, Zendesk organization external id) and the identity traps, planned before any record
 * is written, because traps point at other accounts (a shared domain, a partner consultant with
 * another customer's domain, a contact listed at two accounts). O(accounts) memory.
 */
import { domainToASCII } from 'node:url';
import { salesforceId } from './salesforce-id.ts';
import { TruthIndex, type Email } from './truth.ts';
import * as V from './vocabulary.ts';

export const COHORTS = ['healthy', 'declining', 'support-heavy', 'detractors', 'onboarding', 'churned'] as const;
export type Cohort = (typeof COHORTS)[number];

export type Rng = () => number;
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
export const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

export const DAY = 86_400_000;

export interface Person {
  first: string;
  last: string;
  title: string;
  email: Email;
}

export interface StaffUser {
  id: string;
  name: string;
  email: string;
  title: string;
}

export interface AccountPlan {
  index: number;
  id: string;
  name: string;
  /** The company's own domain as people type it (may be an IDN such as bücher2.de). */
  domain: string;
  /** Its registrable domain in punycode. */
  asciiDomain: string;
  region: (typeof V.REGIONS)[number];
  cohort: Cohort;
  industry: string;
  employees: number;
  seats: number | null;
  website: string | null;
  extraDomains: string[];
  ownerId: string;
  csmId: string;
  people: Person[];
  /** A consultant of a partner firm that is another customer: a contact here, the other's domain. */
  partner: Person | null;
  /** A contact who uses a free-mail address. */
  freeMailContact: Person | null;
  /** A person listed as a contact at this account and the next one. */
  sharedContact: Person | null;
  orgId: number;
  orgExternalId: string | null;
  orgTrap: string | undefined;
}

/** Lower-case ASCII local part from a person's name (Müller -> mueller, O'Brien -> obrien). */
export function localPart(...parts: string[]): string {
  return parts
    .join('.')
    .toLowerCase()
    .replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
    .replace(/[^a-z0-9.]+/g, '');
}

/** An email at `host`, whose registrable domain is `registrable` (host itself unless a subdomain). */
export function email(local: string, host: string, registrable = host): Email {
  return { address: `${local}@${host}`, domain: domainToASCII(registrable) };
}

export const SHARED_DOMAIN = 'meridian-holdings.com';
export const PARTNER_FIRM_DOMAIN = 'northstar-advisory.com';
const IDN_NAMES = ['bücher', 'müller-technik', 'café-lumière'];

function websiteFor(i: number, domain: string): string | null {
  if (i % 34 === 27) return null;
  if (i % 34 === 10) return '';
  if (i % 17 === 5) return 'N/A';
  switch (i % 7) {
    case 0: return `https://WWW.${domain.toUpperCase()}/about`;
    case 1: return `${domain}:8080`;
    case 3: return `http://${domain}/`;
    case 5: return `www.${domain}`;
    default: return `https://www.${domain}`;
  }
}

export function planStaff(accounts: number, rng: Rng): { owners: StaffUser[]; csms: StaffUser[] } {
  const make = (n: number, prefixSerial: number, title: string): StaffUser[] =>
    Array.from({ length: n }, (_, s) => {
      const first = pick(rng, V.FIRST_NAMES);
      const last = pick(rng, V.LAST_NAMES);
      return { id: salesforceId('005', prefixSerial + s + 1), name: `${first} ${last}`, email: `${localPart(first, last)}${s}@tidemark-vendor.example`, title };
    });
  const owners = make(Math.max(2, Math.ceil(accounts / 40)), 0, 'Account Executive');
  const csms = make(Math.max(2, Math.ceil(accounts / 25)), owners.length, 'Customer Success Manager');
  return { owners, csms };
}

/** `contactsPerAccount`: exactly this many people (Salesforce Contacts) per account instead of 3 to 6 (traps come on top). */
export function planAccounts(accounts: number, rng: Rng, staff: { owners: StaffUser[]; csms: StaffUser[] }, options: { contactsPerAccount?: number } = {}): { plans: AccountPlan[]; index: TruthIndex } {
  const plans: AccountPlan[] = [];
  for (let i = 0; i < accounts; i += 1) {
    const first = V.COMPANY_FIRST[i % V.COMPANY_FIRST.length] as string;
    const second = pick(rng, V.COMPANY_SECOND);
    const region = V.REGIONS[i % V.REGIONS.length] as (typeof V.REGIONS)[number];
    const slug = localPart(first, second).replace(/\./g, '-');
    const idn = i % 25 === 2;
    const domain = idn ? `${IDN_NAMES[Math.floor(i / 25) % IDN_NAMES.length] as string}${i}.de` : `${slug}${i}.${region.tld}`;
    const size = pick(rng, V.SIZES);
    const cohort = COHORTS[i % COHORTS.length] as Cohort;
    const seats = i % 13 === 12 ? null : i % 31 === 30 ? 0 : int(rng, size.seats[0], size.seats[1]);
    const website = websiteFor(i, domain);
    const extraDomains = [
      ...(website === 'N/A' || website === '' ? [domain] : []),
      ...(i % 11 === 3 ? [`${slug}-cloud.io`, `mail.${domain}`] : []),
      ...(accounts >= 4 && i < 2 ? [SHARED_DOMAIN] : []),
    ];
    const id = salesforceId('001', i + 1);
    const people: Person[] = [];
    const drawn = int(rng, 3, 6);
    const count = options.contactsPerAccount ?? drawn;
    for (let c = 0; c < count; c += 1) {
      const pf = pick(rng, V.FIRST_NAMES);
      const pl = pick(rng, V.LAST_NAMES);
      people.push({ first: pf, last: pl, title: pick(rng, V.TITLES), email: email(`${localPart(pf, pl)}${c === 0 ? '' : c}`, domain) });
    }
    const orgTrap = website === null ? 'domain-via-org' : i % 9 === 4 ? '15-char-id' : i % 23 === 11 ? 'stale-id' : i % 13 === 6 ? 'no-external-id' : undefined;
    const orgExternalId = orgTrap === '15-char-id' ? id.slice(0, 15) : orgTrap === 'stale-id' ? salesforceId('001', 5_000_000 + i) : orgTrap === 'no-external-id' ? null : id;
    plans.push({
      index: i, id, name: `${first} ${second} ${pick(rng, V.SUFFIX)}`, domain, asciiDomain: domainToASCII(domain), region, cohort,
      industry: pick(rng, V.INDUSTRIES), employees: size.employees + int(rng, 0, Math.floor(size.employees / 3)), seats, website, extraDomains,
      ownerId: (staff.owners[i % staff.owners.length] as StaffUser).id, csmId: (staff.csms[(i * 7) % staff.csms.length] as StaffUser).id,
      people, partner: null, freeMailContact: null, sharedContact: null, orgId: 360_000_100 + i, orgExternalId, orgTrap,
    });
  }
  // Cross-account traps.
  for (const a of plans) {
    const i = a.index;
    const host = plans[i + 1];
    if (i % 19 === 7 && host) a.partner = { first: 'Pat', last: 'Partner', title: 'Implementation Consultant', email: email(`pat.partner${i}`, host.domain) };
    if (i % 7 === 4) {
      const p = a.people[0] as Person;
      a.freeMailContact = { ...p, first: p.first, title: 'Founder', email: email(`${localPart(p.first, p.last)}.${i}`, 'gmail.com') };
    }
    if (i % 29 === 13 && host) {
      const shared: Person = { first: 'Alex', last: 'Morgan', title: 'Fractional COO', email: email(`alex.morgan${i}`, PARTNER_FIRM_DOMAIN) };
      a.sharedContact = shared;
      host.sharedContact = shared;
    }
  }
  // What the rules need to know: accounts, owned domains, contact emails.
  const index = new TruthIndex();
  for (const a of plans) index.addAccount(a.id);
  for (const a of plans) {
    if (a.website !== null && a.website !== '' && a.website !== 'N/A') index.ownDomain(a.asciiDomain, a.id);
    for (const d of a.extraDomains) index.ownDomain(domainToASCII(d.startsWith('mail.') ? d.slice(5) : d), a.id);
    if (index.account(a.orgExternalId) === a.id) index.ownDomain(a.asciiDomain, a.id);
    for (const p of contactsOf(a)) index.addContact(p.email.address, a.id);
  }
  return { plans, index };
}

export function contactsOf(a: AccountPlan): Person[] {
  return [...a.people, ...(a.partner ? [a.partner] : []), ...(a.freeMailContact ? [a.freeMailContact] : []), ...(a.sharedContact ? [a.sharedContact] : [])];
}
