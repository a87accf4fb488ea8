/**
 * The sandbox dataset generator (`sandbox generate`): realistic accounts, contacts, opportunities,
 * Zendesk organizations, users and tickets, Mixpanel profiles and events, and NPS responses, in the
 * format of contracts.md section 3, with ground truth beside it:
 * - truth/records.jsonl: the account every Zendesk organization, user, ticket, Mixpanel profile and
 *   survey response belongs to by the rules of contracts.md section 2 (null when unresolvable),
 *   with the identity trap it plants, if any;
 * - truth/accounts.jsonl: the contract fields of section 1 of every account, tallied from the
 *   records as written, plus cohort and churned.
 * Deterministic for a seed and "now". Events are streamed to disk with backpressure; everything
 * else is O(accounts).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../contracts/errors.ts';
import { createRng, seedFromString } from '../emulator-kit/rng.ts';
import { writePersonEvents, type EventContext } from './events.ts';
import { LineWriter } from './line-writer.ts';
import { contactsOf, DAY, email, int, pick, planAccounts, planStaff, SHARED_DOMAIN, type Person } from './plan.ts';
import { salesforceId } from './salesforce-id.ts';
import { AccountTally, type Email, type TruthKeys } from './truth.ts';
import * as V from './vocabulary.ts';

export { COHORTS, type Cohort } from './plan.ts';

/** The built-in demo dataset that `npm start` generates at boot. */
export const DEMO_DATASET = { accounts: 40, seed: 42 } as const;

const optionsSchema = z.object({
  accounts: z.number().int().min(1).max(1_000_000),
  seed: z.number().int(),
  out: z.string().min(1),
  now: z.date().refine((d) => !Number.isNaN(d.getTime()), 'now must be a valid date').optional(),
  eventsPerActiveUserPerDay: z.number().positive().max(1000).default(1.5),
  days: z.number().int().min(1).max(365).default(90),
  /** Mixpanel people per account (default: 3 to 8, at most the licensed seats). */
  usersPerAccount: z.number().int().min(1).max(10_000).optional(),
  /** People listed as Salesforce Contacts per account (default: 3 to 6); identity traps add a few on top. */
  contactsPerAccount: z.number().int().min(1).max(1_000).optional(),
});
export type GenerateOptions = z.input<typeof optionsSchema>;

/** Files of a dataset, relative to its directory. */
export const DATASET_FILES = {
  account: 'salesforce/Account.jsonl',
  contact: 'salesforce/Contact.jsonl',
  opportunity: 'salesforce/Opportunity.jsonl',
  lineItem: 'salesforce/OpportunityLineItem.jsonl',
  user: 'salesforce/User.jsonl',
  organization: 'zendesk/organizations.jsonl',
  zendeskUser: 'zendesk/users.jsonl',
  ticket: 'zendesk/tickets.jsonl',
  event: 'mixpanel/events.jsonl',
  profile: 'mixpanel/profiles.jsonl',
  response: 'surveys/responses.jsonl',
  truthRecords: 'truth/records.jsonl',
  truthAccounts: 'truth/accounts.jsonl',
} as const;
export type DatasetFile = keyof typeof DATASET_FILES;

export interface GenerateSummary {
  /** Absolute path of the dataset directory. */
  dir: string;
  manifest: string;
  generatedAt: string;
  /** Records written per file (events include the repeated export lines). */
  counts: Record<DatasetFile, number>;
  /** Absolute path of each file. */
  paths: Record<DatasetFile, string>;
}

const FIVE_MIN = 300_000;
const OWNED_ENTRIES = ['manifest.json', 'salesforce', 'zendesk', 'mixpanel', 'surveys', 'truth'];

/** Clears an earlier dataset in `dir`; refuses a non-empty directory that is not a dataset. */
function prepareOut(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes('manifest.json')) {
      throw new ConfigError(`${dir} is not empty and holds no manifest.json: choose an empty or new directory for --out (the generator will not overwrite other files)`);
    }
    for (const entry of OWNED_ENTRIES) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

/**
 * Hours (0 to 30 days) a profile's $last_seen lies before the day before the data's latest time,
 * from its distinct id (no draw from the seeded stream, so the rest of the dataset is unchanged):
 * profiles were last updated at different times, as in a real project.
 */
function lastSeenSpread(distinctId: string): number {
  let h = 2166136261;
  for (let i = 0; i < distinctId.length; i += 1) h = Math.imul(h ^ distinctId.charCodeAt(i), 16777619);
  return ((h >>> 0) % (30 * 24)) * 3_600_000;
}

export async function generateDataset(input: GenerateOptions): Promise<GenerateSummary> {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`invalid generator options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  }
  const o = parsed.data;
  const now = o.now ?? new Date();
  const nowMs = now.getTime();
  const latestMs = nowMs - FIVE_MIN;
  const dir = resolve(o.out);
  prepareOut(dir);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify({ name: `generated-${o.accounts}-seed-${o.seed}`, generatedAt: now.toISOString() }, null, 2)}\n`);

  const writers = Object.fromEntries(Object.entries(DATASET_FILES).map(([k, f]) => [k, new LineWriter(join(dir, f))])) as Record<DatasetFile, LineWriter>;
  const put = async (file: DatasetFile, value: unknown): Promise<void> => {
    const pending = writers[file].write(value);
    if (pending) await pending;
  };

  const planRng = createRng(o.seed);
  const staff = planStaff(o.accounts, planRng);
  const { plans, index } = planAccounts(o.accounts, planRng, staff, { contactsPerAccount: o.contactsPerAccount });
  const tallies = new Map(plans.map((a) => [a.id, new AccountTally(nowMs)]));
  const truth = async (kind: string, id: string | number, keys: TruthKeys, trap?: string): Promise<string | null> => {
    const accountId = index.resolve(keys);
    await put('truthRecords', { kind, id: String(id), accountId, ...(trap ? { trap } : {}) });
    return accountId;
  };

  /** Timestamps: never later than 5 minutes before now. */
  const clamp = (ms: number): number => Math.min(ms, latestMs);
  // Salesforce stamps records to the second (its API shows .000 milliseconds).
  const sfTime = (ms: number): string => new Date(Math.floor(clamp(ms) / 1000) * 1000).toISOString();
  const zdTime = (ms: number): string => `${new Date(clamp(ms)).toISOString().slice(0, 19)}Z`;
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

  for (const s of [...staff.owners, ...staff.csms]) {
    await put('user', { Id: s.id, Name: s.name, Email: s.email, Title: s.title, IsActive: true, CreatedDate: sfTime(nowMs - 900 * DAY), SystemModstamp: sfTime(nowMs - 120 * DAY) });
  }

  const seq = { contact: 0, opportunity: 0, lineItem: 0, zendeskUser: 362_000_000, ticket: 4_000, response: 0, csat: 80_000 };
  const eventCtx: Omit<EventContext, 'rng'> = { writer: writers.event, nowMs, latestMs, days: o.days, rate: o.eventsPerActiveUserPerDay, seed: o.seed, seq: { n: 0 } };

  for (const a of plans) {
    const rng = createRng(seedFromString(`${o.seed}:${a.index}`));
    const i = a.index;
    const churned = a.cohort === 'churned';
    // Contract years: Closed Won new business, renewals on each anniversary; churned accounts lost their last renewal.
    const YEAR = 365 * DAY;
    let closeWonMs: number;
    let renewalMs: number;
    if (a.cohort === 'onboarding') {
      closeWonMs = nowMs - int(rng, 5, 50) * DAY;
      renewalMs = closeWonMs + YEAR;
    } else if (churned) {
      renewalMs = nowMs - int(rng, 5, 40) * DAY;
      closeWonMs = renewalMs - (rng() < 0.5 ? 1 : 2) * YEAR;
    } else {
      closeWonMs = nowMs - int(rng, 100, 900) * DAY;
      renewalMs = closeWonMs + YEAR;
      while (renewalMs <= nowMs) renewalMs += YEAR;
    }
    const pastRenewals: number[] = [];
    for (let r = closeWonMs + YEAR; r < (churned ? renewalMs : nowMs); r += YEAR) pastRenewals.push(r);

    // Salesforce Account and Contacts.
    const modified = sfTime(nowMs - int(rng, 1, 60) * DAY - int(rng, 0, 86_399) * 1000);
    await put('account', {
      Id: a.id, Name: a.name, Type: churned ? 'Former Customer' : 'Customer', Website: a.website, Industry: a.industry, NumberOfEmployees: a.employees,
      BillingCountry: a.region.country, OwnerId: a.ownerId, CS_Manager__c: a.csmId,
      CS_Email_Domains__c: a.extraDomains.length ? a.extraDomains.join(';') : null, CS_Licensed_Seats__c: a.seats, CS_Renewal_Date__c: day(renewalMs),
      CreatedDate: sfTime(closeWonMs - int(rng, 20, 90) * DAY), LastModifiedDate: modified, SystemModstamp: modified,
    });
    for (const p of contactsOf(a)) {
      seq.contact += 1;
      const created = sfTime(nowMs - int(rng, 10, 500) * DAY);
      await put('contact', { Id: salesforceId('003', seq.contact), AccountId: a.id, FirstName: p.first, LastName: p.last, Email: p.email.address, Title: p.title, CreatedDate: created, LastModifiedDate: created, SystemModstamp: created });
    }

    // Opportunities: new business with line items, renewal (Closed Lost for churned accounts), an open expansion.
    seq.opportunity += 1;
    const newBusiness = salesforceId('006', seq.opportunity);
    const products = [V.PRODUCTS[0], ...V.PRODUCTS.slice(1).filter(() => rng() < 0.4)];
    let amount = 0;
    for (const product of products) {
      const quantity = 'perSeat' in product ? Math.max(a.seats ?? 10, 1) : 1;
      const unit = 'perSeat' in product ? product.perSeat : product.price;
      amount += quantity * unit;
      seq.lineItem += 1;
      await put('lineItem', { Id: salesforceId('00k', seq.lineItem), OpportunityId: newBusiness, Product2Id: salesforceId('01t', V.PRODUCTS.indexOf(product) + 1), Name: product.name, Quantity: quantity, UnitPrice: unit, TotalPrice: quantity * unit, CreatedDate: sfTime(closeWonMs), SystemModstamp: sfTime(closeWonMs) });
    }
    const opportunity = (id: string, fields: Record<string, unknown>): Promise<void> =>
      put('opportunity', { Id: id, AccountId: a.id, Description: null, NextStep: null, CS_Partners__c: null, CS_Business_Challenges__c: null, ...fields });
    await opportunity(newBusiness, {
      Name: `${a.name} - New Business`, StageName: 'Closed Won', IsClosed: true, IsWon: true, CloseDate: day(closeWonMs), Amount: amount, Type: 'New Business',
      Description: pick(rng, V.REASONS), NextStep: pick(rng, V.NEXT_STEPS), CS_Partners__c: rng() < 0.5 ? pick(rng, V.PARTNERS) : null,
      CS_Business_Challenges__c: `${pick(rng, V.CHALLENGES)}; ${pick(rng, V.CHALLENGES)}`, SystemModstamp: sfTime(closeWonMs + DAY),
    });
    for (const renewedMs of pastRenewals) {
      seq.opportunity += 1;
      await opportunity(salesforceId('006', seq.opportunity), {
        Name: `${a.name} - Renewal ${day(renewedMs).slice(0, 4)}`, StageName: 'Closed Won', IsClosed: true, IsWon: true, CloseDate: day(renewedMs), Amount: amount, Type: 'Renewal',
        Description: 'Renewed for 12 months.', SystemModstamp: sfTime(renewedMs + DAY),
      });
    }
    seq.opportunity += 1;
    await opportunity(salesforceId('006', seq.opportunity), churned
      ? {
          Name: `${a.name} - Renewal ${day(renewalMs).slice(0, 4)}`, StageName: 'Closed Lost', IsClosed: true, IsWon: false, CloseDate: day(renewalMs), Amount: amount, Type: 'Renewal',
          Description: pick(rng, V.LOSS_REASONS), SystemModstamp: sfTime(renewalMs + DAY),
        }
      : {
          Name: `${a.name} - Renewal ${day(renewalMs).slice(0, 4)}`, StageName: renewalMs - nowMs < 90 * DAY ? 'Negotiation/Review' : 'Qualification', IsClosed: false, IsWon: false,
          CloseDate: day(renewalMs), Amount: amount, Type: 'Renewal', NextStep: 'Renewal review with the sponsor', SystemModstamp: sfTime(nowMs - int(rng, 2, 30) * DAY),
        });
    if (i % 4 === 1 && !churned) {
      seq.opportunity += 1;
      await opportunity(salesforceId('006', seq.opportunity), {
        Name: `${a.name} - Expansion`, StageName: 'Prospecting', IsClosed: false, IsWon: false, CloseDate: day(nowMs + 60 * DAY), Amount: 9_000, Type: 'Existing Business',
        NextStep: 'Demo of the Analytics Add-on', SystemModstamp: sfTime(nowMs - 3 * DAY),
      });
    }

    // Zendesk organization.
    const orgDomains = i % 11 === 3 ? [a.domain, `eu.${a.domain}`] : [a.domain];
    await put('organization', {
      id: a.orgId, name: a.name, domain_names: orgDomains, external_id: a.orgExternalId, tags: [a.cohort === 'support-heavy' ? 'priority-support' : 'standard'],
      created_at: zdTime(closeWonMs), updated_at: zdTime(nowMs - int(rng, 1, 100) * DAY),
    });
    const orgAccount = await truth('zendesk.organization', a.orgId, { explicitId: a.orgExternalId, domains: orgDomains.map((d) => email('x', d, a.domain).domain) }, a.orgTrap);

    // Zendesk users: organization members and people outside it.
    const users: Array<{ id: number; account: string | null }> = [];
    const zendeskUser = async (name: string, mail: Email, organizationId: number | null, externalId: string | null, trap?: string): Promise<{ id: number; account: string | null }> => {
      seq.zendeskUser += 1;
      const created = nowMs - int(rng, 30, 400) * DAY;
      await put('zendeskUser', {
        id: seq.zendeskUser, name, email: mail.address, organization_id: organizationId, role: 'end-user', external_id: externalId, active: true,
        created_at: zdTime(created), updated_at: zdTime(Math.max(created, nowMs - int(rng, 1, 60) * DAY)),
      });
      const account = await truth('zendesk.user', seq.zendeskUser, { explicitId: externalId, parents: organizationId === null ? [] : [orgAccount], email: mail }, trap);
      const user = { id: seq.zendeskUser, account };
      users.push(user);
      return user;
    };
    const members: Array<{ id: number; account: string | null }> = [];
    for (const [u, p] of a.people.slice(0, 3).entries()) {
      members.push(await zendeskUser(`${p.first} ${p.last}`, p.email, a.orgId, u === 0 && i % 6 === 2 ? a.id : null));
    }
    await zendeskUser('Freelance Helper', email(`helper${i}`, 'gmail.com'), a.orgId, null, 'free-mail-in-org');
    const regional = await zendeskUser('Regional Lead', email(`lead${i}`, `eu.${a.domain}`, a.domain), null, null, 'subdomain');
    const visitor = i % 5 === 2 ? await zendeskUser('Anonymous Visitor', email(`visitor${i}`, 'outlook.com'), null, null, 'free-mail') : null;
    if (a.extraDomains.includes(SHARED_DOMAIN)) await zendeskUser('Holding Staff', email(`staff${i}`, SHARED_DOMAIN), null, null, 'shared-domain');
    if (i % 10 === 6) await zendeskUser('Night Shift Lead', email(`nightshift.${i}`, 'hotmail.com'), null, a.id.slice(0, 15), '15-char-id');
    if (i % 10 === 8) await zendeskUser('Operations Desk', email(`ops${i}`, a.domain), null, salesforceId('001', 6_000_000 + i), 'stale-id');
    if (a.partner) await zendeskUser(`${a.partner.first} ${a.partner.last}`, a.partner.email, null, null, 'partner-consultant');
    if (a.sharedContact && i % 29 === 13) await zendeskUser(`${a.sharedContact.first} ${a.sharedContact.last}`, a.sharedContact.email, null, null, 'ambiguous-contact');
    const extra = a.extraDomains.find((d) => d.endsWith('-cloud.io'));
    if (extra) await zendeskUser('Cloud Admin', email(`admin${i}`, extra), null, null, 'extra-domain');
    if (i % 15 === 9) await zendeskUser('Unknown Vendor', email(`sales${i}`, `unrelated-vendor${i}.com`), null, null, 'unknown-domain');
    if (a.website === '' || a.website === 'N/A' || a.website === null) await zendeskUser('Messy Website User', email(`it${i}`, a.domain), null, null, a.website === null ? 'domain-via-org' : 'messy-website');
    if (a.index % 25 === 2) await zendeskUser('IDN User', email(`kontakt${i}`, a.domain), null, null, 'idn-domain');

    // Tickets over 180 days; support-heavy accounts have many urgent recent ones.
    const ticket = async (requester: { id: number; account: string | null }, organizationId: number | null, createdMs: number, status: string, priority: string, trap?: string): Promise<void> => {
      seq.ticket += 1;
      const created = zdTime(createdMs);
      const solved = status === 'solved' || status === 'closed';
      let rating: Record<string, unknown> | null = null;
      if (solved) {
        const r = rng();
        seq.csat += 1;
        rating = r < 0.5 ? { id: seq.csat, score: 'good', comment: pick(rng, V.CSAT_COMMENTS) } : r < 0.65 ? { id: seq.csat, score: 'bad', comment: pick(rng, V.CSAT_COMMENTS) } : r < 0.85 ? { score: 'offered' } : { score: 'unoffered' };
      }
      await put('ticket', {
        id: seq.ticket, subject: pick(rng, V.TICKET_SUBJECTS), status, priority, type: pick(rng, V.TICKET_TYPES), requester_id: requester.id, organization_id: organizationId,
        tags: priority === 'urgent' ? ['escalated'] : [], via: { channel: pick(rng, V.CHANNELS) }, satisfaction_rating: rating,
        created_at: created, updated_at: zdTime(Math.max(Date.parse(created), createdMs + int(rng, 0, 12) * DAY)),
      });
      const account = await truth('zendesk.ticket', seq.ticket, { parents: [organizationId === null ? null : orgAccount, requester.account] }, trap);
      if (account) (tallies.get(account) as AccountTally).ticket(status, priority, created);
    };
    const heavy = a.cohort === 'support-heavy';
    const ticketCount = heavy ? int(rng, 10, 16) : int(rng, 1, 5);
    for (let t = 0; t < ticketCount; t += 1) {
      const recent = heavy ? rng() < 0.8 : rng() < 0.35;
      const createdMs = nowMs - (recent ? int(rng, 0, 85) : int(rng, 92, 179)) * DAY - int(rng, 600, 86_000) * 1000;
      const priority = heavy ? pick(rng, ['urgent', 'high', 'high', 'normal']) : pick(rng, ['low', 'normal', 'normal', 'normal', 'high']);
      const status = recent ? pick(rng, ['new', 'open', 'open', 'pending', 'hold', 'solved', 'closed']) : pick(rng, ['solved', 'closed', 'closed', 'open']);
      const requesterOnly = t % 4 === 3;
      await ticket(requesterOnly ? regional : (members[t % members.length] ?? regional), requesterOnly ? null : a.orgId, createdMs, status, priority, requesterOnly ? 'requester-only' : undefined);
    }
    if (visitor) await ticket(visitor, null, nowMs - int(rng, 2, 60) * DAY, 'open', 'high', 'free-mail');
    if (i % 50 === 0) {
      // The 90-day window is (now - 90 d, now]: the first ticket is just outside, the second just inside.
      const edge = Math.floor((nowMs - 90 * DAY) / 1000) * 1000;
      await ticket(members[0] ?? regional, a.orgId, edge, 'solved', 'urgent', 'window-edge');
      await ticket(members[0] ?? regional, a.orgId, edge + 1000, 'solved', 'urgent', 'window-edge');
    }

    // Mixpanel profiles and their events.
    const peopleCount = o.usersPerAccount ?? Math.max(2, Math.min(a.seats || 8, int(rng, 3, 8)));
    const ctx: EventContext = { ...eventCtx, rng };
    const startMs = a.cohort === 'onboarding' ? closeWonMs : -Infinity;
    const breadth = a.cohort === 'healthy' || a.cohort === 'onboarding' ? V.FEATURES.length : V.CORE_FEATURES;
    const createdMs = clamp(Math.max(startMs, nowMs - 400 * DAY));
    const profile = async (distinctId: string, name: string, mail: Email | null, accountProp: string | null, ordinal: number, eventAccountProp: string | null, trap?: string): Promise<void> => {
      await put('profile', {
        $distinct_id: distinctId,
        $properties: {
          $email: mail?.address ?? null, $name: name, ...(accountProp ? { account_id: accountProp } : {}),
          $created: new Date(createdMs).toISOString().slice(0, 19), $last_seen: new Date(Math.max(createdMs, latestMs - DAY - lastSeenSpread(distinctId))).toISOString().slice(0, 19),
          $timezone: `UTC${a.region.utcOffset >= 0 ? '+' : ''}${a.region.utcOffset}`, plan: a.seats && a.seats > 40 ? 'enterprise' : 'business',
        },
      });
      const profileAccount = await truth('mixpanel.profile', distinctId, { explicitId: accountProp, email: mail }, trap);
      const eventAccount = index.account(eventAccountProp) ?? profileAccount;
      const eventTally = eventAccount ? (tallies.get(eventAccount) as AccountTally) : null;
      await writePersonEvents(ctx, { distinctId, accountProp: eventAccountProp, cohort: a.cohort, ordinal, utcOffset: a.region.utcOffset, startMs, breadth }, (time) => eventTally?.event(distinctId, time));
    };
    for (let u = 0; u < peopleCount; u += 1) {
      const person = a.people[u % a.people.length] as Person;
      const distinctId = `${a.asciiDomain.split('.')[0] ?? 'user'}-${i}-${u}`;
      const name = `${person.first} ${person.last}`;
      let mail: Email = u < a.people.length ? person.email : email(`user${u}`, a.domain);
      let accountProp: string | null = u % 3 === 0 ? a.id : null;
      let eventProp: string | null = null;
      let trap: string | undefined;
      if (u === peopleCount - 1 && i % 3 === 0 && peopleCount > 1) {
        mail = email(`${distinctId}`, 'gmail.com');
        accountProp = null;
        trap = 'free-mail';
        if (i % 2 === 0) eventProp = a.id; // its events carry the account id themselves
      } else if (u === 0 && i % 8 === 5) {
        accountProp = a.id.slice(0, 15);
        trap = '15-char-id';
      } else if (u === 1 && a.partner) {
        mail = a.partner.email;
        accountProp = null;
        trap = 'partner-consultant';
      } else if (u === 1 && a.freeMailContact) {
        mail = a.freeMailContact.email;
        accountProp = null;
        trap = 'free-mail-contact';
      } else if (u === 2 && i % 12 === 9) {
        accountProp = salesforceId('001', 7_000_000 + i);
        trap = 'stale-id';
      } else if (u === 2 && i % 10 === 3) {
        eventProp = salesforceId('001', 8_000_000 + i); // stale on the event: the profile decides
      } else if (u === 2 && i % 10 === 7) {
        eventProp = a.id.slice(0, 15);
      }
      await profile(distinctId, name, mail, accountProp, u, eventProp, trap);
    }
    if (i % 50 === 0 && o.days > 31) {
      // The 30-day window is (now - 30 d, now]: one person's only event is just outside, another's just inside.
      const edge = Math.floor((nowMs - 30 * DAY) / 1000);
      for (const [k, time] of [edge, edge + 1].entries()) {
        const distinctId = `edge-${i}-${k}`;
        const mail = email(`edge${k}.${i}`, a.domain);
        await put('profile', { $distinct_id: distinctId, $properties: { $email: mail.address, $name: `Edge Case ${k}` } });
        const account = await truth('mixpanel.profile', distinctId, { email: mail }, 'window-edge');
        eventCtx.seq.n += 1;
        await put('event', { event: 'Logged In', properties: { time, distinct_id: distinctId, $insert_id: `${o.seed.toString(36)}-${eventCtx.seq.n.toString(36).padStart(8, '0')}`, mp_lib: 'web' } });
        if (account) (tallies.get(account) as AccountTally).event(distinctId, time);
      }
    }
    // An anonymous visitor of the marketing site: events without a profile or account, counted nowhere.
    const device = `$device:${a.asciiDomain.length.toString(16)}${i.toString(16).padStart(6, '0')}`;
    await writePersonEvents({ ...ctx, rate: 1 }, { distinctId: device, accountProp: null, cohort: 'support-heavy', ordinal: 1, utcOffset: a.region.utcOffset, startMs: nowMs - 20 * DAY, breadth: 1 }, () => undefined);

    // NPS responses: detractors score low; some people answer twice (the latest counts).
    const response = async (mail: string | null, score: number, atMs: number, accountProp: string | null, keys: TruthKeys, trap?: string): Promise<void> => {
      seq.response += 1;
      const id = `nps-${o.seed}-${seq.response}`;
      const band = score >= 9 ? 'promoter' : score <= 6 ? 'detractor' : 'passive';
      const submitted = zdTime(atMs);
      await put('response', { id, email: mail, score, comment: pick(rng, V.NPS_COMMENTS[band]), submitted_at: submitted, ...(accountProp ? { account_id: accountProp } : {}) });
      const account = await truth('surveys.response', id, keys, trap);
      if (account) (tallies.get(account) as AccountTally).response(id, mail, score, submitted);
    };
    const score = (): number => (a.cohort === 'detractors' ? int(rng, 0, 6) : a.cohort === 'healthy' ? int(rng, 8, 10) : a.cohort === 'churned' ? int(rng, 2, 8) : int(rng, 5, 10));
    for (const [r, p] of a.people.slice(0, 3).entries()) {
      const answers = r === 0 ? 2 : 1;
      for (let k = 0; k < answers; k += 1) {
        const atMs = nowMs - int(rng, k === 0 && answers > 1 ? 100 : 1, k === 0 && answers > 1 ? 200 : 90) * DAY - int(rng, 0, 86_000) * 1000;
        const typed = r === 1 ? `  ${p.email.address.toUpperCase()} ` : p.email.address;
        const accountProp = r === 2 ? a.id : null;
        await response(typed, score(), atMs, accountProp, { explicitId: accountProp, email: p.email }, r === 1 ? 'email-case-and-spaces' : undefined);
      }
    }
    await response(`anon${i}@yahoo.com`, int(rng, 0, 10), nowMs - int(rng, 1, 100) * DAY, null, { email: email(`anon${i}`, 'yahoo.com') }, 'free-mail');
    if (i % 6 === 3) await response(null, score(), nowMs - int(rng, 1, 60) * DAY, a.id, { explicitId: a.id }, 'no-email');
    if (a.freeMailContact) await response(a.freeMailContact.email.address, score(), nowMs - int(rng, 1, 60) * DAY, null, { email: a.freeMailContact.email }, 'free-mail-contact');
    if (a.partner) await response(a.partner.email.address, int(rng, 7, 10), nowMs - int(rng, 1, 60) * DAY, null, { email: a.partner.email }, 'partner-consultant');
    if (i % 50 === 0) {
      const edge = Math.floor((nowMs - 180 * DAY) / 1000) * 1000;
      await response(email(`edge.survey${i}`, a.domain).address, 0, edge, null, { email: email(`edge.survey${i}`, a.domain) }, 'window-edge');
    }
  }

  for (const a of plans) {
    await put('truthAccounts', { accountId: a.id, name: a.name, cohort: a.cohort, churned: a.cohort === 'churned', ...(tallies.get(a.id) as AccountTally).fields(a.seats) });
  }

  const counts = {} as Record<DatasetFile, number>;
  const paths = {} as Record<DatasetFile, string>;
  for (const key of Object.keys(DATASET_FILES) as DatasetFile[]) {
    await writers[key].close();
    counts[key] = writers[key].count;
    paths[key] = writers[key].path;
  }
  return { dir, manifest: join(dir, 'manifest.json'), generatedAt: now.toISOString(), counts, paths };
}

