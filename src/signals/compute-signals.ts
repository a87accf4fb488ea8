/**
 * Account signals (contracts.md section 1): the windowed counts and rates health scoring,
 * drivers and success plans read. Pure and linear in the size of the bundle.
 *
 * Null vs zero: a count is 0 when nothing counts and null only when the source feeding it is
 * disabled. Rates and ages (utilization, CSAT, NPS, days since last activity, days to renewal)
 * are also null when there is nothing to compute them from.
 *
 * Signals at a past instant (used for the 30-day trend) ignore records created after it. Open
 * tickets then are reconstructed: a ticket created by then counts when its status is open-like
 * now, or when it is solved or closed now but was updated after then (it was still unresolved).
 */
import type { SalesforceContact, SurveyResponse, ZendeskTicket } from '../contracts/records.ts';
import type { AccountBundle } from './account-bundle.ts';
import { roundHalfAway } from './rounding.ts';
import { DAY_MS, dayInWindow, dayNumberOfDate, dayNumberOfInstant, inWindow, parseInstant } from './time-window.ts';

export interface AccountSignals {
  /** Distinct distinct_ids with eventCount > 0 on days in the last 30 days. */
  activeUsers30d: number | null;
  /** The same over the 30 days before those (days 31-60 back), for the usage trend. */
  activeUsersPrior30d: number | null;
  /** Distinct days with any event in the last 30 days. */
  activeDays30d: number | null;
  /** Sum of event counts in the last 30 days. */
  events30d: number | null;
  /** Distinct event names in the last 30 days. */
  featureBreadth30d: number | null;
  /** Account.CS_Licensed_Seats__c; null when missing or not positive. */
  licensedSeats: number | null;
  /** activeUsers30d / seats x 100, one decimal, not capped. */
  licenseUtilization: number | null;
  /** Tickets with status new, open, pending or hold. */
  openTickets: number | null;
  ticketsCreated30d: number | null;
  ticketsCreated90d: number | null;
  /** Tickets created in the last 90 days with priority urgent or high. */
  urgentTickets90d: number | null;
  /** Tickets created in the last 90 days rated good / bad. */
  csatGood90d: number | null;
  csatBad90d: number | null;
  /** good / (good + bad) x 100, one decimal; null when no rated ticket. */
  csat90d: number | null;
  /** NPS over the latest response per respondent in the last 180 days; null when none. */
  nps180d: number | null;
  npsRespondents180d: number | null;
  promoters180d: number | null;
  detractors180d: number | null;
  /** Contacts created in the last 90 days. */
  contactsAdded90d: number;
  /** Contacts deleted (modstamp of the deletion) in the last 90 days, when the bundle carries them. */
  contactsRemoved90d: number;
  /** Live contacts that existed at asOf. */
  contacts: number;
  /** Whole UTC days from the last active day (on or before asOf) to asOf; null when none or disabled. */
  daysSinceLastActivity: number | null;
  /** Whole UTC days from asOf to Account.CS_Renewal_Date__c (negative once past); null when missing. */
  daysToRenewal: number | null;
}

const OPEN_STATUSES: ReadonlySet<string> = new Set(['new', 'open', 'pending', 'hold']);
const URGENT_PRIORITIES: ReadonlySet<string> = new Set(['urgent', 'high']);

interface UsageSignals {
  activeUsers30d: number;
  activeUsersPrior30d: number;
  activeDays30d: number;
  events30d: number;
  featureBreadth30d: number;
  daysSinceLastActivity: number | null;
}

/**
 * Whether an activity falls in the N-day window ending at asOf. With the first and last event
 * instants of its day (what the Mixpanel stream records), the window is exact on its boundary
 * day: the day counts when an event lies after the window start and one at or before asOf.
 * Without them, the day rule of time-window.ts applies.
 */
function activityInWindow(activity: AccountBundle['activities'][number], day: number, asOfMs: number, days: number): boolean {
  if (activity.firstAt !== undefined && activity.lastAt !== undefined) {
    return activity.lastAt > asOfMs - days * DAY_MS && activity.firstAt <= asOfMs;
  }
  return dayInWindow(day, dayNumberOfInstant(asOfMs), days);
}

function usageSignals(bundle: AccountBundle, asOfDay: number, asOfMs: number): UsageSignals {
  const users = new Set<string>();
  const priorUsers = new Set<string>();
  const days = new Set<number>();
  const names = new Set<string>();
  let events = 0;
  // Activities dropped by retention are all older than any window read here: only their latest day counts.
  const dropped = dayNumberOfDate(bundle.lastActiveDropped);
  let lastDay = !Number.isNaN(dropped) && dropped <= asOfDay ? dropped : Number.NEGATIVE_INFINITY;
  for (const activity of bundle.activities) {
    if (activity.eventCount <= 0) continue;
    const day = dayNumberOfDate(activity.day);
    if (Number.isNaN(day) || day > asOfDay) continue;
    if (day > lastDay) lastDay = day;
    if (activity.firstAt !== undefined && activity.firstAt > asOfMs) continue;
    if (activityInWindow(activity, day, asOfMs, 30)) {
      users.add(activity.distinctId);
      days.add(day);
      events += activity.eventCount;
      for (const name of activity.eventNames) names.add(name);
    } else if (activityInWindow(activity, day, asOfMs - 30 * DAY_MS, 30)) {
      priorUsers.add(activity.distinctId);
    }
  }
  return {
    activeUsers30d: users.size,
    activeUsersPrior30d: priorUsers.size,
    activeDays30d: days.size,
    events30d: events,
    featureBreadth30d: names.size,
    daysSinceLastActivity: lastDay === Number.NEGATIVE_INFINITY ? null : asOfDay - lastDay,
  };
}

interface TicketSignals {
  openTickets: number;
  ticketsCreated30d: number;
  ticketsCreated90d: number;
  urgentTickets90d: number;
  csatGood90d: number;
  csatBad90d: number;
}

function wasOpenAt(ticket: ZendeskTicket, asOfMs: number): boolean {
  if (ticket.status === 'deleted') return false;
  if (OPEN_STATUSES.has(ticket.status)) return true;
  return parseInstant(ticket.updatedAt) > asOfMs;
}

function ticketSignals(tickets: readonly ZendeskTicket[], asOfMs: number): TicketSignals {
  const out: TicketSignals = { openTickets: 0, ticketsCreated30d: 0, ticketsCreated90d: 0, urgentTickets90d: 0, csatGood90d: 0, csatBad90d: 0 };
  for (const ticket of tickets) {
    if (ticket.status === 'deleted') continue;
    const created = parseInstant(ticket.createdAt);
    if (!(created <= asOfMs)) continue;
    if (wasOpenAt(ticket, asOfMs)) out.openTickets += 1;
    if (inWindow(created, asOfMs, 30)) out.ticketsCreated30d += 1;
    if (!inWindow(created, asOfMs, 90)) continue;
    out.ticketsCreated90d += 1;
    if (ticket.priority !== null && URGENT_PRIORITIES.has(ticket.priority.toLowerCase())) out.urgentTickets90d += 1;
    const rating = ticket.satisfaction?.toLowerCase();
    if (rating === 'good') out.csatGood90d += 1;
    else if (rating === 'bad') out.csatBad90d += 1;
  }
  return out;
}

/** A respondent is the trimmed lower-cased email, else the response id. */
export function respondentKey(response: SurveyResponse): string {
  const email = response.email?.trim().toLowerCase();
  return email ? `email:${email}` : `id:${response.id}`;
}

interface NpsSignals {
  nps180d: number | null;
  npsRespondents180d: number;
  promoters180d: number;
  detractors180d: number;
}

/**
 * NPS over the latest response of each respondent submitted in (asOf - 180 d, asOf]. Among
 * responses of one respondent with the same submission instant, the greatest id wins, so the
 * result never depends on input order.
 */
export function npsSignals(surveys: readonly SurveyResponse[], asOfMs: number, days = 180): NpsSignals {
  const latest = new Map<string, { at: number; response: SurveyResponse }>();
  for (const response of surveys) {
    const at = parseInstant(response.submittedAt);
    if (!inWindow(at, asOfMs, days)) continue;
    const key = respondentKey(response);
    const seen = latest.get(key);
    if (!seen || at > seen.at || (at === seen.at && response.id > seen.response.id)) latest.set(key, { at, response });
  }
  let promoters = 0;
  let detractors = 0;
  for (const { response } of latest.values()) {
    if (response.score >= 9) promoters += 1;
    else if (response.score <= 6) detractors += 1;
  }
  const respondents = latest.size;
  return {
    nps180d: respondents === 0 ? null : roundHalfAway((100 * (promoters - detractors)) / respondents),
    npsRespondents180d: respondents,
    promoters180d: promoters,
    detractors180d: detractors,
  };
}

/** activeUsers / seats x 100 with one decimal (half away from zero), not capped. */
export function licenseUtilization(activeUsers: number | null, seats: number | null): number | null {
  if (activeUsers === null || seats === null || !(seats > 0)) return null;
  return roundHalfAway((activeUsers * 1000) / seats / 10, 1);
}

/**
 * Everything computeSignals (and so health and plans) reads of a contact: the score stage
 * rescores an account for a changed contact only when this changed (keep it in step with the
 * contact loop below).
 */
export function contactScoreInputs(contact: SalesforceContact): unknown[] {
  return [contact.accountId, contact.isDeleted, contact.createdAt, contact.isDeleted ? contact.modstamp : null];
}

export function computeSignals(bundle: AccountBundle, asOf: Date): AccountSignals {
  const asOfMs = asOf.getTime();
  const asOfDay = dayNumberOfInstant(asOfMs);
  const usage = bundle.sources.mixpanel ? usageSignals(bundle, asOfDay, asOf.getTime()) : null;
  const support = bundle.sources.zendesk ? ticketSignals(bundle.tickets, asOfMs) : null;
  const nps = bundle.sources.surveys ? npsSignals(bundle.surveys, asOfMs) : null;

  const seatsRaw = bundle.account.licensedSeats;
  const licensedSeats = seatsRaw !== null && seatsRaw > 0 ? seatsRaw : null;

  let contacts = 0;
  let contactsAdded90d = 0;
  let contactsRemoved90d = 0;
  for (const contact of bundle.contacts) {
    const created = parseInstant(contact.createdAt);
    if (created > asOfMs) continue;
    if (contact.isDeleted) {
      if (inWindow(parseInstant(contact.modstamp), asOfMs, 90)) contactsRemoved90d += 1;
      continue;
    }
    contacts += 1;
    if (inWindow(created, asOfMs, 90)) contactsAdded90d += 1;
  }

  const renewalDay = dayNumberOfDate(bundle.account.renewalDate);
  const csatRated = support ? support.csatGood90d + support.csatBad90d : 0;

  return {
    activeUsers30d: usage?.activeUsers30d ?? null,
    activeUsersPrior30d: usage?.activeUsersPrior30d ?? null,
    activeDays30d: usage?.activeDays30d ?? null,
    events30d: usage?.events30d ?? null,
    featureBreadth30d: usage?.featureBreadth30d ?? null,
    licensedSeats,
    licenseUtilization: licenseUtilization(usage?.activeUsers30d ?? null, licensedSeats),
    openTickets: support?.openTickets ?? null,
    ticketsCreated30d: support?.ticketsCreated30d ?? null,
    ticketsCreated90d: support?.ticketsCreated90d ?? null,
    urgentTickets90d: support?.urgentTickets90d ?? null,
    csatGood90d: support?.csatGood90d ?? null,
    csatBad90d: support?.csatBad90d ?? null,
    csat90d: support && csatRated > 0 ? roundHalfAway((support.csatGood90d * 1000) / csatRated / 10, 1) : null,
    nps180d: nps?.nps180d ?? null,
    npsRespondents180d: nps?.npsRespondents180d ?? null,
    promoters180d: nps?.promoters180d ?? null,
    detractors180d: nps?.detractors180d ?? null,
    contactsAdded90d,
    contactsRemoved90d,
    contacts,
    daysSinceLastActivity: usage?.daysSinceLastActivity ?? null,
    daysToRenewal: Number.isNaN(renewalDay) ? null : renewalDay - asOfDay,
  };
}
