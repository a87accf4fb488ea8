/** The rules of contracts.md section 2, one named case per rule and per trap. */
import { describe, expect, it } from 'vitest';
import { buildIdentityIndex, resolveOne, type ResolvableRecord } from '../../src/identity/index.ts';
import {
  ACCOUNTS, ACME, BETA, BUCH, CONTACTS, DELETED, GAMMA, MERGED, ORGS, PAGES, SHARED_1, SHARED_2, STALE, account, org, profile, survey, user,
} from './fixtures.ts';

const ARG = '001000000000010AAA';
const index = buildIdentityIndex({ accounts: [...ACCOUNTS, account(ARG, 'https://www.acme.com.ar')], contacts: CONTACTS, zendeskOrganizations: ORGS, manualRules: [] });

type Expected = { accountId: string | null; method: string | null; reason: string | null; candidates?: string[] };
const matched = (accountId: string, method: string): Expected => ({ accountId, method, reason: null });
const unmatched = (reason: string, candidates: string[] = []): Expected => ({ accountId: null, method: null, reason, candidates });

const cases: Array<[string, ResolvableRecord, Expected]> = [
  // 1. Explicit id
  ['explicit id: Zendesk organization external_id', org('x1', [], ACME), matched(ACME, 'explicit-id')],
  ['explicit id: Zendesk user external_id beats its email domain', user('x2', 'jo@beta.co.uk', null, ACME), matched(ACME, 'explicit-id')],
  ['explicit id: Mixpanel profile account property', profile('x3', null, BETA), matched(BETA, 'explicit-id')],
  ['explicit id: survey account_id beats a free-mail email', survey('x4', 'z@gmail.com', ACME), matched(ACME, 'explicit-id')],
  ['explicit id: 15-character id converted to 18', org('x5', [], '001000000000001'), matched(ACME, 'explicit-id')],
  ['explicit id: lower-cased 18-character id', org('x6', [], ACME.toLowerCase()), matched(ACME, 'explicit-id')],
  ['explicit id: merged account resolves to its master', org('x7', [], MERGED), matched(BETA, 'explicit-id')],
  ['explicit id: stale id falls through to the domain', org('x8', ['beta.co.uk'], STALE), matched(BETA, 'domain')],
  ['explicit id: stale id falls through to the contact email', user('x9', 'partner@acme.com', null, STALE), matched(GAMMA, 'contact-email')],
  ['explicit id: stale id and nothing else', org('x10', [], STALE), unmatched('stale-id')],
  ['explicit id: deleted account id is stale', org('x11', [], DELETED), unmatched('stale-id')],
  ['explicit id: a value that is no Account id is ignored', user('x12', null, null, 'customer-42'), unmatched('no-key')],
  ['explicit id: a Contact id is no Account id', user('x13', 'x@beta.co.uk', null, '003000000000001'), matched(BETA, 'domain')],
  // 3. Contact email
  ['contact email: exact, case and blanks ignored on both sides', survey('c1', '  PARTNER@acme.com'), matched(GAMMA, 'contact-email')],
  ['contact email: partner consultant whose domain belongs to another customer -> contact wins', user('c2', 'partner@acme.com'), matched(GAMMA, 'contact-email')],
  ['contact email: Contact with a 15-character AccountId', profile('c3', 'ceo@gamma-corp.com'), matched(GAMMA, 'contact-email')],
  ['contact email: free-mail address that is a Contact matches exactly', user('c4', 'solo.founder@gmail.com'), matched(BETA, 'contact-email')],
  ['contact email: shared by Contacts of two accounts -> ambiguous-contact, no fall-through', user('c5', 'dup@x-corp.com'), unmatched('ambiguous-contact', [ACME, BETA])],
  ['contact email: Contact of a deleted account does not count', user('c6', 'gone@deleted-co.com'), unmatched('unknown-domain')],
  ['contact email: deleted Contact does not count', user('c7', 'deleted-contact@elsewhere.com'), unmatched('unknown-domain')],
  ['contact email: Contact still on a merged account counts for the master', user('c8', 'moved@merged-old.com'), matched(BETA, 'contact-email')],
  // 4. Domain
  ['domain: email domain owned through Website', user('d1', 'jo@acme.com'), matched(ACME, 'domain')],
  ['domain: subdomain eu.acme.co.uk -> acme.co.uk', user('d2', 'jo@eu.beta.co.uk'), matched(BETA, 'domain')],
  ['domain: owned through CS_Email_Domains__c', user('d3', 'x@acme.io'), matched(ACME, 'domain')],
  ['domain: CS_Email_Domains__c value in upper case', survey('d4', 'x@acme-group.de'), matched(ACME, 'domain')],
  ['domain: owned through a Zendesk organization linked by explicit id', user('d5', 'y@gamma-corp.com'), matched(GAMMA, 'domain')],
  ['domain: IDN email bücher.de matches Website in Unicode', survey('d6', 'kunde@bücher.de'), matched(BUCH, 'domain')],
  ['domain: punycode email xn--bcher-kva.de matches Website in Unicode', survey('d7', 'kunde@xn--bcher-kva.de'), matched(BUCH, 'domain')],
  ['domain: organization with several domains of one account', org('d8', ['acme.com', 'acme.io', 'www.acme-group.de']), matched(ACME, 'domain')],
  ['domain: organization with a known and an unknown domain', org('d9', ['acme.com', 'unknown-elsewhere.com']), matched(ACME, 'domain')],
  ['domain: organization with domains of two accounts -> ambiguous-domain', org('d10', ['acme.com', 'beta.co.uk']), unmatched('ambiguous-domain', [ACME, BETA])],
  ['domain: shared domain -> ambiguous-domain with both candidates', user('d11', 'a@shared.com'), unmatched('ambiguous-domain', [SHARED_1, SHARED_2])],
  ['domain: free-mail user is never matched by domain', user('d12', 'someone@gmail.com'), unmatched('free-mail-domain')],
  ['domain: free-mail subdomain', profile('d13', 'someone@mail.yahoo.com'), unmatched('free-mail-domain')],
  ['domain: unknown domain', user('d14', 'a@unknown-elsewhere.com'), unmatched('unknown-domain')],
  ['domain: Website N/A owns nothing', user('d15', 'x@n-a.com'), unmatched('unknown-domain')],
  ['domain: a deleted account owns nothing', user('d16', 'x@deleted-co.com'), unmatched('unknown-domain')],
  ['domain: a merged account owns nothing of its own', user('d17', 'x@merged-old.com'), unmatched('unknown-domain')],
  ['domain: organization linked by a stale id confers no ownership', user('d18', 'x@stale-org.com'), unmatched('unknown-domain')],
  ['domain: company under a public suffix the free-mail list names (com.ar)', user('d20', 'jo@ventas.acme.com.ar'), matched(ARG, 'domain')],
  ['domain: private suffix: Website on github.io owns only github.io, not the subdomain', user('d19', 'x@acme-docs.github.io'), matched(PAGES, 'domain')],
  // 5. Unmatched reasons
  ['unmatched: invalid email', user('u1', 'not-an-email'), unmatched('invalid-email')],
  ['unmatched: invalid email after a stale id', survey('u2', 'jo at acme', STALE), unmatched('invalid-email')],
  ['unmatched: no key at all', user('u3', null), unmatched('no-key')],
  ['unmatched: blank email is no key', survey('u4', '   '), unmatched('no-key')],
  ['unmatched: organization without id and domains', org('u5', []), unmatched('no-key')],
  ['unmatched: organization whose domains are placeholders', org('u6', ['N/A', '']), unmatched('no-key')],
  ['unmatched: organization with a free-mail domain only', org('u7', ['gmail.com']), unmatched('free-mail-domain')],
];

describe('rules, first match wins', () => {
  it.each(cases)('%s', (_name, record, expected) => {
    const r = resolveOne(index, record);
    const got: Expected = { accountId: r.accountId, method: r.method, reason: r.reason };
    if (expected.candidates !== undefined) got.candidates = r.candidates;
    expect(got).toEqual(expected);
  });
});

describe('CRM edge cases', () => {
  const ids = (accounts: ReturnType<typeof account>[]) => buildIdentityIndex({ accounts, contacts: [], zendeskOrganizations: [], manualRules: [] });

  it('an account listed both deleted and live is live', () => {
    const idx = ids([account(ACME, null, { isDeleted: true }), account(ACME, 'acme.com')]);
    expect(resolveOne(idx, org('z', [], ACME)).accountId).toBe(ACME);
  });

  it('merges are followed through a chain to the live master', () => {
    const idx = ids([account(MERGED, null, { isDeleted: true, masterRecordId: GAMMA }), account(GAMMA, null, { isDeleted: true, masterRecordId: '001000000000002' }), account(BETA, null)]);
    const r = resolveOne(idx, org('z', [], MERGED));
    expect(r.accountId).toBe(BETA);
    expect(r.steps?.find((s) => s.rule === 'explicit-id')?.detail).toContain(`merged into ${GAMMA}, merged into ${BETA}`);
  });

  it('a merge into a deleted master is stale', () => {
    const idx = ids([account(MERGED, null, { isDeleted: true, masterRecordId: DELETED }), account(DELETED, null, { isDeleted: true })]);
    expect(resolveOne(idx, org('z', [], MERGED)).reason).toBe('stale-id');
  });

  it('a merge cycle does not hang and is stale', () => {
    const idx = ids([account(MERGED, null, { isDeleted: true, masterRecordId: DELETED }), account(DELETED, null, { isDeleted: true, masterRecordId: MERGED })]);
    expect(resolveOne(idx, org('z', [], MERGED)).reason).toBe('stale-id');
  });

  it('accounts given with 15-character ids are indexed by their 18-character id', () => {
    const idx = ids([account('001D000000IqhSL', 'acme.com')]);
    expect(resolveOne(idx, user('z', 'jo@acme.com')).accountId).toBe('001D000000IqhSLIAZ');
    expect(resolveOne(idx, org('y', [], '001D000000IqhSLIAZ')).accountId).toBe('001D000000IqhSLIAZ');
  });

  it('a free-mail domain listed on an account (CS_Email_Domains__c = gmail.com) still never matches by domain', () => {
    const idx = buildIdentityIndex({ accounts: [account(ACME, 'https://gmail.com', { emailDomains: ['gmail.com'] })], contacts: [], zendeskOrganizations: [org('o', ['hotmail.com'], ACME)], manualRules: [] });
    expect(resolveOne(idx, user('z', 'anyone@gmail.com')).reason).toBe('free-mail-domain');
    expect(resolveOne(idx, org('y', ['hotmail.com'])).reason).toBe('free-mail-domain');
  });

  it('two accounts whose Websites are on the same private suffix make it ambiguous', () => {
    const idx = ids([account(ACME, 'acme.github.io'), account(BETA, 'beta.github.io')]);
    expect(resolveOne(idx, org('z', ['gamma.github.io'])).reason).toBe('ambiguous-domain');
  });
});
