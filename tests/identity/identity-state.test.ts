/**
 * The identity state updated with a few changed records (src/identity/identity-state.ts) equals
 * the index and snapshot built from scratch over the same records, after every step of random
 * sequences of changes to Accounts (identity fields or not), Contacts, Zendesk organizations and
 * manual rules; the keys it reports are exactly those whose answer changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SalesforceAccount, SalesforceContact, ZendeskOrganization } from '../../src/contracts/records.ts';
import { IdentityState } from '../../src/identity/identity-state.ts';
import { buildIdentityIndex, type IdentityIndex, type ManualRule } from '../../src/identity/index.ts';
import { changedLookupKeys, identitySnapshot } from '../../src/identity/lookup-keys.ts';
import { account, contact, org, rule } from './fixtures.ts';

const ACCOUNT_IDS = ['001000000000001AAA', '001000000000002AAA', '001000000000003AAA', '001000000000004AAA'];
const ID_VALUES = [...ACCOUNT_IDS, '001000000000001', '001000000000009AAA', 'junk'];
const DOMAINS = ['acme.com', 'eu.acme.com', 'beta.co.uk', 'gmail.com', 'shared.com', 'bücher.de', 'xn--bcher-kva.de', 'N/A'];
const EMAILS = ['a@acme.com', 'B@acme.com', 'a@beta.co.uk', 'x@gmail.com', 'jo@bücher.de', 'jo@xn--bcher-kva.de', 'not-an-email'];

const idValue = fc.option(fc.constantFrom(...ID_VALUES), { nil: null });
const accountArb = fc
  .record({
    id: fc.constantFrom(...ACCOUNT_IDS),
    website: fc.option(fc.constantFrom(...DOMAINS), { nil: null }),
    extra: fc.array(fc.constantFrom(...DOMAINS), { maxLength: 2 }),
    deleted: fc.boolean(),
    master: fc.option(fc.constantFrom(...ACCOUNT_IDS), { nil: null }),
    employees: fc.nat(3),
  })
  .map((a) => account(a.id, a.website, { emailDomains: a.extra, isDeleted: a.deleted, masterRecordId: a.deleted ? a.master : null, employees: a.employees }));
const contactArb = fc
  .record({ id: fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5', 'c6'), accountId: idValue, email: fc.option(fc.constantFrom(...EMAILS), { nil: null }), deleted: fc.boolean(), title: fc.nat(2) })
  .map((c) => contact(c.id, c.accountId, c.email, { isDeleted: c.deleted && c.title === 0, lastName: String(c.title) }));
const orgArb = fc
  .record({ id: fc.constantFrom('o1', 'o2', 'o3'), domains: fc.array(fc.constantFrom(...DOMAINS), { maxLength: 3 }), externalId: idValue })
  .map((o) => org(o.id, o.domains, o.externalId));
const ruleArb = fc.oneof(
  fc.constantFrom(...ACCOUNT_IDS).map((a) => rule({ id: `x-${a}`, type: 'exclude-account', accountId: a })),
  fc.constantFrom(...DOMAINS).map((d) => rule({ id: `xd-${d}`, type: 'exclude-domain', domain: d })),
  fc.tuple(fc.constantFrom(...DOMAINS), fc.constantFrom(...ACCOUNT_IDS)).map(([d, a]) => rule({ id: `pd-${d}`, type: 'pin-domain', domain: d, accountId: a })),
  fc.tuple(fc.constantFrom('o1', 'o2', 'o3'), fc.constantFrom(...ACCOUNT_IDS)).map(([o, a]) => rule({ id: `po-${o}`, type: 'pin-organization', organizationId: o, accountId: a })),
);

const change = fc.oneof(
  { weight: 3, arbitrary: contactArb.map((c) => ({ contact: c })) },
  { weight: 1, arbitrary: fc.constantFrom('c1', 'c2', 'c3').map((id) => ({ goneContact: id })) },
  { weight: 2, arbitrary: orgArb.map((o) => ({ org: o })) },
  { weight: 1, arbitrary: fc.constantFrom('o1', 'o2').map((id) => ({ goneOrg: id })) },
  { weight: 2, arbitrary: accountArb.map((a) => ({ account: a })) },
  { weight: 1, arbitrary: fc.constantFrom(...ACCOUNT_IDS).map((id) => ({ goneAccount: id })) },
  { weight: 1, arbitrary: fc.array(ruleArb, { maxLength: 3 }).map((rules) => ({ rules })) },
);
type Change = { contact: SalesforceContact } | { goneContact: string } | { org: ZendeskOrganization } | { goneOrg: string } | { account: SalesforceAccount } | { goneAccount: string } | { rules: ManualRule[] };

/** The index maps resolution reads, comparable with toEqual. */
const view = (index: IdentityIndex) => ({
  accounts: [...index.accounts.keys()].sort(),
  merged: [...index.merged].sort(),
  deleted: [...index.deleted].sort(),
  domainOwners: [...index.domainOwners].map(([d, s]) => [d, [...s].sort()]).sort(),
  contactEmails: [...index.contactEmails].map(([e, s]) => [e, [...s].sort()]).sort(),
});

describe('identity state', () => {
  it('updated with changed records equals the index and snapshot built from scratch', () => {
    fc.assert(
      fc.property(fc.array(accountArb, { maxLength: 4 }), fc.array(contactArb, { maxLength: 6 }), fc.array(orgArb, { maxLength: 3 }), fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (accs, cons, orgs, steps) => {
        const accounts = new Map(accs.map((a) => [a.id, a]));
        const contacts = new Map(cons.map((c) => [c.id, c]));
        const organizations = new Map(orgs.map((o) => [o.id, o]));
        let rules: ManualRule[] = [];
        const state = new IdentityState({ accounts: accounts.values(), contacts: contacts.values(), organizations: organizations.values(), manualRules: rules });
        for (const step of steps as Change[][]) {
          const changed = { accounts: new Map<string, SalesforceAccount | null>(), contacts: new Map<string, SalesforceContact | null>(), organizations: new Map<string, ZendeskOrganization | null>() };
          for (const c of step) {
            if ('contact' in c) changed.contacts.set(c.contact.id, c.contact);
            else if ('goneContact' in c) changed.contacts.set(c.goneContact, null);
            else if ('org' in c) changed.organizations.set(c.org.id, c.org);
            else if ('goneOrg' in c) changed.organizations.set(c.goneOrg, null);
            else if ('account' in c) changed.accounts.set(c.account.id, c.account);
            else if ('goneAccount' in c) changed.accounts.set(c.goneAccount, null);
            else rules = c.rules;
          }
          const apply = <T>(map: Map<string, T>, changes: Map<string, T | null>): void => {
            for (const [id, r] of changes) if (r === null) map.delete(id);
            else map.set(id, r);
          };
          apply(accounts, changed.accounts);
          apply(contacts, changed.contacts);
          apply(organizations, changed.organizations);
          const before = new Map(state.snapshot);
          const keys = state.update({ ...changed, manualRules: rules });
          const fresh = buildIdentityIndex({ accounts: [...accounts.values()], contacts: [...contacts.values()], zendeskOrganizations: [...organizations.values()], manualRules: rules });
          const snapshot = identitySnapshot(fresh);
          expect(view(state.index)).toEqual(view(fresh));
          expect([...state.snapshot].sort()).toEqual([...snapshot].sort());
          expect([...keys].sort()).toEqual(changedLookupKeys(before, snapshot).sort());
          expect(state.size).toBe(accounts.size + contacts.size + organizations.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes a Contact change without a rebuild, and an Account identity change with one', () => {
    const acme = account('001000000000001AAA', 'acme.com');
    const state = new IdentityState({ accounts: [acme], contacts: [contact('c1', acme.id, 'jo@acme.com')], organizations: [], manualRules: [] });
    const index = state.index;
    const none = new Map();
    expect(state.update({ accounts: none, contacts: new Map([['c1', contact('c1', acme.id, 'al@acme.com')]]), organizations: none, manualRules: [] }).sort()).toEqual(['e:al@acme.com', 'e:jo@acme.com']);
    expect(state.index).toBe(index);
    expect(state.update({ accounts: new Map([[acme.id, { ...acme, employees: 9 }]]), contacts: none, organizations: none, manualRules: [] })).toEqual([]);
    expect(state.index).toBe(index);
    expect(state.index.accounts.get(acme.id)?.employees).toBe(9);
    expect(state.update({ accounts: new Map([[acme.id, { ...acme, isDeleted: true }]]), contacts: none, organizations: none, manualRules: [] }).sort()).toEqual(['a:001000000000001AAA', 'd:acme.com', 'e:al@acme.com']);
    expect(state.index).not.toBe(index);
  });
});
