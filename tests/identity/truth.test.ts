/** Precision and recall against a ground truth. */
import { describe, expect, it } from 'vitest';
import { buildIdentityIndex, evaluateTruth, resolveAll } from '../../src/identity/index.ts';
import { ACCOUNTS, ACME, BETA, CONTACTS, GAMMA, ORGS, user } from './fixtures.ts';

const index = buildIdentityIndex({ accounts: ACCOUNTS, contacts: CONTACTS, zendeskOrganizations: ORGS, manualRules: [] });
const set = resolveAll(index, {
  zendeskOrganizations: [], zendeskTickets: [], mixpanelProfiles: [], mixpanelActivities: [], surveyResponses: [],
  zendeskUsers: [user('right', 'x@acme.io'), user('wrong', 'y@beta.co.uk'), user('missed', 'z@gmail.com'), user('none', 'w@gmail.com'), user('spurious', 'v@acme.com')],
});

describe('evaluateTruth', () => {
  it('counts right, wrong, missed and spurious matches', () => {
    const m = evaluateTruth(set, [
      { kind: 'zendesk.user', id: 'right', accountId: '001000000000001' },
      { kind: 'zendesk.user', id: 'wrong', accountId: GAMMA },
      { kind: 'zendesk.user', id: 'missed', accountId: ACME },
      { kind: 'zendesk.user', id: 'none', accountId: null },
      { kind: 'zendesk.user', id: 'spurious', accountId: null },
      { kind: 'zendesk.user', id: 'not-pulled', accountId: BETA },
    ]);
    expect(m).toEqual({
      truePositives: 1, falsePositives: 2, falseNegatives: 2, resolvable: 3, evaluated: 5, missing: 1,
      precision: 1 / 3, recall: 1 / 3,
    });
  });

  it('is perfect on a truth equal to the resolutions, and 1/1 when there is nothing to match', () => {
    const truth = set.byKind('zendesk.user').map((r) => ({ kind: r.kind, id: r.id, accountId: r.accountId }));
    expect(evaluateTruth(set, truth)).toMatchObject({ precision: 1, recall: 1, falsePositives: 0, falseNegatives: 0 });
    expect(evaluateTruth(set, [])).toMatchObject({ precision: 1, recall: 1, evaluated: 0 });
  });
});
