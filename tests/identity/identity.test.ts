/** Identity rules and traps, one named case each (contracts.md section 2). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildIdentityIndex, evaluateTruth, isFreeMailDomain, normalizeEmail, registrableDomain, resolveAll, resolveOne, toSalesforceId18, type ManualRule,
} from '../../src/identity/index.ts';
import type { MixpanelActivity, MixpanelProfile, SalesforceAccount, SalesforceContact, SurveyResponse, ZendeskOrganization, ZendeskTicket, ZendeskUser } from '../../src/contracts/records.ts';

const ACME = '001000000000001AAA';
const BETA = '001000000000002AAA';
const GAMMA = '001000000000003AAA';
const BUCH = '001000000000004AAA';
const MERGED = '001000000000005AAA';

const account = (id: string, website: string | null, extra: Partial<SalesforceAccount> = {}): SalesforceAccount => ({
  kind: 'salesforce.account', id, name: id, website, emailDomains: [], licensedSeats: null, renewalDate: null, ownerId: null, csmId: null, industry: null, employees: null, isDeleted: false, masterRecordId: null, modstamp: '2026-01-01T00:00:00Z', fields: {}, ...extra,
});
const contact = (id: string, accountId: string, email: string): SalesforceContact => ({ kind: 'salesforce.contact', id, accountId, email, firstName: null, lastName: null, isDeleted: false, createdAt: null, modstamp: '2026-01-01T00:00:00Z' });
const org = (id: string, domains: string[], externalId: string | null = null): ZendeskOrganization => ({ kind: 'zendesk.organization', id, name: id, domainNames: domains, externalId, updatedAt: '2026-01-01T00:00:00Z' });
const user = (id: string, email: string | null, organizationId: string | null = null, externalId: string | null = null): ZendeskUser => ({ kind: 'zendesk.user', id, name: null, email, organizationId, externalId, role: 'end-user', active: true, updatedAt: '2026-01-01T00:00:00Z' });
const ticket = (id: string, organizationId: string | null, requesterId: string | null): ZendeskTicket => ({ kind: 'zendesk.ticket', id, subject: null, status: 'open', priority: null, requesterId, organizationId, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', satisfaction: null });
const profile = (id: string, email: string | null, accountId: string | null = null): MixpanelProfile => ({ kind: 'mixpanel.profile', id, email, accountId });
const activity = (distinctId: string, accountId: string | null = null): MixpanelActivity => ({ kind: 'mixpanel.activity', id: `2026-11-01|${distinctId}|${accountId ?? ''}`, day: '2026-11-01', distinctId, accountId, eventCount: 1, eventNames: ['x'] });
const survey = (id: string, email: string | null, accountId: string | null = null): SurveyResponse => ({ kind: 'surveys.response', id, email, score: 9, comment: null, submittedAt: '2026-11-01T00:00:00Z', accountId });

const accounts = [
  account(ACME, 'https://WWW.Acme.com/about', { emailDomains: ['acme.io'] }),
  account(BETA, 'beta.co.uk:8080'),
  account(GAMMA, 'N/A'),
  account(BUCH, 'http://bücher.de'),
  account(MERGED, null, { isDeleted: true, masterRecordId: BETA }),
  account('001000000000006AAA', 'https://shared.com'),
  account('001000000000007AAA', 'shared.com'),
];
const contacts = [contact('003A', GAMMA, 'Partner@Acme.com'), contact('003B', ACME, 'dup@x.com'), contact('003C', BETA, 'dup@x.com')];
const orgs = [org('o1', ['acme.com'], ACME), org('o2', ['gamma-corp.com'], GAMMA), org('o3', ['nobody.example']), org('o4', [], '001000000000999AAA')];

function build(rules: ManualRule[] = []) {
  return buildIdentityIndex({ accounts, contacts, zendeskOrganizations: orgs, manualRules: rules });
}
const noParents = { organization: () => undefined, user: () => undefined, profile: () => undefined };

describe('helpers', () => {
  it.each([
    ['email', 'jo@EU.Acme.co.uk', 'acme.co.uk'],
    ['website with scheme, www, path', 'https://WWW.Acme.com/about', 'acme.com'],
    ['host with port', 'beta.co.uk:8080', 'beta.co.uk'],
    ['placeholder', 'N/A', null],
    ['blank', '  ', null],
    ['IDN to punycode', 'bücher.de', 'xn--bcher-kva.de'],
    ['private suffix not used', 'someone.github.io', 'github.io'],
    ['trailing dot', 'acme.com.', 'acme.com'],
  ])('registrableDomain: %s', (_n, input, expected) => {
    expect(registrableDomain(input)).toBe(expected);
  });

  it('converts 15-character ids to 18 with the real checksum', () => {
    expect(toSalesforceId18('001D000000IqhSL')).toBe('001D000000IqhSLIAZ');
    expect(toSalesforceId18('001000000000001')).toBe('001000000000001AAA');
    expect(toSalesforceId18('not-an-id')).toBeNull();
  });

  it('normalizes emails and knows free-mail providers from the maintained list', () => {
    expect(normalizeEmail('  Ann@Acme.COM ')).toBe('ann@acme.com');
    expect(normalizeEmail('not an email')).toBeNull();
    for (const d of ['gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com']) expect(isFreeMailDomain(d)).toBe(true);
    expect(isFreeMailDomain('acme.com')).toBe(false);
  });
});

describe('rules, first match wins', () => {
  const index = build();
  const cases: Array<[string, Parameters<typeof resolveOne>[1], string | null, string | null, string | null]> = [
    ['explicit id on a Zendesk organization', org('x1', [], ACME), ACME, 'explicit-id', null],
    ['15-character explicit id', org('x2', [], '001000000000001'), ACME, 'explicit-id', null],
    ['merged account id resolves to its master', org('x3', [], MERGED), BETA, 'explicit-id', null],
    ['stale id falls through to the domain', org('x4', ['beta.co.uk'], '001000000000999AAA'), BETA, 'domain', null],
    ['stale id and nothing else', org('x5', [], '001000000000999AAA'), null, null, 'stale-id'],
    ['survey explicit account_id', survey('s1', 'z@gmail.com', ACME), ACME, 'explicit-id', null],
    ['partner consultant: a contact of Gamma with an Acme email -> contact wins', user('u1', 'partner@acme.com'), GAMMA, 'contact-email', null],
    ['email shared by contacts of two accounts -> ambiguous-contact, no fall-through', user('u2', 'dup@x.com'), null, null, 'ambiguous-contact'],
    ['subdomain email matches the registrable domain', user('u3', 'jo@eu.beta.co.uk'), BETA, 'domain', null],
    ['extra domain from CS_Email_Domains__c', user('u4', 'x@acme.io'), ACME, 'domain', null],
    ['domain owned through a Zendesk organization linked by id', user('u5', 'y@gamma-corp.com'), GAMMA, 'domain', null],
    ['IDN email domain', survey('s2', 'kunde@bücher.de'), BUCH, 'domain', null],
    ['free-mail user is never matched by domain', user('u6', 'someone@gmail.com'), null, null, 'free-mail-domain'],
    ['domain owned by two accounts -> ambiguous-domain', user('u7', 'a@shared.com'), null, null, 'ambiguous-domain'],
    ['unknown domain', user('u8', 'a@unknown.example'), null, null, 'unknown-domain'],
    ['invalid email', user('u9', 'not-an-email'), null, null, 'invalid-email'],
    ['no key at all', user('u10', null), null, null, 'no-key'],
    ['messy Website N/A owns nothing', user('u11', 'x@n-a.com'), null, null, 'unknown-domain'],
  ];
  it.each(cases)('%s', (_name, record, accountId, method, reason) => {
    const r = resolveOne(index, record, noParents);
    expect({ accountId: r.accountId, method: r.method, reason: r.reason }).toEqual({ accountId, method, reason });
  });

  it('ambiguous domains carry both candidates', () => {
    expect(resolveOne(index, user('u7', 'a@shared.com'), noParents).candidates).toEqual(['001000000000006AAA', '001000000000007AAA']);
  });

  it('deleted accounts do not exist: their ids are stale', () => {
    const idx = buildIdentityIndex({ accounts: [account(ACME, null, { isDeleted: true })], contacts: [], zendeskOrganizations: [], manualRules: [] });
    expect(resolveOne(idx, org('z', [], ACME), noParents).reason).toBe('stale-id');
  });
});

describe('parents, in dependency order', () => {
  it('users take their organization, tickets their organization else requester, activities their profile', () => {
    const set = resolveAll(build(), {
      zendeskOrganizations: [org('o1', ['acme.com'], ACME), org('o3', ['nobody.example'])],
      zendeskUsers: [user('u1', 'someone@gmail.com', 'o1'), user('u2', 'x@beta.co.uk', 'o3')],
      zendeskTickets: [ticket('t1', 'o1', null), ticket('t2', 'o3', 'u2'), ticket('t3', null, null)],
      mixpanelProfiles: [profile('p1', 'x@acme.io'), profile('p2', 'y@gmail.com')],
      mixpanelActivities: [activity('p1'), activity('p2'), activity('p2', BETA), activity('nobody')],
      surveyResponses: [],
    });
    const pick = (kind: Parameters<typeof set.get>[0], id: string) => {
      const r = set.get(kind, id);
      return [r?.accountId ?? null, r?.method ?? r?.reason];
    };
    expect(pick('zendesk.user', 'u1')).toEqual([ACME, 'parent']);
    expect(pick('zendesk.user', 'u2')).toEqual([BETA, 'domain']);
    expect(pick('zendesk.ticket', 't1')).toEqual([ACME, 'parent']);
    expect(pick('zendesk.ticket', 't2')).toEqual([BETA, 'parent']);
    expect(pick('zendesk.ticket', 't3')).toEqual([null, 'no-key']);
    expect(pick('mixpanel.activity', '2026-11-01|p1|')).toEqual([ACME, 'parent']);
    expect(pick('mixpanel.activity', '2026-11-01|p2|')).toEqual([null, 'free-mail-domain']);
    expect(pick('mixpanel.activity', `2026-11-01|p2|${BETA}`)).toEqual([BETA, 'explicit-id']);
    expect(set.counts.matched + set.counts.unmatched).toBe(13);
    expect(pick("mixpanel.activity", "2026-11-01|nobody|")).toEqual([null, "no-key"]);
  });
});

describe('manual rules', () => {
  const rule = (r: Partial<ManualRule> & Pick<ManualRule, 'type'>): ManualRule => ({ id: `r-${r.type}`, createdBy: 'revops@vendor.com', createdAt: '2026-11-01T00:00:00Z', reason: 'checked with the CSM', ...r });

  it.each([
    ['pin-domain wins over ambiguity', rule({ type: 'pin-domain', domain: 'shared.com', accountId: '001000000000007AAA' }), user('u', 'a@shared.com'), '001000000000007AAA', 'manual', null],
    ['pin-record', rule({ type: 'pin-record', recordKind: 'zendesk.user', recordId: 'u', accountId: BETA }), user('u', 'someone@gmail.com'), BETA, 'manual', null],
    ['pin-organization', rule({ type: 'pin-organization', organizationId: 'o3', accountId: GAMMA }), org('o3', ['nobody.example']), GAMMA, 'manual', null],
    ['exclude-domain: vendor staff are unmatched', rule({ type: 'exclude-domain', domain: 'acme.com' }), user('u', 'ceo@acme.com'), null, null, 'excluded'],
    ['exclude-account removes it as a candidate', rule({ type: 'exclude-account', accountId: '001000000000006AAA' }), user('u', 'a@shared.com'), '001000000000007AAA', 'domain', null],
  ])('%s', (_name, r, record, accountId, method, reason) => {
    const res = resolveOne(build([r]), record, noParents);
    expect({ accountId: res.accountId, method: res.method, reason: res.reason }).toEqual({ accountId, method, reason });
  });

  it('explains the rule chain, the manual rule included', () => {
    const r = resolveOne(build([rule({ type: 'exclude-account', accountId: '001000000000006AAA' })]), org('o9', ['beta.co.uk'], '001000000000999AAA'), noParents);
    expect(r.steps?.map((s) => `${s.rule}:${s.outcome}`)).toEqual(['manual:no rule', 'explicit-id:stale', 'domain:matched']);
    expect(r.steps?.[1]?.detail).toMatch(/names no existing Account/);
  });
});

describe('precision and recall against ground truth', () => {
  it('counts correct, wrong and missed matches', () => {
    const set = resolveAll(build(), { zendeskOrganizations: [], zendeskUsers: [user('a', 'x@acme.io'), user('b', 'y@beta.co.uk'), user('c', 'z@gmail.com')], zendeskTickets: [], mixpanelProfiles: [], mixpanelActivities: [], surveyResponses: [] });
    const m = evaluateTruth(set, [
      { kind: 'zendesk.user', id: 'a', accountId: ACME },
      { kind: 'zendesk.user', id: 'b', accountId: GAMMA },
      { kind: 'zendesk.user', id: 'c', accountId: ACME },
    ]);
    expect(m).toMatchObject({ truePositives: 1, falsePositives: 1, falseNegatives: 1, resolvable: 3 });
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBeCloseTo(1 / 3);
  });
});

describe('properties', () => {
  it('never matches an account that is not live in the index, and is deterministic', () => {
    const index = build();
    const live = new Set(index.accounts.keys());
    const domains = ['acme.com', 'beta.co.uk', 'shared.com', 'gmail.com', 'acme.io', 'nowhere.org', 'bücher.de'];
    fc.assert(
      fc.property(
        fc.record({ local: fc.stringMatching(/^[a-z]{1,8}$/), domain: fc.constantFrom(...domains), ext: fc.option(fc.constantFrom(ACME, MERGED, '001000000000999AAA', '001000000000001', 'junk'), { nil: null }) }),
        ({ local, domain, ext }) => {
          const record = user('p', `${local}@${domain}`, null, ext);
          const a = resolveOne(index, record, noParents, false);
          const b = resolveOne(index, record, noParents, false);
          expect(a).toEqual(b);
          if (a.accountId) expect(live.has(a.accountId)).toBe(true);
        },
      ),
    );
  });
});
