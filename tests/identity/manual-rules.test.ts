/** RevOps' manual rules: validated, applied before the automatic rules, audited in the rule chain. */
import { describe, expect, it } from 'vitest';
import { buildIdentityIndex, manualRuleSchema, resolveOne, type ManualRule, type ResolvableRecord } from '../../src/identity/index.ts';
import { ACCOUNTS, ACME, BETA, CONTACTS, GAMMA, ORGS, SHARED_1, SHARED_2, STALE, activity, org, profile, rule, survey, user } from './fixtures.ts';
import { resolveAll } from '../../src/identity/index.ts';

const build = (manualRules: ManualRule[]) => buildIdentityIndex({ accounts: ACCOUNTS, contacts: CONTACTS, zendeskOrganizations: ORGS, manualRules });

describe('manualRuleSchema', () => {
  it.each([
    ['pin-domain', rule({ type: 'pin-domain', domain: 'shared.com', accountId: SHARED_1 })],
    ['pin-organization with a 15-character id', rule({ type: 'pin-organization', organizationId: '123', accountId: '001000000000001' })],
    ['pin-record', rule({ type: 'pin-record', recordKind: 'zendesk.user', recordId: '42', accountId: ACME })],
    ['exclude-domain given as a URL', rule({ type: 'exclude-domain', domain: 'https://www.tidemark-vendor.example/' })],
    ['exclude-account', rule({ type: 'exclude-account', accountId: ACME })],
  ])('accepts %s', (_name, r) => {
    expect(manualRuleSchema.safeParse(r).success).toBe(true);
  });

  it.each([
    ['pin without account', { ...rule({ type: 'pin-domain', domain: 'acme.com' }) }, 'accountId'],
    ['pin-domain without domain', rule({ type: 'pin-domain', accountId: ACME }), 'domain'],
    ['domain with no registrable domain', rule({ type: 'exclude-domain', domain: 'N/A' }), 'domain'],
    ['pin-organization without organization', rule({ type: 'pin-organization', accountId: ACME }), 'organizationId'],
    ['pin-record without kind', rule({ type: 'pin-record', recordId: '1', accountId: ACME }), 'recordKind'],
    ['pin-record without id', rule({ type: 'pin-record', recordKind: 'zendesk.user', accountId: ACME }), 'recordId'],
    ['account id of another object', rule({ type: 'exclude-account', accountId: '003000000000001' }), 'accountId'],
    ['no reason (audit: why)', rule({ type: 'exclude-account', accountId: ACME, reason: '  ' }), 'reason'],
    ['no author (audit: who)', rule({ type: 'exclude-account', accountId: ACME, createdBy: '' }), 'createdBy'],
    ['no date (audit: when)', rule({ type: 'exclude-account', accountId: ACME, createdAt: 'yesterday' }), 'createdAt'],
  ])('rejects %s, naming the field', (_name, r, field) => {
    const parsed = manualRuleSchema.safeParse(r);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

type Case = [string, ManualRule[], ResolvableRecord, { accountId: string | null; method: string | null; reason: string | null }];
const cases: Case[] = [
  ['pin-domain resolves an ambiguous domain', [rule({ type: 'pin-domain', domain: 'shared.com', accountId: SHARED_2 })], user('u', 'a@shared.com'), { accountId: SHARED_2, method: 'manual', reason: null }],
  ['pin-domain given as a subdomain pins the registrable domain', [rule({ type: 'pin-domain', domain: 'eu.shared.com', accountId: SHARED_1 })], survey('s', 'a@shared.com'), { accountId: SHARED_1, method: 'manual', reason: null }],
  ['pin-domain beats the explicit id', [rule({ type: 'pin-domain', domain: 'acme.com', accountId: BETA })], user('u', 'jo@acme.com', null, ACME), { accountId: BETA, method: 'manual', reason: null }],
  ['pin-domain on an organization domain', [rule({ type: 'pin-domain', domain: 'nobody.example', accountId: GAMMA })], org('o-nobody', ['nobody.example']), { accountId: GAMMA, method: 'manual', reason: null }],
  ['pin-domain can pin a free-mail domain only explicitly', [rule({ type: 'pin-domain', domain: 'gmail.com', accountId: BETA })], user('u', 'x@gmail.com'), { accountId: BETA, method: 'manual', reason: null }],
  ['pins of two accounts on one organization are ambiguous', [rule({ id: 'r1', type: 'pin-domain', domain: 'acme.com', accountId: ACME }), rule({ id: 'r2', type: 'pin-domain', domain: 'beta.co.uk', accountId: BETA })], org('o', ['acme.com', 'beta.co.uk']), { accountId: null, method: null, reason: 'ambiguous-domain' }],
  ['pin-organization beats its external_id', [rule({ type: 'pin-organization', organizationId: 'o-acme', accountId: GAMMA })], org('o-acme', ['acme.com'], ACME), { accountId: GAMMA, method: 'manual', reason: null }],
  ['pin-record on a free-mail user', [rule({ type: 'pin-record', recordKind: 'zendesk.user', recordId: 'u', accountId: BETA })], user('u', 'someone@gmail.com'), { accountId: BETA, method: 'manual', reason: null }],
  ['pin-record applies to its kind only', [rule({ type: 'pin-record', recordKind: 'zendesk.user', recordId: 'u', accountId: BETA })], survey('u', 'someone@gmail.com'), { accountId: null, method: null, reason: 'free-mail-domain' }],
  ['pin-record beats an excluded domain', [rule({ type: 'exclude-domain', domain: 'acme.com' }), rule({ type: 'pin-record', recordKind: 'surveys.response', recordId: 's', accountId: ACME })], survey('s', 'cto@acme.com'), { accountId: ACME, method: 'manual', reason: null }],
  ['a pin naming a stale account is ignored', [rule({ type: 'pin-record', recordKind: 'zendesk.user', recordId: 'u', accountId: STALE })], user('u', 'jo@beta.co.uk'), { accountId: BETA, method: 'domain', reason: null }],
  ['a pin naming an excluded account is ignored', [rule({ type: 'exclude-account', accountId: ACME }), rule({ type: 'pin-domain', domain: 'shared.com', accountId: ACME })], user('u', 'a@shared.com'), { accountId: null, method: null, reason: 'ambiguous-domain' }],
  ['exclude-domain: the vendor\'s staff are unmatched even with an explicit id', [rule({ type: 'exclude-domain', domain: 'tidemark-vendor.example' })], user('u', 'csm@tidemark-vendor.example', null, ACME), { accountId: null, method: null, reason: 'excluded' }],
  ['exclude-domain: staff are unmatched even in a customer organization', [rule({ type: 'exclude-domain', domain: 'acme.com' })], user('u', 'ceo@acme.com', 'o-acme'), { accountId: null, method: null, reason: 'excluded' }],
  ['exclude-domain: an organization domain is no key', [rule({ type: 'exclude-domain', domain: 'acme.com' })], org('o', ['acme.com']), { accountId: null, method: null, reason: 'excluded' }],
  ['exclude-domain: an explicit id on an organization still matches', [rule({ type: 'exclude-domain', domain: 'acme.com' })], org('o', ['acme.com'], ACME), { accountId: ACME, method: 'explicit-id', reason: null }],
  ['exclude-account: removed as a domain candidate', [rule({ type: 'exclude-account', accountId: SHARED_1 })], user('u', 'a@shared.com'), { accountId: SHARED_2, method: 'domain', reason: null }],
  ['exclude-account: removed as a contact candidate', [rule({ type: 'exclude-account', accountId: ACME })], user('u', 'dup@x-corp.com'), { accountId: BETA, method: 'contact-email', reason: null }],
  ['exclude-account: its explicit id leaves the record unmatched as excluded', [rule({ type: 'exclude-account', accountId: '001000000000001' })], org('o', [], ACME), { accountId: null, method: null, reason: 'excluded' }],
  ['exclude-account: its explicit id falls through to other rules', [rule({ type: 'exclude-account', accountId: ACME })], user('u', 'jo@beta.co.uk', null, ACME), { accountId: BETA, method: 'domain', reason: null }],
];

describe('manual rules come before the automatic rules', () => {
  it.each(cases)('%s', (_name, rules, record, expected) => {
    const r = resolveOne(build(rules), record);
    expect({ accountId: r.accountId, method: r.method, reason: r.reason }).toEqual(expected);
  });

  it('the newest of two pins on one domain wins, whatever order the rules come in', () => {
    const older = rule({ id: 'r-old', type: 'pin-domain', domain: 'shared.com', accountId: SHARED_1, createdAt: '2026-10-01T00:00:00Z' });
    const newer = rule({ id: 'r-new', type: 'pin-domain', domain: 'shared.com', accountId: SHARED_2, createdAt: '2026-10-02T00:00:00Z' });
    expect(resolveOne(build([older, newer]), user('u', 'a@shared.com')).accountId).toBe(SHARED_2);
    expect(resolveOne(build([newer, older]), user('u', 'a@shared.com')).accountId).toBe(SHARED_2);
  });

  it('a pinned organization confers its domains to no account through its external_id', () => {
    const index = build([rule({ type: 'pin-organization', organizationId: 'o-gamma', accountId: BETA })]);
    expect(resolveOne(index, user('u', 'y@gamma-corp.com')).reason).toBe('unknown-domain');
  });

  it('an excluded person carries the exclusion to their Mixpanel events, even those with an account property', () => {
    const index = build([rule({ id: 'staff', type: 'exclude-domain', domain: 'tidemark-vendor.example' })]);
    const set = resolveAll(index, {
      zendeskOrganizations: [], zendeskUsers: [], zendeskTickets: [], surveyResponses: [],
      mixpanelProfiles: [profile('csm-1', 'csm@tidemark-vendor.example'), profile('cust-1', 'jo@acme.com')],
      mixpanelActivities: [activity('csm-1', ACME), activity('cust-1', BETA)],
    });
    expect(set.get('mixpanel.profile', 'csm-1')).toMatchObject({ reason: 'excluded', excludedBy: 'staff' });
    expect(set.get('mixpanel.activity', activity('csm-1', ACME).id)).toMatchObject({ accountId: null, reason: 'excluded' });
    expect(set.get('mixpanel.activity', activity('cust-1', BETA).id)).toMatchObject({ accountId: BETA, method: 'explicit-id' });
  });

  it('the rule chain names the rule, who made it, when and why', () => {
    const pin = rule({ id: 'rule-7', type: 'pin-domain', domain: 'shared.com', accountId: SHARED_2, createdBy: 'ana@revops', createdAt: '2026-10-05T12:00:00Z', reason: 'Shared is the parent company' });
    const r = resolveOne(build([pin]), user('u', 'a@shared.com'));
    expect(r.steps).toEqual([{ rule: 'manual', outcome: 'pinned', detail: `shared.com: rule rule-7 (pin-domain shared.com -> ${SHARED_2}) by ana@revops on 2026-10-05: Shared is the parent company` }]);
    const ex = resolveOne(build([rule({ id: 'rule-8', type: 'exclude-domain', domain: 'acme.com', createdBy: 'bo@revops', reason: 'our own staff' })]), user('u', 'x@acme.com'));
    expect(ex.steps?.[0]).toEqual({ rule: 'manual', outcome: 'excluded', detail: 'acme.com is excluded by rule rule-8 (exclude-domain acme.com) by bo@revops on 2026-11-01: our own staff' });
  });
});
