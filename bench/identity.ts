/** Identity resolution throughput: records resolved per second, by number of accounts. */
import { buildIdentityIndex, resolveAll } from '../src/identity/index.ts';
import type { MixpanelActivity, MixpanelProfile, SalesforceAccount, ZendeskUser } from '../src/contracts/records.ts';
import { toSalesforceId18 } from '../src/identity/salesforce-id.ts';

const id = (n: number): string => toSalesforceId18(`001${n.toString(36).toUpperCase().padStart(12, '0')}`) as string;

function account(n: number): SalesforceAccount {
  return { kind: 'salesforce.account', id: id(n), name: `A${n}`, website: `https://www.company${n}.com`, emailDomains: [], licensedSeats: 10, renewalDate: null, ownerId: null, csmId: null, industry: null, employees: 100, isDeleted: false, masterRecordId: null, modstamp: '2026-01-01T00:00:00Z', fields: {} };
}

export function benchIdentity(accounts: number, records: number): { accounts: number; records: number; ms: number; perSecond: number } {
  const accs = Array.from({ length: accounts }, (_, i) => account(i + 1));
  const index = buildIdentityIndex({ accounts: accs, contacts: [], zendeskOrganizations: [], manualRules: [] });
  const profiles: MixpanelProfile[] = [];
  const users: ZendeskUser[] = [];
  const activities: MixpanelActivity[] = [];
  const profileCount = Math.floor(records / 10);
  for (let i = 0; i < profileCount; i += 1) profiles.push({ kind: 'mixpanel.profile', id: `p${i}`, email: `u${i}@company${(i % accounts) + 1}.com`, accountId: null });
  for (let i = 0; i < profileCount; i += 1) users.push({ kind: 'zendesk.user', id: String(i), name: null, email: `z${i}@company${(i % accounts) + 1}.com`, organizationId: null, externalId: null, role: null, active: true, updatedAt: '' });
  for (let i = 0; activities.length < records - 2 * profileCount; i += 1) {
    activities.push({ kind: 'mixpanel.activity', id: `d|p${i % profileCount}|`, day: '2026-11-01', distinctId: `p${i % profileCount}`, accountId: i % 5 === 0 ? id((i % accounts) + 1) : null, eventCount: 1, eventNames: ['x'] });
  }
  const started = performance.now();
  const set = resolveAll(index, { zendeskOrganizations: [], zendeskUsers: users, zendeskTickets: [], mixpanelProfiles: profiles, mixpanelActivities: activities, surveyResponses: [] });
  const ms = performance.now() - started;
  const total = set.counts.matched + set.counts.unmatched;
  return { accounts, records: total, ms, perSecond: (total / ms) * 1000 };
}
