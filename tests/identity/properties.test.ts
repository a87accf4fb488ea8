/**
 * Properties over random small worlds (accounts with messy Websites, merges and deletions,
 * contacts, organizations, manual rules, and records of every kind): resolution never matches an
 * account that is not live in the index (nor an excluded one), is deterministic and independent of
 * input order, and every result is well-formed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildIdentityIndex, resolveAll, type ManualRule, type RecordsToResolve, type ResolutionSet } from '../../src/identity/index.ts';
import { account, activity, contact, org, profile, rule, survey, ticket, user } from './fixtures.ts';

const ACCOUNT_IDS = ['001000000000001AAA', '001000000000002AAA', '001000000000003AAA', '001000000000004AAA', '001000000000005AAA'];
const ID_VALUES = [...ACCOUNT_IDS, '001000000000001', '001000000000009AAA', '001000000000002aaa', 'junk', '003000000000001AAA'];
const DOMAINS = ['acme.com', 'eu.acme.com', 'beta.co.uk', 'gmail.com', 'shared.com', 'bücher.de', 'xn--bcher-kva.de', 'x.github.io', 'nowhere.org', 'N/A'];

const idValue = fc.option(fc.constantFrom(...ID_VALUES), { nil: null });
const email = fc.option(
  fc.oneof(fc.tuple(fc.constantFrom('a', 'B', 'jo.x'), fc.constantFrom(...DOMAINS)).map(([l, d]) => `${l}@${d}`), fc.constant('not-an-email')),
  { nil: null },
);
const small = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { maxLength: 6 });
const refId = fc.option(fc.constantFrom('1', '2', '3', '4'), { nil: null });

const world = fc.record({
  accounts: fc.array(
    fc.record({
      id: fc.constantFrom(...ACCOUNT_IDS),
      website: fc.option(fc.constantFrom(...DOMAINS.map((d) => `https://WWW.${d}/x`), ...DOMAINS), { nil: null }),
      extra: small(fc.constantFrom(...DOMAINS)),
      deleted: fc.boolean(),
      master: fc.option(fc.constantFrom(...ACCOUNT_IDS), { nil: null }),
    }),
    { maxLength: 6 },
  ),
  contacts: small(fc.record({ accountId: idValue, email })),
  orgs: small(fc.record({ id: fc.constantFrom('1', '2', '3', '4'), domains: small(fc.constantFrom(...DOMAINS)), externalId: idValue })),
  users: small(fc.record({ id: fc.constantFrom('1', '2', '3', '4'), email, org: refId, externalId: idValue })),
  tickets: small(fc.record({ id: fc.constantFrom('1', '2', '3'), org: refId, requester: refId })),
  profiles: small(fc.record({ id: fc.constantFrom('p1', 'p2', 'p3'), email, accountId: idValue })),
  activities: small(fc.record({ distinctId: fc.constantFrom('p1', 'p2', 'p3', 'p4'), accountId: idValue })),
  surveys: small(fc.record({ id: fc.constantFrom('s1', 's2'), email, accountId: idValue })),
  rules: small(fc.oneof(
    fc.record({ type: fc.constant('pin-domain' as const), domain: fc.constantFrom(...DOMAINS.filter((d) => d !== 'N/A')), accountId: fc.constantFrom(...ACCOUNT_IDS) }),
    fc.record({ type: fc.constant('pin-organization' as const), organizationId: fc.constantFrom('1', '2'), accountId: fc.constantFrom(...ACCOUNT_IDS) }),
    fc.record({ type: fc.constant('pin-record' as const), recordKind: fc.constant('zendesk.user' as const), recordId: fc.constantFrom('1', '2'), accountId: fc.constantFrom(...ACCOUNT_IDS) }),
    fc.record({ type: fc.constant('exclude-domain' as const), domain: fc.constantFrom(...DOMAINS.filter((d) => d !== 'N/A')) }),
    fc.record({ type: fc.constant('exclude-account' as const), accountId: fc.constantFrom(...ACCOUNT_IDS) }),
  )),
});
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function materialize(w: World) {
  const accounts = w.accounts.map((a) => account(a.id, a.website, { emailDomains: a.extra, isDeleted: a.deleted, masterRecordId: a.master }));
  const contacts = w.contacts.map((c, i) => contact(`003${i}`, c.accountId, c.email));
  const manualRules: ManualRule[] = w.rules.map((r, i) => rule({ ...r, id: `r${i}`, createdAt: `2026-10-0${(i % 9) + 1}T00:00:00Z` }));
  const zendeskOrganizations = w.orgs.map((o) => org(o.id, o.domains, o.externalId));
  const records: RecordsToResolve = {
    zendeskOrganizations,
    zendeskUsers: w.users.map((u) => user(u.id, u.email, u.org, u.externalId)),
    zendeskTickets: w.tickets.map((t) => ticket(t.id, t.org, t.requester)),
    mixpanelProfiles: w.profiles.map((p) => profile(p.id, p.email, p.accountId)),
    mixpanelActivities: w.activities.map((a) => activity(a.distinctId, a.accountId)),
    surveyResponses: w.surveys.map((s) => survey(s.id, s.email, s.accountId)),
  };
  return { accounts, contacts, manualRules, zendeskOrganizations, records };
}

const snapshot = (set: ResolutionSet) => [...set.maps.entries()].map(([kind, m]) => [kind, [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
const reversed = <T>(xs: T[]): T[] => [...xs].reverse();

describe('identity properties', () => {
  it('never matches an account that is not live in the index, nor an excluded one; every result is well-formed', () => {
    fc.assert(fc.property(world, (w) => {
      const m = materialize(w);
      const index = buildIdentityIndex(m);
      const set = resolveAll(index, m.records);
      for (const map of set.maps.values()) {
        for (const r of map.values()) {
          if (r.accountId !== null) {
            expect(index.accounts.has(r.accountId)).toBe(true);
            expect(index.excludedAccounts.has(r.accountId)).toBe(false);
            expect(r.method).not.toBeNull();
            expect(r.reason).toBeNull();
          } else {
            expect(r.method).toBeNull();
            expect(r.reason).not.toBeNull();
          }
          if (r.reason === 'ambiguous-contact' || (r.reason === 'ambiguous-domain' && r.kind !== 'zendesk.ticket')) expect(r.candidates.length).toBeGreaterThan(1);
        }
      }
    }), { numRuns: 300 });
  });

  it('is deterministic and independent of the order of accounts, contacts, rules and records', () => {
    fc.assert(fc.property(world, (w) => {
      const m = materialize(w);
      const first = snapshot(resolveAll(buildIdentityIndex(m), m.records));
      const again = snapshot(resolveAll(buildIdentityIndex(m), m.records));
      expect(again).toEqual(first);
      // Accounts keep their order: one id listed twice with different Websites is a conflict in the input itself.
      // Records of a kind are de-duplicated first, since a later copy of a record replaces an earlier one.
      const unique = <T extends { id: string }>(xs: T[]): T[] => xs.filter((x, i) => xs.findIndex((y) => y.id === x.id) === i);
      const r = { ...m.records, zendeskOrganizations: unique(m.records.zendeskOrganizations), zendeskUsers: unique(m.records.zendeskUsers), zendeskTickets: unique(m.records.zendeskTickets), mixpanelProfiles: unique(m.records.mixpanelProfiles), surveyResponses: unique(m.records.surveyResponses) };
      const inOrder = snapshot(resolveAll(buildIdentityIndex(m), r));
      const shuffledIndex = buildIdentityIndex({ accounts: m.accounts, contacts: reversed(m.contacts), zendeskOrganizations: reversed(m.zendeskOrganizations), manualRules: reversed(m.manualRules) });
      const shuffled = snapshot(resolveAll(shuffledIndex, {
        zendeskOrganizations: reversed(r.zendeskOrganizations),
        zendeskUsers: reversed(r.zendeskUsers),
        zendeskTickets: reversed(r.zendeskTickets),
        mixpanelProfiles: reversed(r.mixpanelProfiles),
        mixpanelActivities: reversed(r.mixpanelActivities),
        surveyResponses: reversed(r.surveyResponses),
      }));
      expect(shuffled).toEqual(inOrder);
    }), { numRuns: 200 });
  });
});
