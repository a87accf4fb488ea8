/** The Salesforce emulator driven by the real jsforce 3.10.16 client. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';
import { openSalesforceConnection } from '../../../../connectors/salesforce/connection.ts';
import { salesforceConfigSchema } from '../../../../connectors/salesforce/config.ts';
import { silentLogger } from '../../../../src/logging/logger.ts';

const users = [{ Id: sfId('005', 1), Name: 'Olivia Owner', Email: 'olivia@vendor.com', IsActive: true }];
const accounts = Array.from({ length: 2500 }, (_, i) => ({
  Id: sfId('001', i + 1),
  Name: i === 0 ? "O'Brien & Co" : `Account ${String(i).padStart(4, '0')}`,
  Website: i % 3 === 0 ? null : `https://acct${i}.example`,
  Industry: i % 2 ? 'Software' : 'Retail',
  NumberOfEmployees: i,
  OwnerId: users[0]?.Id,
  SystemModstamp: new Date(Date.parse('2026-11-01T00:00:00Z') + Math.floor(i / 10) * 1000).toISOString(),
}));
const deleted = { Id: sfId('001', 9999), Name: 'Gone', IsDeleted: true, OwnerId: users[0]?.Id };

let sf: RunningSalesforce;
beforeAll(async () => {
  sf = await startSalesforce({ Account: [...accounts, deleted], User: users, Contact: [{ Id: sfId('003', 1), AccountId: accounts[0]?.Id, Email: 'a@acct.example', LastName: 'A' }] });
});
afterAll(async () => sf.close());
afterEach(async () => {
  await sf.control('DELETE', '/__sandbox/faults');
});

describe('token endpoint', () => {
  it('grants client credentials with id and instance_url, and refuses wrong secrets', async () => {
    const res = await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'sandbox' }) });
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ token_type: 'Bearer', instance_url: sf.url });
    expect(body.id).toMatch(/\/id\/00D\w+\/005\w+$/);
    const bad = await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'nope' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('query', () => {
  it('pages past 2,000 records with queryMore', async () => {
    const conn = await sf.connect();
    const first = await conn.query('SELECT Id FROM Account', { autoFetch: false });
    expect(first.records).toHaveLength(2000);
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/[^/]+$/);
    const second = await conn.queryMore(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(500);
    expect(second.done).toBe(true);
  });

  it('honours the batch-size header', async () => {
    const conn = await sf.connect();
    const res = await conn.request<{ records: unknown[] }>({ method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+Account', headers: { 'Sforce-Query-Options': 'batchSize=300' } });
    expect(res.records).toHaveLength(300);
  });

  it.each([
    ["Name = 'o''brien & co'".replace("''", "\\'"), 1],
    ["Name LIKE 'Account 000%'", 9],
    ["Industry IN ('Retail') AND NumberOfEmployees < 10", 5],
    ['Website = null AND NumberOfEmployees <= 9', 4],
    ["NOT Industry = 'Retail' AND NumberOfEmployees < 10", 5],
    ["(Industry = 'Retail' OR NumberOfEmployees = 1) AND NumberOfEmployees < 4", 3],
    ['SystemModstamp > 2026-11-01T00:00:00Z AND SystemModstamp <= 2026-11-01T00:00:01.000Z', 10],
    [`SystemModstamp = 2026-11-01T00:00:00Z AND Id > '${sfId('001', 5)}'`, 5],
  ])('WHERE %s', async (where, expected) => {
    const conn = await sf.connect();
    const res = await conn.query(`SELECT Id FROM Account WHERE ${where}`);
    expect(res.totalSize).toBe(expected);
  });

  it('serves parent fields, ORDER BY with NULLS LAST, LIMIT/OFFSET, audit fields in Salesforce format', async () => {
    const conn = await sf.connect();
    const res = await conn.query<{ Id: string; Website: string | null; Owner: { Name: string }; SystemModstamp: string; CreatedDate: string }>(
      'SELECT Id, Website, Owner.Name, SystemModstamp, CreatedDate FROM Account ORDER BY Website DESC NULLS LAST, Id LIMIT 3 OFFSET 1',
    );
    expect(res.records).toHaveLength(3);
    expect(res.records[0]?.Owner.Name).toBe('Olivia Owner');
    expect(res.records.every((r) => r.Website !== null)).toBe(true);
    expect(res.records[0]?.SystemModstamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(res.records[0]?.CreatedDate).toBe('2026-11-20T12:00:00.000+0000');
  });

  it('hides deleted records from query and shows them to queryAll', async () => {
    const conn = await sf.connect();
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Gone'")).totalSize).toBe(0);
    expect((await conn.query("SELECT Id, IsDeleted FROM Account WHERE Name = 'Gone'", { scanAll: true })).totalSize).toBe(1);
  });

  it('answers bad SOQL, unknown fields and objects in Salesforce error shapes', async () => {
    const conn = await sf.connect();
    await expect(conn.query('SELECT Id FROM Account WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(conn.query('SELECT Nope__c FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Id FROM Nothing__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });
});

describe('describe and writes', () => {
  it('describes Account with the custom fields of the contract', async () => {
    const conn = await sf.connect();
    const d = await conn.sobject('Account').describe();
    const score = d.fields.find((f) => f.name === 'CS_Health_Score__c');
    expect(score).toMatchObject({ type: 'double', precision: 3, scale: 0, updateable: true, custom: true });
    expect(d.fields.find((f) => f.name === 'CS_Health_Band__c')?.picklistValues?.map((p) => p.value)).toEqual(['Green', 'Yellow', 'Red']);
  });

  it('updates through sObject Collections with per-record results in order', async () => {
    const conn = await sf.connect();
    const results = await conn.sobject('Account').update(
      [
        { Id: sfId('001', 1), CS_Health_Score__c: 58, CS_Health_Band__c: 'Yellow' },
        { Id: sfId('001', 8888), CS_Health_Score__c: 1 },
        { Id: sfId('001', 2), CS_Health_Band__c: 'Purple' },
        { Id: sfId('001', 3), CS_Next_Milestone__c: 'x'.repeat(300) },
        { Id: sfId('001', 4), CS_Health_Score__c: 'high' },
        { Id: sfId('001', 9999), CS_Health_Score__c: 1 },
      ],
      { allOrNone: false },
    );
    const codes = results.map((r) => (r.success ? 'ok' : (r.errors[0] as unknown as { statusCode: string }).statusCode));
    expect(codes).toEqual(['ok', 'INVALID_CROSS_REFERENCE_KEY', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'STRING_TOO_LONG', 'INVALID_TYPE_ON_FIELD_IN_RECORD', 'ENTITY_IS_DELETED']);
    const read = await conn.query<{ CS_Health_Score__c: number; SystemModstamp: string }>(`SELECT CS_Health_Score__c, SystemModstamp FROM Account WHERE Id = '${sfId('001', 1)}'`);
    expect(read.records[0]?.CS_Health_Score__c).toBe(58);
    expect(Date.parse(read.records[0]?.SystemModstamp.replace('+0000', 'Z') ?? '')).toBeGreaterThan(Date.parse('2026-11-21T00:00:00Z'));
  });

  it('rolls back every record under allOrNone when one fails', async () => {
    const conn = await sf.connect();
    const results = await conn.sobject('Account').update([{ Id: sfId('001', 10), CS_NPS__c: 5 }, { Id: sfId('001', 8888), CS_NPS__c: 5 }], { allOrNone: true });
    expect((results[0]?.errors[0] as unknown as { statusCode: string }).statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
  });

  it('refuses more than 200 records in one call', async () => {
    const conn = await sf.connect();
    const records = Array.from({ length: 201 }, (_, i) => ({ Id: sfId('001', i + 1), CS_NPS__c: 1 }));
    await expect(conn.sobject('Account').update(records)).rejects.toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
  });

  it('makes a field missing or read-only, and injects lock errors per record', async () => {
    const conn = await sf.connect();
    await sf.control('POST', '/__sandbox/describe', { missingFields: ['Account.CS_Health_Score__c'], readOnlyFields: ['Account.CS_NPS__c'] });
    try {
      const d = await conn.sobject('Account').describe();
      expect(d.fields.some((f) => f.name === 'CS_Health_Score__c')).toBe(false);
      expect(d.fields.find((f) => f.name === 'CS_NPS__c')?.updateable).toBe(false);
      const [r] = await conn.sobject('Account').update([{ Id: sfId('001', 11), CS_NPS__c: 3 }]);
      expect((r?.errors[0] as unknown as { statusCode: string }).statusCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    } finally {
      await sf.control('POST', '/__sandbox/describe', { missingFields: [], readOnlyFields: [] });
    }
    await sf.control('POST', '/__sandbox/record-faults', { id: sfId('001', 12), statusCode: 'UNABLE_TO_LOCK_ROW' });
    const [locked] = await conn.sobject('Account').update([{ Id: sfId('001', 12), CS_NPS__c: 3 }]);
    expect((locked?.errors[0] as unknown as { statusCode: string }).statusCode).toBe('UNABLE_TO_LOCK_ROW');
    const [again] = await conn.sobject('Account').update([{ Id: sfId('001', 12), CS_NPS__c: 3 }]);
    expect(again?.success).toBe(true);
  });

  it('creates Tasks', async () => {
    const conn = await sf.connect();
    const [created] = await conn.sobject('Task').create([{ Subject: 'Health dropped', WhatId: sfId('001', 1), OwnerId: sfId('005', 1) }]);
    expect(created?.success).toBe(true);
    expect((await conn.query("SELECT Id, Subject FROM Task WHERE Subject = 'Health dropped'")).totalSize).toBe(1);
  });
});

describe('limits, sessions and faults', () => {
  it('counts API calls down in /limits and Sforce-Limit-Info, then refuses with REQUEST_LIMIT_EXCEEDED', async () => {
    const conn = await sf.connect();
    const before = await conn.limits();
    await conn.query('SELECT Id FROM User');
    const after = await conn.limits();
    expect((before.DailyApiRequests?.Remaining ?? 0) - (after.DailyApiRequests?.Remaining ?? 0)).toBe(2);
    expect(conn.limitInfo.apiUsage?.used).toBeGreaterThan(0);
    await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 100, remaining: 0 } });
    try {
      await expect(conn.query('SELECT Id FROM User')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    } finally {
      await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 1_000_000, remaining: 1_000_000 } });
    }
  });

  it('expires sessions on the emulator clock with INVALID_SESSION_ID', async () => {
    const conn = await sf.connect();
    await sf.control('POST', '/__sandbox/clock', { advanceSeconds: 3 * 3600 });
    try {
      const res = await fetch(`${sf.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    } finally {
      await sf.control('POST', '/__sandbox/clock', { reset: true });
    }
  });

  it('delivers injected 503s to jsforce and counts calls per route in stats', async () => {
    // Tidemark's connection turns jsforce's own retries off (its error policy owns them), so an
    // injected 503 reaches the caller instead of being retried silently.
    const { conn } = await openSalesforceConnection(salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox' }), silentLogger());
    await sf.control('POST', '/__sandbox/faults', { route: 'GET /services/data/vXX.X/query', type: 'status', status: 503, count: 1 });
    await expect(conn.query('SELECT Id FROM User')).rejects.toBeDefined();
    const stats = await sf.stats();
    expect(stats['GET /services/data/vXX.X/query']?.['503']).toBe(1);
    expect(stats['POST /services/oauth2/token']?.['200']).toBeGreaterThan(0);
  });
});
