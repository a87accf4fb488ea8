/** Lookup keys: what a record's resolution reads, and what the identity index answers for each key. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activityId, type MixpanelActivity } from '../../src/contracts/records.ts';
import { buildIdentityIndex } from '../../src/identity/index.ts';
import { activityIdentity, activityLookupKeys, changedLookupKeys, identitySnapshot, lookupKeysOf } from '../../src/identity/lookup-keys.ts';
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

describe('activityIdentity (a stored activity read from its id, confirmed by its text)', () => {
  const identityOf = (a: Pick<MixpanelActivity, 'id' | 'distinctId' | 'accountId'>): unknown => ({ id: a.id, distinctId: a.distinctId, accountId: a.accountId });
  // Pipes and quotes in the distinct id, the account property and the event names; names that
  // spell another record's keys; ids that do not match the record (written by hand).
  const text = fc.constantFrom('d1', 'a|b', '|', '"', '\\"accountId\\":null', '"accountId":"x"', 'x"distinctId":"d1"', '', 'é');
  it('equals the parsed record\'s distinct id and account property for any stored activity', () => {
    fc.assert(
      fc.property(text, fc.option(text, { nil: null }), fc.array(text, { maxLength: 3 }), fc.option(fc.tuple(text, fc.option(text, { nil: null })), { nil: null }), (distinctId, accountId, eventNames, otherId) => {
        const id = otherId === null ? activityId('2026-11-01', distinctId, accountId) : activityId('2026-11-01', otherId[0], otherId[1]);
        const record: MixpanelActivity = { kind: 'mixpanel.activity', id, day: '2026-11-01', distinctId, accountId, eventCount: 3, eventNames, firstAt: 1, lastAt: 2 };
        const got = activityIdentity(id, JSON.stringify(record));
        expect(identityOf(got)).toEqual(identityOf(record));
        expect(lookupKeysOf(got)).toEqual(lookupKeysOf(record));
      }),
      { numRuns: 2000 },
    );
  });
  it('reads the id without parsing when the text confirms it, and parses when it cannot', () => {
    const plain: MixpanelActivity = { kind: 'mixpanel.activity', id: activityId('2026-11-01', 'd1', null), day: '2026-11-01', distinctId: 'd1', accountId: null, eventCount: 3, eventNames: ['Login'] };
    expect(activityIdentity(plain.id, JSON.stringify(plain))).toMatchObject({ eventNames: [], eventCount: 0 });
    // The account property holds a pipe: the id splits wrongly, so the text is parsed.
    const piped: MixpanelActivity = { ...plain, id: activityId('2026-11-01', 'd1', 'x|y'), accountId: 'x|y' };
    expect(activityIdentity(piped.id, JSON.stringify(piped))).toEqual(piped);
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
