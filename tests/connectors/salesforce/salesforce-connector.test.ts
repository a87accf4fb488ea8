/** The Salesforce connector (jsforce) against the Salesforce emulator. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stream } from '../../../src/contracts/connector.ts';
import { salesforceConnector, salesforceConfigSchema, type SalesforceConfig } from '../../../connectors/salesforce/index.ts';
import { AuthError, BudgetError } from '../../../src/contracts/errors.ts';
import { canonicalRecordSchema } from '../../../src/contracts/records.ts';
import { silentLogger } from '../../../src/logging/logger.ts';
import { collect } from '../collect.ts';
import { sfId, startSalesforce, type RunningSalesforce } from './helpers.ts';
import { lookbackStart } from '../../../connectors/salesforce/streams/modstamp-stream.ts';

// 4,500 accounts in 3 timestamps: pages of 2,000 end inside a run of equal SystemModstamps.
const stamp = (i: number): string => ['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z'][Math.floor(i / 1500)] as string;
const accounts = Array.from({ length: 4500 }, (_, i) => ({
  Id: sfId('001', i + 1),
  Name: `Acct ${i}`,
  Website: `https://www.acct${i}.example/about`,
  CS_Email_Domains__c: i === 0 ? 'acct0.io; acct0.co.uk' : null,
  CS_Licensed_Seats__c: 10,
  CS_Health_Score__c: i === 1 ? 42 : null,
  SystemModstamp: stamp(i),
}));

let sf: RunningSalesforce;
let config: SalesforceConfig;
const stream = (name: string) => salesforceConnector.streams.find((s) => s.name === name) as Stream<SalesforceConfig, 'salesforce.account'>;

beforeAll(async () => {
  sf = await startSalesforce({
    Account: accounts,
    User: [{ Id: sfId('005', 1), Name: 'Olivia', Email: 'o@v.com', IsActive: true }],
    Opportunity: [],
    Product2: [{ Id: sfId('01t', 1), Name: 'Analytics Suite' }],
    OpportunityLineItem: Array.from({ length: 3 }, (_, i) => ({ Id: sfId('00k', i + 1), OpportunityId: sfId('006', 1), Product2Id: sfId('01t', 1), Name: `Line ${i}`, Quantity: i + 1, TotalPrice: 100 * (i + 1), SystemModstamp: stamp(0) })),
    Contact: [],
  });
  config = salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox' });
});
afterAll(async () => sf.close());

describe('Salesforce connector', () => {
  it('reads opportunity line items incrementally: only changes after the checkpoint, deletions as deleted ids, the product name through Product2', async () => {
    const lineItems = salesforceConnector.streams.find((s) => s.name === 'opportunity_line_items') as Stream<SalesforceConfig, 'salesforce.opportunity_line_item'>;
    const pages = await collect(lineItems, config);
    expect(pages.flatMap((p) => p.records).map((r) => [r.id, r.productName, r.quantity])).toEqual([1, 2, 3].map((n) => [sfId('00k', n), 'Analytics Suite', n]));
    expect(pages.every((p) => p.partition === undefined)).toBe(true);
    const last = pages.at(-1)?.checkpoint ?? null;
    expect(last).toMatchObject({ id: sfId('00k', 3) });
    expect((await collect(lineItems, config, last)).flatMap((p) => [...p.records, ...(p.deletedIds ?? [])])).toEqual([]);
    await sf.control('POST', '/__sandbox/records/OpportunityLineItem', { Id: sfId('00k', 2), Quantity: 9 });
    expect((await sf.control('DELETE', `/__sandbox/records/OpportunityLineItem/${sfId('00k', 3)}`)).ok).toBe(true);
    const changed = await collect(lineItems, config, last);
    expect(changed.flatMap((p) => p.records).map((r) => [r.id, r.quantity])).toEqual([[sfId('00k', 2), 9]]);
    expect(changed.flatMap((p) => p.deletedIds ?? [])).toEqual([sfId('00k', 3)]);
  });

  it('pulls every account once across pages with equal timestamps, mapping read and write fields', async () => {
    const pages = await collect(stream('accounts'), config);
    const ids = pages.flatMap((p) => p.records.map((r) => r.id));
    expect(ids).toHaveLength(4500);
    expect(new Set(ids).size).toBe(4500);
    const first = pages[0]?.records[0];
    expect(canonicalRecordSchema.safeParse(first).success).toBe(true);
    expect(first).toMatchObject({ website: 'https://www.acct0.example/about', emailDomains: ['acct0.io', 'acct0.co.uk'], licensedSeats: 10 });
    expect(pages[0]?.records[1]?.fields.CS_Health_Score__c).toBe(42);
    expect(pages.map((p) => p.apiCalls)).toEqual([2, 1, 1]);
  });

  it('resumes from a mid-timestamp checkpoint without skipping or repeating, and pulls only changes afterwards', async () => {
    const pages = await collect(stream('accounts'), config);
    const resumed = await collect(stream('accounts'), config, pages[0]?.checkpoint ?? null);
    expect(resumed.flatMap((p) => p.records.map((r) => r.id))).toEqual(pages.slice(1).flatMap((p) => p.records.map((r) => r.id)));
    const last = pages.at(-1)?.checkpoint ?? null;
    expect((await collect(stream('accounts'), config, last)).flatMap((p) => p.records)).toEqual([]);
    await sf.control('POST', '/__sandbox/records/Account', { Id: sfId('001', 7), Name: 'Renamed' });
    const before = await sf.stats();
    const changedPages = await collect(stream('accounts'), config, last);
    const changed = changedPages.flatMap((p) => p.records);
    expect(changed.map((r) => [r.id, r.name])).toEqual([[sfId('001', 7), 'Renamed']]);
    // Only the change is pulled: a describe and one query page, counted by the connector and by the emulator.
    expect(changedPages.reduce((n, p) => n + p.apiCalls, 0)).toBe(2);
    const after = await sf.stats();
    const calls = (s: Record<string, Record<string, number>>): number => Object.entries(s).filter(([r]) => !r.includes('oauth2')).reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
    expect(calls(after) - calls(before)).toBe(2);
  });

  it('reads the lookback window again after a read that came soon after its latest change, so a late commit with an earlier SystemModstamp lands', async () => {
    const accounts = stream('accounts');
    // A change now: the read that follows comes within the lookback of its latest change.
    await sf.control('POST', '/__sandbox/records/Account', { Id: sfId('001', 20), Name: 'Recent' });
    const pages = await collect(accounts, config);
    const last = pages.at(-1)?.checkpoint ?? null;
    expect(last).toMatchObject({ complete: true });
    expect(pages.slice(0, -1).every((p) => p.checkpoint.complete === false)).toBe(true);
    // A transaction that started two minutes ago commits now: its stamp is before the read's latest change.
    await sf.control('POST', '/__sandbox/clock', { advanceSeconds: -120 });
    try {
      await sf.control('POST', '/__sandbox/records/Account', { Id: sfId('001', 30), Name: 'Committed late' });
    } finally {
      await sf.control('POST', '/__sandbox/clock', { reset: true });
    }
    const again = (await collect(accounts, config, last)).flatMap((p) => p.records);
    expect(again.find((r) => r.id === sfId('001', 30))?.name).toBe('Committed late');
    expect(again.length).toBeLessThan(10); // the window, not the org
    // Without the lookback the watermark alone skips it.
    const watermarkOnly = (await collect(accounts, { ...config, lookbackMinutes: 0 }, last)).flatMap((p) => p.records);
    expect(watermarkOnly.map((r) => r.id)).not.toContain(sfId('001', 30));
  });

  it('starts a new read at readAt - lookback only after a complete read whose latest change is that recent', () => {
    const readAt = '2026-11-20T12:00:00.000Z';
    expect(lookbackStart({ modstamp: '2026-11-20T11:55:00Z', id: 'x', readAt, complete: true }, 10)).toBe('2026-11-20T11:50:00.000Z');
    expect(lookbackStart({ modstamp: '2026-11-20T11:50:00Z', id: 'x', readAt, complete: true }, 10)).toBe('2026-11-20T11:50:00.000Z');
    expect(lookbackStart({ modstamp: '2026-11-20T11:49:59Z', id: 'x', readAt, complete: true }, 10)).toBeNull();
    expect(lookbackStart({ modstamp: '2026-11-20T11:55:00Z', id: 'x', readAt, complete: false }, 10)).toBeNull();
    expect(lookbackStart({ modstamp: '2026-11-20T11:55:00Z', id: 'x', readAt, complete: true }, 0)).toBeNull();
    expect(lookbackStart({ modstamp: '2026-11-20T11:55:00Z', id: 'x' }, 10)).toBeNull();
  });

  it('pulls deletions through queryAll', async () => {
    await sf.control('DELETE', `/__sandbox/records/Account/${sfId('001', 8)}`);
    const pages = await collect(stream('accounts'), config, { modstamp: '2026-11-04T00:00:00Z', id: '' });
    expect(pages.flatMap((p) => p.records).find((r) => r.id === sfId('001', 8))?.isDeleted).toBe(true);
  });

  it('leaves out a write field the org lacks instead of failing the pull', async () => {
    await sf.control('POST', '/__sandbox/describe', { missingFields: ['Account.CS_NPS__c'] });
    try {
      const pages = await collect(stream('accounts'), config);
      expect(pages.flatMap((p) => p.records)).toHaveLength(4500);
      const check = await salesforceConnector.check(config, silentLogger());
      expect(check).toMatchObject({ ok: false });
      expect(check.message).toMatch(/CS_NPS__c/);
    } finally {
      await sf.control('POST', '/__sandbox/describe', { missingFields: [] });
    }
  });

  it('maps refused credentials to AuthError and an exhausted budget to BudgetError', async () => {
    await expect(collect(stream('users'), { ...config, clientSecret: 'wrong' })).rejects.toBeInstanceOf(AuthError);
    await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 10, remaining: 0 } });
    try {
      await expect(collect(stream('users'), config)).rejects.toBeInstanceOf(BudgetError);
    } finally {
      await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 1_000_000, remaining: 1_000_000 } });
    }
  });
});
