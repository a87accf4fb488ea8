/** Constructor options: describe switches, the daily API budget per limits mode, and the sObject list. */
import { afterEach, describe, expect, it } from 'vitest';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';

const running: RunningSalesforce[] = [];
const start = async (options: Parameters<typeof startSalesforce>[1]): Promise<RunningSalesforce> => {
  const sf = await startSalesforce({ Account: [{ Id: sfId('001', 1), Name: 'Acme' }] }, options);
  running.push(sf);
  return sf;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((sf) => sf.close()));
});

interface SaveError {
  statusCode: string;
}

describe('describe switches given at construction', () => {
  it('removes missing fields from describe, queries and writes, and refuses writes to read-only fields', async () => {
    const sf = await start({ describe: { missingFields: ['Account.CS_Health_Score__c'], readOnlyFields: ['Account.CS_Health_Band__c'] } });
    const conn = await sf.connect();
    const d = await conn.sobject('Account').describe();
    expect(d.fields.map((f) => f.name)).not.toContain('CS_Health_Score__c');
    expect(d.fields.find((f) => f.name === 'CS_Health_Band__c')).toMatchObject({ updateable: false, createable: true, type: 'picklist' });
    expect(d.fields.find((f) => f.name === 'CS_Manager__c')).toMatchObject({ type: 'reference', referenceTo: ['User'], relationshipName: 'CS_Manager__r' });
    await expect(conn.query('SELECT CS_Health_Score__c FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    const results = await conn.sobject('Account').update([{ Id: sfId('001', 1), CS_Health_Score__c: 50 }, { Id: sfId('001', 1), CS_Health_Band__c: 'Green' }], { allOrNone: false });
    expect(results.map((r) => (r.errors[0] as SaveError | undefined)?.statusCode)).toEqual(['INVALID_FIELD', 'INVALID_FIELD_FOR_INSERT_UPDATE']);
    await sf.control('POST', '/__sandbox/describe', { missingFields: [], readOnlyFields: [] });
    const [ok] = await conn.sobject('Account').update([{ Id: sfId('001', 1), CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' }], { allOrNone: false });
    expect(ok?.success).toBe(true);
  });

  it('lists sObjects, Task included', async () => {
    const sf = await start({});
    const conn = await sf.connect();
    const list = await conn.describeGlobal();
    expect(list.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(['Account', 'Contact', 'Opportunity', 'OpportunityLineItem', 'Task', 'User']));
  });
});

describe('daily API budget', () => {
  it('defaults to 15,000 under real limits and 1,000,000 relaxed', async () => {
    const real = await (await start({ limits: 'real' })).connect();
    expect((await real.limits()).DailyApiRequests).toEqual({ Max: 15000, Remaining: 14999 });
    const relaxed = await (await start({})).connect();
    expect((await relaxed.limits()).DailyApiRequests?.Max).toBe(1_000_000);
  });

  it('spends one request per authenticated call (not the token call) and refuses with 403 when exhausted', async () => {
    const sf = await start({ limits: 'real', dailyApiRequests: 3 });
    const conn = await sf.connect();
    await conn.query('SELECT Id FROM Account');
    expect(conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 3 });
    await conn.sobject('Account').describe();
    const last = await fetch(`${sf.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken ?? ''}` } });
    expect(last.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    expect(await last.json()).toMatchObject({ DailyApiRequests: { Max: 3, Remaining: 0 } });
    await expect(conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 3, remaining: 1 } });
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
  });
});
