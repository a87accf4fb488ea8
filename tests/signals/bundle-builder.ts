/** Builders of canonical records and account bundles for the signals, health and plans tests. */
import type {
  MixpanelActivity,
  SalesforceAccount,
  SalesforceContact,
  SalesforceOpportunity,
  SalesforceOpportunityLineItem,
  SalesforceUser,
  SurveyResponse,
  ZendeskTicket,
} from '../../src/contracts/records.ts';
import type { AccountBundle } from '../../src/signals/account-bundle.ts';

export const NOW = new Date('2024-06-30T12:00:00.000Z');
export const DAY = 24 * 3600_000;

export function daysAgo(days: number, from: Date = NOW): string {
  return new Date(from.getTime() - days * DAY).toISOString();
}

export function dayAgo(days: number, from: Date = NOW): string {
  return daysAgo(days, from).slice(0, 10);
}

export function account(over: Partial<SalesforceAccount> = {}): SalesforceAccount {
  return {
    kind: 'salesforce.account',
    id: '001000000000001AAA',
    name: 'Acme Corp',
    website: 'https://acme.com',
    emailDomains: [],
    licensedSeats: 40,
    renewalDate: '2025-03-31',
    ownerId: '005OWNER',
    csmId: '005CSM',
    industry: 'Software',
    employees: 500,
    isDeleted: false,
    masterRecordId: null,
    modstamp: '2024-01-01T00:00:00.000Z',
    fields: {},
    ...over,
  };
}

let seq = 0;
function nextId(prefix: string): string {
  seq += 1;
  return `${prefix}${String(seq).padStart(6, '0')}`;
}

export function activity(day: string, distinctId: string, eventCount = 5, eventNames: string[] = ['login']): MixpanelActivity {
  return { kind: 'mixpanel.activity', id: `${day}|${distinctId}|`, day, distinctId, accountId: null, eventCount, eventNames };
}

export function ticket(over: Partial<ZendeskTicket> = {}): ZendeskTicket {
  return {
    kind: 'zendesk.ticket',
    id: nextId('t'),
    subject: 'Help',
    status: 'solved',
    priority: 'normal',
    requesterId: null,
    organizationId: null,
    createdAt: daysAgo(5),
    updatedAt: daysAgo(4),
    satisfaction: null,
    ...over,
  };
}

export function survey(score: number, submittedAt: string, email: string | null = null, id: string = nextId('s')): SurveyResponse {
  return { kind: 'surveys.response', id, email, score, comment: null, submittedAt, accountId: null };
}

export function contact(over: Partial<SalesforceContact> = {}): SalesforceContact {
  return {
    kind: 'salesforce.contact',
    id: nextId('003'),
    accountId: '001000000000001AAA',
    email: null,
    firstName: 'A',
    lastName: 'B',
    isDeleted: false,
    createdAt: '2023-01-01T00:00:00.000Z',
    modstamp: '2023-01-01T00:00:00.000Z',
    ...over,
  };
}

export function opportunity(over: Partial<SalesforceOpportunity> = {}): SalesforceOpportunity {
  return {
    kind: 'salesforce.opportunity',
    id: nextId('006'),
    accountId: '001000000000001AAA',
    name: 'Acme - New Business',
    stageName: 'Closed Won',
    isClosed: true,
    isWon: true,
    closeDate: dayAgo(10),
    amount: 48000,
    type: 'New Business',
    description: 'They need one place to see customer health.',
    nextStep: null,
    partners: 'Globex Implementation',
    businessChallenges: 'Churn in the SMB book',
    isDeleted: false,
    modstamp: '2024-01-01T00:00:00.000Z',
    ...over,
  };
}

export function lineItem(opportunityId: string, over: Partial<SalesforceOpportunityLineItem> = {}): SalesforceOpportunityLineItem {
  return {
    kind: 'salesforce.opportunity_line_item',
    id: nextId('00k'),
    opportunityId,
    product2Id: null,
    name: 'Tidemark Platform',
    productName: null,
    quantity: 40,
    totalPrice: 48000,
    ...over,
  };
}

export function user(id: string, name: string): SalesforceUser {
  return { kind: 'salesforce.user', id, name, email: null, isActive: true, modstamp: '2024-01-01T00:00:00.000Z' };
}

export const USERS: ReadonlyMap<string, SalesforceUser> = new Map([
  ['005OWNER', user('005OWNER', 'Olivia Owner')],
  ['005CSM', user('005CSM', 'Casey Success')],
]);

export function bundle(over: Partial<AccountBundle> = {}): AccountBundle {
  return {
    account: account(),
    contacts: [],
    opportunities: [],
    lineItems: [],
    users: USERS,
    activities: [],
    tickets: [],
    surveys: [],
    sources: { mixpanel: true, zendesk: true, surveys: true },
    ...over,
  };
}

/** `users` distinct users active on each of the given days-ago, with `features` event names. */
export function usage(daysAgoList: readonly number[], users: number, features = 3, from: Date = NOW): MixpanelActivity[] {
  const names = Array.from({ length: features }, (_, i) => `feature_${i}`);
  const out: MixpanelActivity[] = [];
  for (const d of daysAgoList) for (let u = 0; u < users; u += 1) out.push(activity(dayAgo(d, from), `user-${u}`, 4, names));
  return out;
}
