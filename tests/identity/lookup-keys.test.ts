/** Lookup keys: what a record's resolution reads, and what the identity index answers for each key. */
import { describe, expect, it } from 'vitest';
import { buildIdentityIndex } from '../../src/identity/index.ts';
import { activityLookupKeys, changedLookupKeys, identitySnapshot, lookupKeysOf } from '../../src/identity/lookup-keys.ts';
import { ACME, BETA, account, activity, contact, org, profile, rule, ticket, user } from './fixtures.ts';

describe('lookupKeysOf', () => {
  it('lists explicit account ids (18 characters), email, email domain, organization domains and parents', () => {
    expect(lookupKeysOf(profile('d1', ' Jane@WWW.Acme.com ', ACME.slice(0, 15)))).toEqual([`a:${ACME}`, 'd:acme.com', 'e:jane@www.acme.com']);
    expect(lookupKeysOf(user('u1', 'bob@beta.co.uk', 'o1'))).toEqual(['d:beta.co.uk', 'e:bob@beta.co.uk', 'o:o1']);
    expect(lookupKeysOf(ticket('t1', 'o1', 'u1'))).toEqual(['o:o1', 'u:u1']);
    expect(lookupKeysOf(org('o1', ['https://acme.com/x', 'not a domain'], 'not-an-id'))).toEqual(['d:acme.com']);
    expect(lookupKeysOf(activity('d1', BETA))).toEqual([`a:${BETA}`, 'p:d1']);
  });

  it('an activity id gives the keys of the activity (ids with | in the distinct id too)', () => {
    for (const a of [activity('d1', null), activity('d1', BETA), activity('a|b|c', ACME), activity('', null)]) expect(activityLookupKeys(a.id)).toEqual(lookupKeysOf(a));
    expect(activityLookupKeys('no-day')).toBeNull();
  });
});

describe('identitySnapshot', () => {
  it('changes exactly on the keys a CRM or rule change answers differently', () => {
    const base = { accounts: [account(ACME, 'acme.com'), account(BETA, 'beta.io')], contacts: [contact('003a', ACME, 'jane@x.com')], zendeskOrganizations: [], manualRules: [] };
    const before = identitySnapshot(buildIdentityIndex(base));
    const website = identitySnapshot(buildIdentityIndex({ ...base, accounts: [account(ACME, 'acme.com'), account(BETA, 'acme.com')] }));
    expect(changedLookupKeys(before, website).sort()).toEqual(['d:acme.com', 'd:beta.io']);
    const moved = identitySnapshot(buildIdentityIndex({ ...base, contacts: [contact('003a', BETA, 'jane@x.com')] }));
    expect(changedLookupKeys(before, moved)).toEqual(['e:jane@x.com']);
    const merged = identitySnapshot(buildIdentityIndex({ ...base, accounts: [account(ACME, 'acme.com', { isDeleted: true, masterRecordId: BETA }), account(BETA, 'beta.io')] }));
    expect(changedLookupKeys(before, merged).sort()).toEqual([`a:${ACME}`, 'd:acme.com', 'e:jane@x.com']);
    const pinned = identitySnapshot(buildIdentityIndex({ ...base, manualRules: [rule({ type: 'pin-record', recordKind: 'zendesk.user', recordId: 'u1', accountId: BETA })] }));
    expect(changedLookupKeys(before, pinned)).toEqual(['pin:zendesk.user:u1']);
    expect(changedLookupKeys(before, identitySnapshot(buildIdentityIndex(base)))).toEqual([]);
  });
});
