/** Bulk resolution in dependency order, the parent rule, counts, and the explained rule chain. */
import { describe, expect, it } from 'vitest';
import { buildIdentityIndex, parentsOf, resolveAll, resolveOne, type RecordsToResolve } from '../../src/identity/index.ts';
import { ACCOUNTS, ACME, BETA, CONTACTS, GAMMA, ORGS, SHARED_1, SHARED_2, STALE, activity, org, profile, survey, ticket, user } from './fixtures.ts';

const index = buildIdentityIndex({ accounts: ACCOUNTS, contacts: CONTACTS, zendeskOrganizations: ORGS, manualRules: [] });
const none: RecordsToResolve = { zendeskOrganizations: [], zendeskUsers: [], zendeskTickets: [], mixpanelProfiles: [], mixpanelActivities: [], surveyResponses: [] };

const records: RecordsToResolve = {
  zendeskOrganizations: [org('o-acme', ['acme.com'], ACME), org('o-nobody', ['nobody.example']), org('o-shared', ['shared.com'])],
  zendeskUsers: [
    user('u-free', 'someone@gmail.com', 'o-acme'),
    user('u-beta', 'x@beta.co.uk', 'o-nobody'),
    user('u-own-id', 'x@beta.co.uk', 'o-acme', GAMMA),
    user('u-orphan', 'y@gmail.com', 'o-missing'),
  ],
  zendeskTickets: [
    ticket('t-org', 'o-acme', 'u-beta'),
    ticket('t-requester', 'o-nobody', 'u-beta'),
    ticket('t-none', null, null),
    ticket('t-shared', 'o-shared', null),
    ticket('t-missing', 'o-missing', 'u-missing'),
  ],
  mixpanelProfiles: [profile('p-acme', 'x@acme.io'), profile('p-free', 'y@gmail.com')],
  mixpanelActivities: [activity('p-acme'), activity('p-free'), activity('p-free', BETA), activity('p-acme', STALE), activity('p-unknown')],
  surveyResponses: [survey('s1', 'partner@acme.com')],
};

describe('resolveAll', () => {
  // Children are listed before their parents' kinds in no particular order: resolveAll orders them itself.
  const set = resolveAll(index, records);
  const pick = (kind: Parameters<typeof set.get>[0], id: string) => {
    const r = set.get(kind, id);
    return { accountId: r?.accountId ?? null, by: r?.method ?? r?.reason, candidates: r?.candidates ?? [] };
  };

  it.each([
    ['user takes its organization account over its free-mail email', 'zendesk.user', 'u-free', ACME, 'parent'],
    ['user in an unmatched organization falls through to its domain', 'zendesk.user', 'u-beta', BETA, 'domain'],
    ['user explicit id comes before its organization', 'zendesk.user', 'u-own-id', GAMMA, 'explicit-id'],
    ['user in an organization that was not pulled', 'zendesk.user', 'u-orphan', null, 'free-mail-domain'],
    ['ticket takes its organization account', 'zendesk.ticket', 't-org', ACME, 'parent'],
    ['ticket in an unmatched organization takes its requester account', 'zendesk.ticket', 't-requester', BETA, 'parent'],
    ['ticket without organization or requester', 'zendesk.ticket', 't-none', null, 'no-key'],
    ['ticket of an ambiguous organization inherits the reason', 'zendesk.ticket', 't-shared', null, 'ambiguous-domain'],
    ['ticket whose parents were not pulled', 'zendesk.ticket', 't-missing', null, 'no-key'],
    ['activity takes its profile account (matched by distinct id)', 'mixpanel.activity', activity('p-acme').id, ACME, 'parent'],
    ['activity of a free-mail profile', 'mixpanel.activity', activity('p-free').id, null, 'free-mail-domain'],
    ['activity explicit id comes before its profile', 'mixpanel.activity', activity('p-free', BETA).id, BETA, 'explicit-id'],
    ['activity with a stale id falls through to its profile', 'mixpanel.activity', activity('p-acme', STALE).id, ACME, 'parent'],
    ['activity without a profile', 'mixpanel.activity', activity('p-unknown').id, null, 'no-key'],
    ['survey by contact email', 'surveys.response', 's1', GAMMA, 'contact-email'],
  ] as const)('%s', (_name, kind, id, accountId, by) => {
    expect(pick(kind, id)).toMatchObject({ accountId, by });
  });

  it('a ticket of an ambiguous organization carries its candidates', () => {
    expect(pick('zendesk.ticket', 't-shared').candidates).toEqual([SHARED_1, SHARED_2]);
  });

  it('counts per method and reason, overall and per kind, and exposes per-kind maps', () => {
    expect(set.counts.matched + set.counts.unmatched).toBe(20);
    expect(set.counts.byMethod).toEqual({ 'explicit-id': 3, parent: 5, domain: 2, 'contact-email': 1 });
    expect(set.counts.byReason).toEqual({ 'free-mail-domain': 3, 'no-key': 3, 'ambiguous-domain': 2, 'unknown-domain': 1 });
    expect(set.countsByKind.get('zendesk.ticket')).toEqual({ matched: 2, unmatched: 3, byMethod: { parent: 2 }, byReason: { 'no-key': 2, 'ambiguous-domain': 1 } });
    expect(set.maps.get('zendesk.user')?.size).toBe(4);
    expect(set.byKind('surveys.response').map((r) => r.id)).toEqual(['s1']);
  });

  it('builds no rule chain in bulk', () => {
    for (const kind of set.maps.keys()) for (const r of set.byKind(kind)) expect(r.steps).toBeUndefined();
  });

  it('a record given twice: the later copy is kept, both are counted', () => {
    const twice = resolveAll(index, { ...none, zendeskUsers: [user('u', 'x@gmail.com'), user('u', 'x@acme.com')] });
    expect(twice.get('zendesk.user', 'u')).toMatchObject({ accountId: ACME, method: 'domain' });
    expect(twice.counts).toEqual({ matched: 1, unmatched: 1, byMethod: { domain: 1 }, byReason: { 'free-mail-domain': 1 } });
  });
});

describe('resolve --explain: the rule chain', () => {
  const set = resolveAll(index, records);
  const chain = (r: { steps?: Array<{ rule: string; outcome: string }> }) => r.steps?.map((s) => `${s.rule}:${s.outcome}`);

  it('stale id, then a domain match', () => {
    const r = resolveOne(index, org('o9', ['beta.co.uk'], STALE));
    expect(chain(r)).toEqual(['manual:no rule', 'explicit-id:stale', 'domain:matched']);
    expect(r.steps?.[1]?.detail).toBe(`organization external_id ${STALE} names no existing Account`);
    expect(r.steps?.[2]?.detail).toBe(`beta.co.uk owned by ${BETA}`);
  });

  it('15-character id conversion is shown', () => {
    const r = resolveOne(index, org('o', [], '001000000000001'));
    expect(r.steps?.[1]).toEqual({ rule: 'explicit-id', outcome: 'matched', detail: `organization external_id 001000000000001 (15 characters) = ${ACME}` });
  });

  it('a ticket through its unmatched organization to its requester', () => {
    const r = resolveOne(index, ticket('t-requester', 'o-nobody', 'u-beta'), parentsOf(set));
    expect(r.steps).toEqual([
      { rule: 'manual', outcome: 'no rule', detail: 'no manual rules are defined' },
      { rule: 'parent', outcome: 'unmatched', detail: 'organization o-nobody is unmatched (unknown-domain)' },
      { rule: 'parent', outcome: 'matched', detail: `requester u-beta resolved to ${BETA} by domain` },
    ]);
  });

  it('a free-mail user with no organization', () => {
    const r = resolveOne(index, user('u', 'Someone@Gmail.com'));
    expect(chain(r)).toEqual(['manual:no rule', 'explicit-id:none', 'parent:none', 'contact-email:no contact', 'domain:free-mail']);
    expect(r.steps?.[4]?.detail).toBe('gmail.com is a free-mail provider: never matched by domain');
  });

  it('ambiguous contact stops before the domain', () => {
    const r = resolveOne(index, survey('s', 'dup@x-corp.com'));
    expect(chain(r)).toEqual(['manual:no rule', 'explicit-id:none', 'contact-email:ambiguous']);
    expect(r.steps?.[2]?.detail).toBe(`dup@x-corp.com is a Contact of 2 accounts: ${ACME}, ${BETA}`);
  });

  it('a parent that was not pulled is named', () => {
    const r = resolveOne(index, activity('p-gone'));
    expect(r.steps?.find((s) => s.rule === 'parent')).toEqual({ rule: 'parent', outcome: 'missing', detail: 'profile p-gone is not among the pulled records' });
  });

  it('explaining gives the same result as bulk resolution', () => {
    for (const kind of set.maps.keys()) {
      for (const bulk of set.byKind(kind)) {
        const all = [...records.zendeskOrganizations, ...records.zendeskUsers, ...records.zendeskTickets, ...records.mixpanelProfiles, ...records.mixpanelActivities, ...records.surveyResponses];
        const record = all.find((x) => x.kind === kind && x.id === bulk.id);
        if (!record) throw new Error(`no record ${kind}:${bulk.id}`);
        const { steps, ...explained } = resolveOne(index, record, parentsOf(set));
        expect(steps?.length).toBeGreaterThan(0);
        expect(explained).toEqual(bulk);
      }
    }
  });
});

describe('resolveOne(index, kind, record, parents): the explain form', () => {
  const set = resolveAll(index, records);

  it('takes the kind first, builds the rule chain, and looks parents up in a ResolutionSet', () => {
    const r = resolveOne(index, 'zendesk.ticket', ticket('t-org', 'o-acme', 'u-beta'), set);
    expect(r).toMatchObject({ kind: 'zendesk.ticket', id: 't-org', accountId: ACME, method: 'parent', reason: null, candidates: [] });
    expect(r.steps?.map((s) => `${s.rule}:${s.outcome}`)).toEqual(['manual:no rule', 'parent:matched']);
  });

  it('accepts parent lookups, and explains even without parents', () => {
    expect(resolveOne(index, 'mixpanel.activity', activity('p-acme'), parentsOf(set))).toMatchObject({ accountId: ACME, method: 'parent' });
    const alone = resolveOne(index, 'mixpanel.activity', activity('p-acme'));
    expect(alone).toMatchObject({ accountId: null, reason: 'no-key' });
    expect(alone.steps?.length).toBeGreaterThan(0);
  });

  it('gives the same result as the record-first form and as bulk resolution', () => {
    const u = user('u-free', 'someone@gmail.com', 'o-acme');
    const { steps: _a, ...kindFirst } = resolveOne(index, 'zendesk.user', u, set);
    const { steps: _b, ...recordFirst } = resolveOne(index, u, set);
    expect(kindFirst).toEqual(recordFirst);
    expect(kindFirst).toEqual(set.get('zendesk.user', 'u-free'));
    expect(resolveOne(index, u, set, false).steps).toBeUndefined();
  });

  it('refuses a record of another kind than the one named', () => {
    const wrong = survey('s', 'x@acme.com') as unknown as Parameters<typeof resolveOne<'zendesk.user'>>[2];
    expect(() => resolveOne(index, 'zendesk.user', wrong)).toThrow(/not a zendesk.user/);
  });
});
