/** Each connector runs the shared contract suite against its emulator over a small dataset. */
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { salesforceConnector, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import { zendeskConnector, zendeskConfigSchema } from '../../connectors/zendesk/index.ts';
import { mixpanelConnector, mixpanelConfigSchema } from '../../connectors/mixpanel/index.ts';
import { createMixpanelEmulator } from '../../connectors/mixpanel/emulator/index.ts';
import { defineConnectorContractTests } from './contract-suite.ts';
import { sfId, startSalesforce } from './salesforce/helpers.ts';
import { iso, nowSeconds, startZendesk, writeDataset } from './zendesk/emulator/helpers.ts';

const SF_STAMPS = ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'];

defineConnectorContractTests('salesforce', async () => {
  const sf = await startSalesforce({
    // 450 accounts on 2 timestamps: batches of 200 end inside runs of equal SystemModstamps.
    Account: Array.from({ length: 450 }, (_, i) => ({ Id: sfId('001', i + 1), Name: `Acct ${i}`, Website: `https://acct${i}.example`, CS_Licensed_Seats__c: 5, SystemModstamp: SF_STAMPS[i % 2] })),
    Contact: Array.from({ length: 250 }, (_, i) => ({ Id: sfId('003', i + 1), AccountId: sfId('001', (i % 450) + 1), Email: `c${i}@acct${i}.example`, FirstName: 'C', LastName: `${i}`, SystemModstamp: SF_STAMPS[0] })),
    User: Array.from({ length: 220 }, (_, i) => ({ Id: sfId('005', i + 1), Name: `User ${i}`, Email: `u${i}@vendor.example`, IsActive: true })),
    Opportunity: Array.from({ length: 210 }, (_, i) => ({ Id: sfId('006', i + 1), AccountId: sfId('001', i + 1), Name: `Opp ${i}`, StageName: 'Closed Won', IsClosed: true, IsWon: true, CloseDate: '2026-10-01', Amount: 1000, SystemModstamp: SF_STAMPS[1] })),
    OpportunityLineItem: Array.from({ length: 230 }, (_, i) => ({ Id: sfId('00k', i + 1), OpportunityId: sfId('006', (i % 210) + 1), Name: 'Platform', Quantity: 1, TotalPrice: 1000, SystemModstamp: SF_STAMPS[i % 2] })),
  });
  const config = salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox', batchSize: 200 });
  return {
    connector: salesforceConnector,
    config,
    badConfig: { ...config, clientSecret: 'wrong' },
    now: new Date('2026-11-20T12:00:00Z'),
    streams: ['users', 'accounts', 'contacts', 'opportunities', 'opportunity_line_items'],
    close: () => sf.close(),
  };
});

defineConnectorContractTests('zendesk', async () => {
  const base = nowSeconds() - 7200;
  const written = await writeDataset({
    'zendesk/organizations.jsonl': [0, 100, 100, 100, 200, 300].map((offset, i) => ({ id: 11 + i, name: `Org ${i}`, domain_names: [`org${i}.example`], external_id: null, created_at: iso(base), updated_at: iso(base + offset) })),
    'zendesk/users.jsonl': Array.from({ length: 7 }, (_, i) => ({ id: 1 + i, name: `U${i}`, email: `u${i}@org0.example`, organization_id: 11, role: 'end-user', external_id: null, active: true, created_at: iso(base), updated_at: iso(base + Math.floor(i / 2)) })),
    'zendesk/tickets.jsonl': Array.from({ length: 6 }, (_, i) => ({ id: 100 + i, subject: `T${i}`, status: 'open', priority: 'high', requester_id: 1, organization_id: 11, satisfaction_rating: null, created_at: iso(base), updated_at: iso(base + 10 * i) })),
  });
  const zd = await startZendesk(written.dataset);
  const config = zendeskConfigSchema.parse({ baseUrl: zd.url, email: 'sandbox@example.com', apiToken: 'sandbox', perPage: 2 });
  return {
    connector: zendeskConnector,
    config,
    badConfig: { ...config, apiToken: 'wrong' },
    now: new Date(),
    close: async () => {
      await zd.close();
      await written.cleanup();
    },
  };
});

defineConnectorContractTests('mixpanel', async () => {
  const now = new Date('2026-11-20T12:00:00Z');
  const t = (day: string, hour: number): number => Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`) / 1000;
  const days = ['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'];
  const written = await writeDataset(
    {
      'mixpanel/events.jsonl': days.flatMap((day, d) => [
        { event: 'login', properties: { time: t(day, 8), distinct_id: `u${d}`, $insert_id: `${day}-1` } },
        { event: 'login', properties: { time: t(day, 8), distinct_id: `u${d}`, $insert_id: `${day}-1` } },
        { event: 'report', properties: { time: t(day, 9), distinct_id: 'shared', $insert_id: `${day}-2`, account_id: '001000000000001AAA' } },
      ]),
      'mixpanel/profiles.jsonl': Array.from({ length: 3 }, (_, i) => ({ $distinct_id: `u${i}`, $properties: { $email: `u${i}@acme.example` } })),
    },
    now.toISOString(),
  );
  const emulator = createMixpanelEmulator({ dataset: written.dataset, seed: 1 });
  const { server, url } = await listen(emulator.app, 0);
  const config = mixpanelConfigSchema.parse({ projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', exportBaseUrl: url, queryBaseUrl: url, backfillDays: 4, maxDaysPerRequest: 2, lateDataDays: 0 });
  return {
    connector: mixpanelConnector,
    config,
    badConfig: { ...config, serviceAccountSecret: 'wrong' },
    now,
    streams: ['activities', 'profiles'],
    close: async () => {
      await closeServer(server);
      await written.cleanup();
    },
  };
});
