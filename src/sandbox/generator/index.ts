/**
 * The sandbox dataset generator: realistic accounts, contacts, opportunities, Zendesk
 * organizations, users and tickets, Mixpanel profiles and events, and NPS responses, in the
 * format of contracts.md section 3, with ground truth beside it (truth/records.jsonl: the account
 * of every record; truth/accounts.jsonl: the contract fields of every account, computed
 * independently from what was generated). Deterministic for a seed and "now"; events are
 * streamed to disk, so memory stays O(accounts + users of one account).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { createRng } from '../emulator-kit/rng.ts';
import { toSalesforceId18 } from '../../identity/salesforce-id.ts';
import { LineWriter } from './line-writer.ts';
import * as V from './vocabulary.ts';

export const DEMO_DATASET = { accounts: 40, seed: 42 } as const;

export const COHORTS = ['healthy', 'declining', 'support-heavy', 'detractors', 'onboarding', 'churned'] as const;
export type Cohort = (typeof COHORTS)[number];

const optionsSchema = z.object({
  accounts: z.number().int().min(1).max(1_000_000),
  seed: z.number().int(),
  out: z.string().min(1),
  now: z.date().optional(),
  eventsPerActiveUserPerDay: z.number().positive().max(1000).default(3),
  days: z.number().int().min(1).max(365).default(45),
  usersPerAccount: z.number().int().min(1).max(10_000).optional(),
});
export type GenerateOptions = z.input<typeof optionsSchema>;

export interface GenerateSummary {
  dir: string;
  generatedAt: string;
  counts: Record<string, number>;
}

const DAY = 86_400_000;
const FIVE_MIN = 300_000;

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

function roundHalfAway(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = (Math.sign(value) * Math.round(Math.abs(value) * f)) / f;
  return Object.is(r, -0) ? 0 : r;
}

function sfId(prefix: string, n: number): string {
  return toSalesforceId18(`${prefix}${n.toString(36).toUpperCase().padStart(12, '0')}`) as string;
}

interface AccountPlan {
  index: number;
  id: string;
  name: string;
  domain: string;
  cohort: Cohort;
  seats: number | null;
  /** Truth accumulators. */
  active: Set<string>;
  nps: Map<string, { at: number; score: number }>;
  openTickets: number;
  urgent90: number;
}

export async function generateDataset(input: GenerateOptions): Promise<GenerateSummary> {
  const o = optionsSchema.parse(input);
  const now = o.now ?? new Date();
  const nowMs = now.getTime();
  const latest = nowMs - FIVE_MIN; // no record is stamped later than this
  const rng = createRng(o.seed);
  const iso = (ms: number): string => new Date(Math.min(ms, latest)).toISOString();
  const dayStr = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  rmSync(o.out, { recursive: true, force: true });
  mkdirSync(o.out, { recursive: true });
  writeFileSync(join(o.out, 'manifest.json'), `${JSON.stringify({ name: `generated-${o.accounts}-seed-${o.seed}`, generatedAt: now.toISOString() }, null, 2)}\n`);

  const w = (file: string): LineWriter => new LineWriter(join(o.out, file));
  const files = {
    account: w('salesforce/Account.jsonl'),
    contact: w('salesforce/Contact.jsonl'),
    opportunity: w('salesforce/Opportunity.jsonl'),
    lineItem: w('salesforce/OpportunityLineItem.jsonl'),
    user: w('salesforce/User.jsonl'),
    org: w('zendesk/organizations.jsonl'),
    zdUser: w('zendesk/users.jsonl'),
    ticket: w('zendesk/tickets.jsonl'),
    event: w('mixpanel/events.jsonl'),
    profile: w('mixpanel/profiles.jsonl'),
    survey: w('surveys/responses.jsonl'),
    truthRecords: w('truth/records.jsonl'),
    truthAccounts: w('truth/accounts.jsonl'),
  };
  const truth = (kind: string, id: string | number, accountId: string | null, trap?: string): Promise<void> =>
    files.truthRecords.write({ kind, id: String(id), accountId, ...(trap ? { trap } : {}) });

  // Salesforce users: account owners and CSMs of the vendor.
  const staffCount = Math.max(3, Math.ceil(o.accounts / 25));
  const staff: string[] = [];
  for (let s = 0; s < staffCount; s += 1) {
    const id = sfId('005', s + 1);
    staff.push(id);
    const first = pick(rng, V.FIRST_NAMES);
    const last = pick(rng, V.LAST_NAMES);
    await files.user.write({ Id: id, Name: `${first} ${last}`, Email: `${first}.${last}@tidemark-vendor.example`.toLowerCase(), IsActive: true, SystemModstamp: iso(nowMs - 400 * DAY) });
  }

  // Plans of every account first: traps refer to other accounts' domains.
  const plans: AccountPlan[] = [];
  for (let i = 0; i < o.accounts; i += 1) {
    const first = V.COMPANY_FIRST[i % V.COMPANY_FIRST.length] as string;
    const second = pick(rng, V.COMPANY_SECOND);
    const slug = `${first}-${second}`.toLowerCase().replace(/[^a-z]+/g, '-');
    const tld = V.TLDS[i % V.TLDS.length] as string;
    const domain = i === 2 ? `bücher${i}.de` : `${slug}${i}.${tld}`;
    plans.push({
      index: i,
      id: sfId('001', i + 1),
      name: `${first} ${second} ${pick(rng, V.SUFFIX)}`,
      domain,
      cohort: COHORTS[i % COHORTS.length] as Cohort,
      seats: i % 13 === 12 ? null : int(rng, 5, 40),
      active: new Set(),
      nps: new Map(),
      openTickets: 0,
      urgent90: 0,
    });
  }
  const sharedDomain = o.accounts >= 4 ? 'shared-holding.com' : null;

  let ticketSeq = 1000;
  let zdUserSeq = 5000;
  let insertSeq = 0;
  let surveySeq = 0;
  let contactSeq = 0;
  let oppSeq = 0;
  let itemSeq = 0;

  for (const a of plans) {
    const i = a.index;
    const owner = staff[i % staff.length] as string;
    const csm = staff[(i + 1) % staff.length] as string;
    const website = i % 17 === 5 ? 'N/A' : i % 7 === 0 ? `https://WWW.${a.domain.toUpperCase()}/about` : i % 7 === 1 ? `${a.domain}:8080` : `https://www.${a.domain}`;
    const extraDomains = [
      ...(website === 'N/A' ? [a.domain] : []),
      ...(i % 11 === 3 ? [`${a.domain.split('.')[0]}-cloud.io`, `mail.${a.domain}`] : []),
      ...(sharedDomain && i < 2 ? [sharedDomain] : []),
    ];
    const renewal = a.cohort === 'churned' ? nowMs - int(rng, 5, 40) * DAY : nowMs + int(rng, 30, 330) * DAY;
    await files.account.write({
      Id: a.id,
      Name: a.name,
      Website: website,
      Industry: pick(rng, V.INDUSTRIES),
      NumberOfEmployees: pick(rng, [25, 80, 150, 400, 1200, 5000]),
      OwnerId: owner,
      CS_Manager__c: csm,
      CS_Email_Domains__c: extraDomains.length ? extraDomains.join(';') : null,
      CS_Licensed_Seats__c: a.seats,
      CS_Renewal_Date__c: dayStr(renewal),
      CreatedDate: iso(nowMs - int(rng, 400, 900) * DAY),
      SystemModstamp: iso(nowMs - int(rng, 1, 60) * DAY),
    });

    // Contacts (some new in the last 90 days); a partner consultant with another customer's email.
    const people: Array<{ first: string; last: string; email: string }> = [];
    for (let c = 0; c < int(rng, 3, 6); c += 1) {
      const first = pick(rng, V.FIRST_NAMES);
      const last = pick(rng, V.LAST_NAMES);
      people.push({ first, last, email: `${first}.${last.replace('ü', 'ue')}${c}@${a.domain}`.toLowerCase() });
    }
    const partnerHost = plans[(i + 1) % plans.length];
    const partner = i % 19 === 7 && partnerHost && partnerHost !== a ? { first: 'Pat', last: 'Partner', email: `pat.partner${i}@${partnerHost.domain}` } : null;
    for (const p of partner ? [...people, partner] : people) {
      contactSeq += 1;
      await files.contact.write({
        Id: sfId('003', contactSeq),
        AccountId: a.id,
        FirstName: p.first,
        LastName: p.last,
        Email: p.email,
        Title: pick(rng, V.TITLES),
        CreatedDate: iso(nowMs - int(rng, 10, 500) * DAY),
        SystemModstamp: iso(nowMs - int(rng, 1, 200) * DAY),
      });
    }

    // Opportunities: the new-business deal, renewals, an open one.
    const closeWon = a.cohort === 'onboarding' ? nowMs - int(rng, 5, 50) * DAY : nowMs - int(rng, 150, 700) * DAY;
    oppSeq += 1;
    const nb = sfId('006', oppSeq);
    const items = [V.PRODUCTS[0], ...V.PRODUCTS.slice(1).filter(() => rng() < 0.4)].filter((p): p is (typeof V.PRODUCTS)[number] => p !== undefined);
    let amount = 0;
    for (const p of items) {
      const qty = p.id === 'Core Platform' ? (a.seats ?? 10) : 1;
      const total = p.id === 'Core Platform' ? qty * 600 : p.price;
      amount += total;
      itemSeq += 1;
      await files.lineItem.write({ Id: sfId('00k', itemSeq), OpportunityId: nb, Product2Id: sfId('01t', V.PRODUCTS.indexOf(p) + 1), Name: p.id, Quantity: qty, TotalPrice: total });
    }
    await files.opportunity.write({
      Id: nb, AccountId: a.id, Name: `${a.name} - New Business`, StageName: 'Closed Won', IsClosed: true, IsWon: true, CloseDate: dayStr(closeWon), Amount: amount, Type: 'New Business',
      Description: pick(rng, V.REASONS), NextStep: 'Kickoff call with the champion', CS_Partners__c: pick(rng, V.PARTNERS), CS_Business_Challenges__c: pick(rng, V.CHALLENGES),
      SystemModstamp: iso(closeWon + DAY),
    });
    if (a.cohort === 'churned' || (a.cohort === 'healthy' && i % 2 === 0)) {
      oppSeq += 1;
      const lost = a.cohort === 'churned';
      await files.opportunity.write({
        Id: sfId('006', oppSeq), AccountId: a.id, Name: `${a.name} - Renewal`, StageName: lost ? 'Closed Lost' : 'Closed Won', IsClosed: true, IsWon: !lost,
        CloseDate: dayStr(lost ? renewal : nowMs - int(rng, 100, 300) * DAY), Amount: amount, Type: 'Renewal', Description: lost ? 'Budget cut; moved to a competitor.' : 'Renewed for 12 months.',
        NextStep: null, CS_Partners__c: null, CS_Business_Challenges__c: null, SystemModstamp: iso(nowMs - int(rng, 2, 30) * DAY),
      });
    }
    if (i % 4 === 1) {
      oppSeq += 1;
      await files.opportunity.write({ Id: sfId('006', oppSeq), AccountId: a.id, Name: `${a.name} - Expansion`, StageName: 'Prospecting', IsClosed: false, IsWon: false, CloseDate: dayStr(nowMs + 60 * DAY), Amount: 5000, Type: 'Expansion', Description: null, NextStep: 'Demo', CS_Partners__c: null, CS_Business_Challenges__c: null, SystemModstamp: iso(nowMs - 3 * DAY) });
    }

    // Zendesk organization: external id in 18-, 15-character or stale form, or none.
    const orgId = 100 + i;
    const ext = i % 9 === 4 ? a.id.slice(0, 15) : i % 23 === 11 ? sfId('001', 900_000 + i) : i % 13 === 6 ? null : a.id;
    const orgTrap = i % 9 === 4 ? '15-char-id' : i % 23 === 11 ? 'stale-id' : i % 13 === 6 ? 'no-external-id' : undefined;
    await files.org.write({ id: orgId, name: a.name, domain_names: [a.domain], external_id: ext, tags: [a.cohort], created_at: iso(nowMs - 500 * DAY), updated_at: iso(nowMs - int(rng, 1, 100) * DAY) });
    await truth('zendesk.organization', orgId, a.id, orgTrap);

    // Zendesk users: org members, a free-mail member (resolves through the org), a subdomain user without org.
    const requesters: Array<{ id: number; accountId: string }> = [];
    for (let u = 0; u < Math.min(people.length, 3); u += 1) {
      zdUserSeq += 1;
      const p = people[u] as (typeof people)[number];
      await files.zdUser.write({ id: zdUserSeq, name: `${p.first} ${p.last}`, email: p.email, organization_id: orgId, role: 'end-user', external_id: null, active: true, created_at: iso(nowMs - 300 * DAY), updated_at: iso(nowMs - int(rng, 1, 100) * DAY) });
      await truth('zendesk.user', zdUserSeq, a.id);
      requesters.push({ id: zdUserSeq, accountId: a.id });
    }
    zdUserSeq += 1;
    await files.zdUser.write({ id: zdUserSeq, name: 'Freelance Helper', email: `helper${i}@gmail.com`, organization_id: orgId, role: 'end-user', external_id: null, active: true, created_at: iso(nowMs - 200 * DAY), updated_at: iso(nowMs - 20 * DAY) });
    await truth('zendesk.user', zdUserSeq, a.id, 'free-mail-in-org');
    zdUserSeq += 1;
    await files.zdUser.write({ id: zdUserSeq, name: 'Regional Lead', email: `lead${i}@eu.${a.domain}`, organization_id: null, role: 'end-user', external_id: null, active: true, created_at: iso(nowMs - 200 * DAY), updated_at: iso(nowMs - 20 * DAY) });
    await truth('zendesk.user', zdUserSeq, a.id, 'subdomain');
    const subdomainUser = zdUserSeq;
    if (i % 5 === 2) {
      zdUserSeq += 1;
      await files.zdUser.write({ id: zdUserSeq, name: 'Anonymous Visitor', email: `visitor${i}@outlook.com`, organization_id: null, role: 'end-user', external_id: null, active: true, created_at: iso(nowMs - 100 * DAY), updated_at: iso(nowMs - 10 * DAY) });
      await truth('zendesk.user', zdUserSeq, null, 'free-mail');
    }
    if (sharedDomain && i < 2) {
      zdUserSeq += 1;
      await files.zdUser.write({ id: zdUserSeq, name: 'Holding Staff', email: `staff${i}@${sharedDomain}`, organization_id: null, role: 'end-user', external_id: null, active: true, created_at: iso(nowMs - 100 * DAY), updated_at: iso(nowMs - 10 * DAY) });
      await truth('zendesk.user', zdUserSeq, null, 'shared-domain');
    }

    // Tickets over 180 days; support-heavy accounts have many urgent recent ones.
    const ticketCount = a.cohort === 'support-heavy' ? int(rng, 10, 16) : int(rng, 1, 5);
    for (let t = 0; t < ticketCount; t += 1) {
      ticketSeq += 1;
      const recent = a.cohort === 'support-heavy' ? rng() < 0.8 : rng() < 0.3;
      const created = nowMs - (recent ? int(rng, 1, 80) : int(rng, 95, 180)) * DAY - int(rng, 0, 23) * 3600_000;
      const priority = a.cohort === 'support-heavy' ? pick(rng, ['urgent', 'high', 'high', 'normal']) : pick(rng, ['low', 'normal', 'normal', 'high']);
      const status = recent ? pick(rng, ['new', 'open', 'pending', 'hold', 'solved', 'closed']) : pick(rng, ['solved', 'closed', 'closed', 'open']);
      const viaRequesterOnly = t % 4 === 3;
      const requester = viaRequesterOnly ? subdomainUser : ((requesters[t % requesters.length] ?? requesters[0])?.id ?? subdomainUser);
      const createdIso = iso(created);
      const updated = Math.min(latest, created + int(rng, 0, 10) * DAY);
      await files.ticket.write({
        id: ticketSeq, subject: `Issue ${ticketSeq}`, status, priority, type: 'question', requester_id: requester, organization_id: viaRequesterOnly ? null : orgId, tags: [],
        via: { channel: pick(rng, ['email', 'web', 'api']) }, satisfaction_rating: status === 'solved' || status === 'closed' ? { score: pick(rng, ['good', 'good', 'bad', 'offered']) } : null,
        created_at: createdIso, updated_at: iso(updated),
      });
      await truth('zendesk.ticket', ticketSeq, a.id, viaRequesterOnly ? 'requester-only' : undefined);
      if (['new', 'open', 'pending', 'hold'].includes(status)) a.openTickets += 1;
      const createdMs = Date.parse(createdIso);
      if ((priority === 'urgent' || priority === 'high') && createdMs > nowMs - 90 * DAY && createdMs <= nowMs) a.urgent90 += 1;
    }

    // Mixpanel profiles and events.
    const userCount = o.usersPerAccount ?? Math.max(2, Math.min(a.seats ?? 8, int(rng, 3, 8)));
    const onboardingStart = a.cohort === 'onboarding' ? closeWon : -Infinity;
    for (let u = 0; u < userCount; u += 1) {
      const distinctId = `u-${i}-${u}`;
      const person = people[u % people.length] as (typeof people)[number];
      let email: string | null = u < people.length ? person.email : `user${u}@${a.domain}`;
      let accountProp: string | null = u % 3 === 0 ? a.id : null;
      let resolvedAccount: string | null = a.id;
      let trap: string | undefined;
      let eventAccount: string | null = null;
      if (u === userCount - 1 && i % 3 === 0) {
        email = `${distinctId}@gmail.com`;
        accountProp = null;
        resolvedAccount = null;
        trap = 'free-mail';
        if (i % 2 === 0) eventAccount = a.id; // its events carry the account id themselves
      } else if (u === 1 && partner) {
        email = partner.email;
        accountProp = null;
        trap = 'partner-consultant';
      }
      await files.profile.write({ $distinct_id: distinctId, $properties: { $email: email, $name: `${person.first} ${person.last}`, ...(accountProp ? { account_id: accountProp } : {}), $last_seen: iso(nowMs - DAY).slice(0, 19) } });
      await truth('mixpanel.profile', distinctId, resolvedAccount, trap);
      const eventsAccount = eventAccount ?? resolvedAccount;
      for (let d = o.days - 1; d >= 0; d -= 1) {
        const dayStart = Math.floor((nowMs - d * DAY) / DAY) * DAY;
        if (dayStart < onboardingStart) continue;
        const weekday = new Date(dayStart).getUTCDay() % 6 !== 0;
        const recent = nowMs - dayStart < 30 * DAY;
        // Declining accounts lose half their users in the last 30 days; churned ones nearly all.
        const stopped = recent && ((a.cohort === 'declining' && u % 2 === 0) || (a.cohort === 'churned' && u > 0));
        let p = stopped ? 0 : { healthy: 0.6, declining: recent ? 0.1 : 0.65, 'support-heavy': 0.35, detractors: 0.3, onboarding: 0.55, churned: recent ? 0.05 : 0.25 }[a.cohort];
        if (!weekday) p *= 0.3;
        if (rng() >= p) continue;
        const n = Math.max(1, Math.round(o.eventsPerActiveUserPerDay * (0.5 + rng())));
        for (let e = 0; e < n; e += 1) {
          const t = dayStart + int(rng, 8, 18) * 3600_000 + int(rng, 0, 3599) * 1000;
          if (t > latest) continue;
          insertSeq += 1;
          const breadth = a.cohort === 'healthy' || a.cohort === 'onboarding' ? V.FEATURES.length : 4;
          const event = { event: V.FEATURES[int(rng, 0, breadth - 1)] as string, properties: { time: Math.floor(t / 1000), distinct_id: distinctId, $insert_id: `ins-${o.seed}-${insertSeq}`, ...(eventAccount ? { account_id: eventAccount } : {}), $browser: 'Chrome' } };
          await files.event.write(event);
          if (insertSeq % 97 === 0) await files.event.write(event); // an exact duplicate: de-duplicated by $insert_id
          if (eventsAccount === a.id && Math.floor(t / 1000) * 1000 > nowMs - 30 * DAY) a.active.add(distinctId);
        }
      }
    }

    // NPS responses: detractors score low; some people answer twice (the latest counts).
    for (let r = 0; r < Math.min(people.length, 3); r += 1) {
      const p = people[r] as (typeof people)[number];
      const answers = r === 0 ? 2 : 1;
      for (let k = 0; k < answers; k += 1) {
        surveySeq += 1;
        const at = nowMs - int(rng, k === 0 ? 60 : 1, k === 0 ? 200 : 50) * DAY - int(rng, 0, 86_000) * 1000;
        const score = a.cohort === 'detractors' ? int(rng, 0, 6) : a.cohort === 'healthy' ? int(rng, 8, 10) : int(rng, 4, 10);
        const id = `nps-${surveySeq}`;
        const submitted = iso(at);
        await files.survey.write({ id, email: r === 1 ? `  ${p.email.toUpperCase()} ` : p.email, score, comment: pick(rng, V.COMMENTS), submitted_at: submitted, ...(r === 2 ? { account_id: a.id } : {}) });
        await truth('surveys.response', id, a.id);
        const atMs = Date.parse(submitted);
        if (atMs > nowMs - 180 * DAY && atMs <= nowMs) {
          const key = p.email.trim().toLowerCase();
          const prev = a.nps.get(key);
          if (!prev || prev.at < atMs) a.nps.set(key, { at: atMs, score });
        }
      }
    }
    surveySeq += 1;
    await files.survey.write({ id: `nps-${surveySeq}`, email: `anon${i}@yahoo.com`, score: int(rng, 0, 10), comment: null, submitted_at: iso(nowMs - int(rng, 1, 100) * DAY) });
    await truth('surveys.response', `nps-${surveySeq}`, null, 'free-mail');

    // Ground truth of the contract fields.
    const respondents = [...a.nps.values()];
    const promoters = respondents.filter((x) => x.score >= 9).length;
    const detractors = respondents.filter((x) => x.score <= 6).length;
    await files.truthAccounts.write({
      accountId: a.id,
      name: a.name,
      cohort: a.cohort,
      churned: a.cohort === 'churned',
      CS_Active_Users_30d__c: a.active.size,
      CS_License_Utilization__c: a.seats && a.seats > 0 ? roundHalfAway((a.active.size * 1000) / a.seats / 10, 1) : null,
      CS_Open_Tickets__c: a.openTickets,
      CS_Urgent_Tickets_90d__c: a.urgent90,
      CS_NPS__c: respondents.length === 0 ? null : roundHalfAway((100 * (promoters - detractors)) / respondents.length, 0),
    });
    a.active.clear();
    a.nps.clear();
  }

  const counts: Record<string, number> = {};
  for (const [name, writer] of Object.entries(files)) {
    await writer.close();
    counts[name] = writer.count;
  }
  return { dir: o.out, generatedAt: now.toISOString(), counts };
}
