/** SOQL evaluation through jsforce: operators, literals, parent fields, ordering, COUNT(), errors, deletes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';

const owner = { Id: sfId('005', 1), Name: 'Olivia Owner', Email: 'olivia@vendor.com', IsActive: true };
const csm = { Id: sfId('005', 2), Name: 'Carl CSM', Email: 'carl@vendor.com', IsActive: false };
const accounts = [
  { Id: sfId('001', 1), Name: 'Alpha', Industry: 'Retail', NumberOfEmployees: 10, OwnerId: owner.Id, CS_Manager__c: csm.Id, CS_Renewal_Date__c: '2027-01-15', SystemModstamp: '2026-11-01T10:00:00.000Z' },
  { Id: sfId('001', 2), Name: 'beta', Industry: null, NumberOfEmployees: 20, OwnerId: owner.Id, CS_Renewal_Date__c: '2026-12-01', SystemModstamp: '2026-11-01T10:00:00.500Z' },
  { Id: sfId('001', 3), Name: 'Gamma', Industry: 'Software', NumberOfEmployees: 30, OwnerId: csm.Id, SystemModstamp: '2026-11-01T11:00:00.000+0000' },
  { Id: sfId('001', 4), Name: 'Delta', Industry: 'Software', NumberOfEmployees: null, OwnerId: owner.Id, SystemModstamp: '2026-11-02T00:00:00.000Z' },
];
const opportunities = [
  { Id: sfId('006', 1), AccountId: sfId('001', 1), Name: 'Alpha new', StageName: 'Closed Won', IsWon: true, IsClosed: true, CloseDate: '2026-10-01', Amount: 1200.5 },
  { Id: sfId('006', 2), AccountId: sfId('001', 3), Name: 'Gamma renewal', StageName: 'Prospecting', IsWon: false, IsClosed: false, CloseDate: '2027-02-01', Amount: 800 },
];
const products = [{ Id: sfId('01t', 1), Name: 'Analytics Suite' }];
const lineItems = [{ Id: sfId('00k', 1), OpportunityId: sfId('006', 1), Product2Id: sfId('01t', 1), Quantity: 3, TotalPrice: 1200.5 }];

let sf: RunningSalesforce;
beforeAll(async () => {
  sf = await startSalesforce({ Account: accounts, User: [owner, csm], Opportunity: opportunities, Product2: products, OpportunityLineItem: lineItems });
});
afterAll(async () => sf.close());

const ids = async (soql: string): Promise<string[]> => {
  const conn = await sf.connect();
  const res = await conn.query<{ Id: string }>(soql);
  return res.records.map((r) => r.Id.slice(-6, -3));
};

describe('WHERE', () => {
  it.each([
    ["Name = 'alpha'", ['001']],
    ["Name != 'Alpha'", ['002', '003', '004']],
    ['NumberOfEmployees < 20', ['001']],
    ['NumberOfEmployees <= 20', ['001', '002']],
    ['NumberOfEmployees > 20', ['003']],
    ['NumberOfEmployees >= 20', ['002', '003']],
    ["Industry IN ('Retail', 'Software')", ['001', '003', '004']],
    ["Industry NOT IN ('Retail')", ['002', '003', '004']],
    ["Name LIKE '%ta'", ['002', '004']],
    ["Name LIKE 'g_mma'", ['003']],
    ['Industry = null', ['002']],
    ['NumberOfEmployees != null', ['001', '002', '003']],
    ["NOT (Industry = 'Software' OR Industry = null)", ['001']],
    ["(Industry = 'Software' AND NumberOfEmployees = null) OR Name = 'beta'", ['002', '004']],
    ['CS_Renewal_Date__c < 2027-01-01', ['002']],
    ['CS_Renewal_Date__c >= 2026-12-01 AND CS_Renewal_Date__c <= 2027-01-15', ['001', '002']],
    ['SystemModstamp > 2026-11-01T10:00:00Z', ['002', '003', '004']],
    ['SystemModstamp = 2026-11-01T10:00:00.500Z', ['002']],
    ['SystemModstamp >= 2026-11-01T12:00:00+01:00 AND SystemModstamp < 2026-11-01T11:00:00.001Z', ['003']],
    ["Owner.Name = 'Carl CSM'", ['003']],
    [`Id = '${sfId('001', 4)}'`, ['004']],
    ["(Industry = 'Retail' OR Industry = 'Software') AND (NOT NumberOfEmployees = 10)", ['003', '004']],
    ["(NOT Industry = 'Software') OR Name = 'Delta'", ['001', '002', '004']],
    ["Industry IN ('Retail', 'Software') AND NOT (NumberOfEmployees = 10 OR NumberOfEmployees = null)", ['003']],
    ["NOT Industry = 'Software' AND NOT Name = 'beta'", ['001']],
  ])('%s', async (where, expected) => {
    expect(await ids(`SELECT Id FROM Account WHERE ${where} ORDER BY Id`)).toEqual(expected);
  });

  it('evaluates relative date literals on the emulator clock', async () => {
    await sf.control('POST', '/__sandbox/clock', { set: '2026-11-20T15:00:00Z' });
    try {
      expect(await ids('SELECT Id FROM Account WHERE CS_Renewal_Date__c = NEXT_N_DAYS:15')).toEqual(['002']);
      expect(await ids('SELECT Id FROM Account WHERE CS_Renewal_Date__c > THIS_MONTH ORDER BY Id')).toEqual(['001', '002']);
      expect(await ids('SELECT Id FROM Account WHERE SystemModstamp = LAST_N_DAYS:20 ORDER BY Id')).toEqual(['001', '002', '003', '004']);
      expect(await ids('SELECT Id FROM Account WHERE SystemModstamp < LAST_N_DAYS:18 ORDER BY Id')).toEqual(['001', '002', '003']);
      expect(await ids('SELECT Id FROM Opportunity WHERE CloseDate < TODAY')).toEqual(['001']);
    } finally {
      await sf.control('POST', '/__sandbox/clock', { reset: true });
    }
  });

  it('compares booleans and numbers on opportunities', async () => {
    expect(await ids('SELECT Id FROM Opportunity WHERE IsWon = true AND Amount > 1000.25')).toEqual(['001']);
    expect(await ids('SELECT Id FROM Opportunity WHERE IsClosed = false')).toEqual(['002']);
  });
});

describe('fields, order and paging', () => {
  it('serves parent fields through reference fields, null when the parent is absent', async () => {
    const conn = await sf.connect();
    const accts = await conn.query<{ Owner: { Name: string }; CS_Manager__r: { Name: string } | null }>('SELECT Id, Owner.Name, CS_Manager__r.Name, CS_Manager__r.IsActive FROM Account ORDER BY Id LIMIT 2');
    expect(accts.records[0]).toMatchObject({ Owner: { attributes: { type: 'User' }, Name: 'Olivia Owner' }, CS_Manager__r: { Name: 'Carl CSM', IsActive: false } });
    expect(accts.records[1]?.CS_Manager__r).toBeNull();
    const opps = await conn.query('SELECT Id, Account.Name FROM Opportunity WHERE Account.Name = \'Gamma\'');
    expect(opps.records[0]).toMatchObject({ Account: { Name: 'Gamma' } });
    const items = await conn.query('SELECT Product2.Name, Opportunity.Account.Name, Quantity FROM OpportunityLineItem');
    expect(items.records[0]).toMatchObject({ Product2: { Name: 'Analytics Suite' }, Opportunity: { attributes: { type: 'Opportunity' }, Account: { attributes: { type: 'Account' }, Name: 'Alpha' } }, Quantity: 3 });
    const filtered = await conn.query("SELECT Id FROM OpportunityLineItem WHERE Opportunity.Account.Owner.Name = 'Olivia Owner'");
    expect(filtered.totalSize).toBe(1);
  });

  it('serves fields known to the object but absent from a record as null, and datetimes in Salesforce format', async () => {
    const conn = await sf.connect();
    const res = await conn.query<Record<string, unknown>>(`SELECT Id, CS_Health_Score__c, Website, SystemModstamp, CreatedDate, LastModifiedDate FROM Account WHERE Id = '${sfId('001', 3)}'`);
    expect(res.records[0]).toMatchObject({ CS_Health_Score__c: null, Website: null, SystemModstamp: '2026-11-01T11:00:00.000+0000', CreatedDate: '2026-11-20T12:00:00.000+0000', LastModifiedDate: '2026-11-20T12:00:00.000+0000' });
  });

  it('orders by several keys, nulls first by default, NULLS LAST on request, with LIMIT and OFFSET', async () => {
    expect(await ids('SELECT Id FROM Account ORDER BY Industry, Name DESC')).toEqual(['002', '001', '003', '004']);
    expect(await ids('SELECT Id FROM Account ORDER BY Industry DESC NULLS LAST, Name ASC')).toEqual(['004', '003', '001', '002']);
    expect(await ids('SELECT Id FROM Account ORDER BY NumberOfEmployees DESC NULLS FIRST LIMIT 2')).toEqual(['004', '003']);
    expect(await ids('SELECT Id FROM Account ORDER BY Name LIMIT 2 OFFSET 1')).toEqual(['002', '004']);
    expect(await ids('SELECT Id FROM Account ORDER BY SystemModstamp DESC, Id')).toEqual(['004', '003', '002', '001']);
  });

  it('counts with COUNT()', async () => {
    const conn = await sf.connect();
    const res = await conn.query("SELECT COUNT() FROM Account WHERE Industry = 'Software'");
    expect(res).toMatchObject({ totalSize: 2, done: true, records: [] });
  });

  it('pages by the Sforce-Query-Options batch size with locators jsforce can follow', async () => {
    await sf.control('POST', '/__sandbox/records/Contact', Array.from({ length: 450 }, (_, i) => ({ Id: sfId('003', i + 1), LastName: `C${i}`, AccountId: sfId('001', 1) })));
    const conn = await sf.connect();
    const first = await conn.request<{ totalSize: number; done: boolean; nextRecordsUrl: string; records: unknown[] }>({ method: 'GET', url: '/services/data/v62.0/query?q=SELECT+Id+FROM+Contact', headers: { 'Sforce-Query-Options': 'batchSize=200' } });
    expect(first).toMatchObject({ totalSize: 450, done: false });
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/[^/]+-200$/);
    const second = await conn.queryMore(first.nextRecordsUrl);
    const third = await conn.queryMore(second.nextRecordsUrl ?? '');
    expect([second.records.length, third.records.length, third.done]).toEqual([200, 50, true]);
    const all = await conn.query('SELECT Id FROM Contact', { autoFetch: true, maxFetch: 1000 });
    expect(all.records).toHaveLength(450);
  });
});

describe('deletes, sandbox writes and errors', () => {
  it('hides deleted records from query, shows them with IsDeleted to queryAll, and serves sandbox writes', async () => {
    await sf.control('POST', '/__sandbox/records/Account', { Id: sfId('001', 50), Name: 'Epsilon', Region__c: 'EMEA' });
    await sf.control('DELETE', `/__sandbox/records/Account/${sfId('001', 50)}`);
    const conn = await sf.connect();
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Epsilon'")).totalSize).toBe(0);
    const all = await conn.query<{ IsDeleted: boolean; Region__c: string }>("SELECT Id, IsDeleted, Region__c FROM Account WHERE Name = 'Epsilon'", { scanAll: true });
    expect(all.records[0]).toMatchObject({ IsDeleted: true, Region__c: 'EMEA' });
    expect((await sf.control('DELETE', `/__sandbox/records/Account/${sfId('001', 999)}`)).status).toBe(404);
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const deleted = await conn.sobject('Account').deleted(from, to);
    expect(deleted.deletedRecords.map((r) => r.id)).toEqual([sfId('001', 50)]);
    expect(deleted.deletedRecords[0]?.deletedDate).toMatch(/\.\d{3}\+0000$/);
    const updated = await conn.sobject('Account').updated(from, to);
    expect(updated.ids).toEqual([]);
  });

  it('matches LIKE wildcards, with backslash-escaped % and _ taken literally', async () => {
    await sf.control('POST', '/__sandbox/records/Account', [
      { Id: sfId('001', 60), Name: '100% Pure' },
      { Id: sfId('001', 61), Name: '100 Pure' },
      { Id: sfId('001', 62), Name: 'snake_case' },
      { Id: sfId('001', 63), Name: 'snakeXcase' },
    ]);
    expect(await ids("SELECT Id FROM Account WHERE Name LIKE '100\\%%' ORDER BY Id")).toEqual(['060']);
    expect(await ids("SELECT Id FROM Account WHERE Name LIKE '100%' ORDER BY Id")).toEqual(['060', '061']);
    expect(await ids("SELECT Id FROM Account WHERE Name LIKE 'snake\\_case'")).toEqual(['062']);
    expect(await ids("SELECT Id FROM Account WHERE Name LIKE 'SNAKE_CASE' ORDER BY Id")).toEqual(['062', '063']);
    await Promise.all([60, 61, 62, 63].map((n) => sf.control('DELETE', `/__sandbox/records/Account/${sfId('001', n)}`)));
  });

  it('answers unknown fields, relationships and objects, and bad SOQL, with Salesforce errors', async () => {
    const conn = await sf.connect();
    await expect(conn.query('SELECT Id FROM Account WHERE')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(conn.query('SELECT Id FROM Account WHERE Nope__c = 1')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Nope__c' on entity 'Account'") as unknown });
    await expect(conn.query('SELECT Nobody.Name FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Owner.Nope__c FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD', message: expect.stringContaining("No such column 'Nope__c' on entity 'User'") as unknown });
    await expect(conn.query('SELECT Id FROM Account ORDER BY Nope__c')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query('SELECT Id FROM Widget__c')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
    await expect(conn.queryMore('01gdoesnotexist-2000')).rejects.toMatchObject({ errorCode: 'INVALID_QUERY_LOCATOR' });
    await expect(conn.query('SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2026')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    const badJson = await fetch(`${sf.url}/services/data/v62.0/composite/sobjects`, { method: 'PATCH', headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' }, body: '{"records": [' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject([{ errorCode: 'JSON_PARSER_ERROR' }]);
  });
});
