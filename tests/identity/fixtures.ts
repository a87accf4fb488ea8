/** Builders for identity tests: canonical records with only the fields that matter set. */
import type {
  MixpanelActivity, MixpanelProfile, SalesforceAccount, SalesforceContact, SurveyResponse, ZendeskOrganization, ZendeskTicket, ZendeskUser,
} from '../../src/contracts/records.ts';
import { activityId } from '../../src/contracts/records.ts';
import type { ManualRule } from '../../src/identity/index.ts';

export const ACME = '001000000000001AAA';
export const BETA = '001000000000002AAA';
export const GAMMA = '001000000000003AAA';
export const BUCH = '001000000000004AAA';
export const MERGED = '001000000000005AAA';
export const SHARED_1 = '001000000000006AAA';
export const SHARED_2 = '001000000000007AAA';
export const DELETED = '001000000000008AAA';
export const PAGES = '001000000000009AAA';
export const STALE = '001000000000999AAA';

export const account = (id: string, website: string | null, extra: Partial<SalesforceAccount> = {}): SalesforceAccount => ({
  kind: 'salesforce.account', id, name: `Account ${id.slice(-6)}`, website, emailDomains: [], licensedSeats: null, renewalDate: null, ownerId: null, csmId: null,
  industry: null, employees: null, isDeleted: false, masterRecordId: null, modstamp: '2026-01-01T00:00:00Z', fields: {}, ...extra,
});
export const contact = (id: string, accountId: string | null, email: string | null, extra: Partial<SalesforceContact> = {}): SalesforceContact => ({
  kind: 'salesforce.contact', id, accountId, email, firstName: null, lastName: null, isDeleted: false, createdAt: null, modstamp: '2026-01-01T00:00:00Z', ...extra,
});
export const org = (id: string, domains: string[], externalId: string | null = null): ZendeskOrganization => ({
  kind: 'zendesk.organization', id, name: `Org ${id}`, domainNames: domains, externalId, updatedAt: '2026-01-01T00:00:00Z',
});
export const user = (id: string, email: string | null, organizationId: string | null = null, externalId: string | null = null): ZendeskUser => ({
  kind: 'zendesk.user', id, name: null, email, organizationId, externalId, role: 'end-user', active: true, updatedAt: '2026-01-01T00:00:00Z',
});
export const ticket = (id: string, organizationId: string | null, requesterId: string | null): ZendeskTicket => ({
  kind: 'zendesk.ticket', id, subject: null, status: 'open', priority: null, requesterId, organizationId, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', satisfaction: null,
});
export const profile = (distinctId: string, email: string | null, accountId: string | null = null): MixpanelProfile => ({ kind: 'mixpanel.profile', id: distinctId, email, accountId });
export const activity = (distinctId: string, accountId: string | null = null, day = '2026-11-01'): MixpanelActivity => ({
  kind: 'mixpanel.activity', id: activityId(day, distinctId, accountId), day, distinctId, accountId, eventCount: 1, eventNames: ['Viewed report'],
});
export const survey = (id: string, email: string | null, accountId: string | null = null): SurveyResponse => ({
  kind: 'surveys.response', id, email, score: 9, comment: null, submittedAt: '2026-11-01T00:00:00Z', accountId,
});
export const rule = (r: Partial<ManualRule> & Pick<ManualRule, 'type'>): ManualRule => ({
  id: `r-${r.type}`, createdBy: 'revops@tidemark-vendor.example', createdAt: '2026-11-01T09:30:00Z', reason: 'checked with the CSM', ...r,
});

/** A small CRM with one account per trap. */
export const ACCOUNTS: SalesforceAccount[] = [
  account(ACME, 'https://WWW.Acme.com/about', { emailDomains: ['acme.io', 'ACME-Group.de'] }),
  account(BETA, 'beta.co.uk:8080'),
  account(GAMMA, 'N/A'),
  account(BUCH, 'http://bücher.de'),
  account(MERGED, 'merged-old.com', { isDeleted: true, masterRecordId: BETA }),
  account(SHARED_1, 'https://shared.com'),
  account(SHARED_2, 'shared.com/'),
  account(DELETED, 'deleted-co.com', { isDeleted: true }),
  account(PAGES, 'https://acme-docs.github.io'),
];
export const CONTACTS: SalesforceContact[] = [
  contact('003A', GAMMA, 'Partner@Acme.com'),
  contact('003B', ACME, 'dup@x-corp.com'),
  contact('003C', BETA, ' DUP@x-corp.com '),
  contact('003D', '001000000000003', 'ceo@gamma-corp.com'),
  contact('003E', DELETED, 'gone@deleted-co.com'),
  contact('003F', ACME, 'deleted-contact@elsewhere.com', { isDeleted: true }),
  contact('003G', MERGED, 'moved@merged-old.com'),
  contact('003H', BETA, 'solo.founder@gmail.com'),
];
export const ORGS: ZendeskOrganization[] = [
  org('o-acme', ['acme.com'], ACME),
  org('o-gamma', ['gamma-corp.com', 'gamma.example'], GAMMA),
  org('o-nobody', ['nobody.example']),
  org('o-stale', ['stale-org.com'], STALE),
];
