/** Writes through jsforce: sObject Collections edge cases, single-record routes and Bulk API 2.0 ingest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAccountsBulk } from '../../../../connectors/salesforce/writer.ts';
import { TransientError } from '../../../../src/contracts/errors.ts';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';

const accounts = Array.from({ length: 6 }, (_, i) => ({ Id: sfId('001', i + 1), Name: `Account ${i + 1}`, NumberOfEmployees: i, OwnerId: sfId('005', 1) }));

let sf: RunningSalesforce;
beforeAll(async () => {
  sf = await startSalesforce({ Account: accounts, User: [{ Id: sfId('005', 1), Name: 'Olivia Owner' }] }, { describe: { readOnlyFields: ['Account.CS_Success_Plan_Stage__c'] } });
});
afterAll(async () => sf.close());

interface SaveError {
  statusCode: string;
  fields: string[];
}
const code = (r: { success: boolean; errors: unknown[] }): string => (r.success ? 'ok' : ((r.errors[0] as SaveError | undefined)?.statusCode ?? '?'));

describe('sObject Collections', () => {
  it('accepts numbers and booleans sent as strings, as Salesforce does, and stamps SystemModstamp with the emulator clock', async () => {
    await sf.control('POST', '/__sandbox/clock', { set: '2027-03-01T08:00:00Z' });
    try {
      const conn = await sf.connect();
      const [r] = await conn.sobject('Account').update([{ Id: sfId('001', 1), CS_Health_Score__c: '77', CS_Success_Plan_Review__c: 'true', CS_Health_Updated__c: '2027-03-01T08:00:00.000Z' }], { allOrNone: false });
      expect(r).toEqual({ id: sfId('001', 1), success: true, errors: [] });
      const read = await conn.query<Record<string, unknown>>(`SELECT CS_Health_Score__c, CS_Success_Plan_Review__c, CS_Health_Updated__c, SystemModstamp, LastModifiedDate FROM Account WHERE Id = '${sfId('001', 1)}'`);
      expect(read.records[0]).toMatchObject({ CS_Health_Score__c: 77, CS_Success_Plan_Review__c: true, CS_Health_Updated__c: '2027-03-01T08:00:00.000+0000' });
      // The emulator clock keeps running from the instant it was set to.
      expect(read.records[0]?.SystemModstamp).toMatch(/^2027-03-01T08:00:0\d\.\d{3}\+0000$/);
      expect(read.records[0]?.LastModifiedDate).toBe(read.records[0]?.SystemModstamp);
    } finally {
      await sf.control('POST', '/__sandbox/clock', { reset: true });
    }
  });

  it('reports read-only, unknown, out-of-range and malformed-id records, failures without an id', async () => {
    const conn = await sf.connect();
    const results = await conn.sobject('Account').update(
      [
        { Id: sfId('001', 2), CS_Success_Plan_Stage__c: 'Adoption' },
        { Id: sfId('001', 2), Nope__c: 1 },
        { Id: sfId('001', 2), CS_Health_Score__c: 1000 },
        { Id: 'not-an-id', Name: 'x' },
        { Id: sfId('001', 2), CS_Health_Drivers__c: 'y'.repeat(4001) },
      ],
      { allOrNone: false },
    );
    expect(results.map(code)).toEqual(['INVALID_FIELD_FOR_INSERT_UPDATE', 'INVALID_FIELD', 'NUMBER_OUTSIDE_VALID_RANGE', 'MALFORMED_ID', 'STRING_TOO_LONG']);
    expect(results.every((r) => !('id' in r))).toBe(true);
    expect((results[1]?.errors[0] as SaveError | undefined)?.fields).toEqual(['Nope__c']);
  });

  it('fails a record with a queued validation fault, then succeeds, and leaves other records alone', async () => {
    await sf.control('POST', '/__sandbox/record-faults', { sobject: 'Account', id: sfId('001', 3), statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Score needs a band', count: 1 });
    const conn = await sf.connect();
    const first = await conn.sobject('Account').update([{ Id: sfId('001', 3), CS_NPS__c: 10 }, { Id: sfId('001', 4), CS_NPS__c: 10 }], { allOrNone: false });
    expect(first.map(code)).toEqual(['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'ok']);
    expect((first[0]?.errors[0] as { message?: string } | undefined)?.message).toBe('Score needs a band');
    const again = await conn.sobject('Account').update([{ Id: sfId('001', 3), CS_NPS__c: 10 }], { allOrNone: false });
    expect(again.map(code)).toEqual(['ok']);
  });

  it('leaves every record unchanged under allOrNone when one fails, rolled-back results keeping their id', async () => {
    const conn = await sf.connect();
    const results = await conn.sobject('Account').update([{ Id: sfId('001', 5), CS_NPS__c: 42 }, { Id: sfId('001', 5), CS_Health_Band__c: 'Blue' }], { allOrNone: true });
    expect(results[0]).toMatchObject({ id: sfId('001', 5), success: false });
    expect(results.map(code)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST']);
    const read = await conn.query<{ CS_NPS__c: number | null }>(`SELECT CS_NPS__c FROM Account WHERE Id = '${sfId('001', 5)}'`);
    expect(read.records[0]?.CS_NPS__c).toBeNull();
  });

  it('answers more than 200 records with a 400 error array', async () => {
    const conn = await sf.connect();
    const res = await fetch(`${sf.url}/services/data/v62.0/composite/sobjects`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allOrNone: false, records: Array.from({ length: 201 }, () => ({ attributes: { type: 'Account' }, id: sfId('001', 1), CS_NPS__c: 1 })) }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Array<Record<string, unknown>>;
    expect(Object.keys(body[0] ?? {}).sort()).toEqual(['errorCode', 'message']);
  });
});

describe('kit faults on writes', () => {
  it('delivers an injected 500 and an injected session expiry on the collection PATCH to jsforce, then works again', async () => {
    const conn = await sf.connect();
    const route = 'PATCH /services/data/vXX.X/composite/sobjects';
    await sf.control('POST', '/__sandbox/faults', { faults: [{ route, type: 'status', status: 500, count: 1 }] });
    await expect(conn.sobject('Account').update([{ Id: sfId('001', 6), CS_NPS__c: 1 }], { allOrNone: false })).rejects.toMatchObject({ errorCode: 'UNKNOWN_EXCEPTION' });
    const res = await fetch(`${sf.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route, type: 'session-expired', count: 1 }) });
    expect(res.status).toBe(201);
    const raw = await fetch(`${sf.url}/services/data/v62.0/composite/sobjects`, { method: 'PATCH', headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' }, body: JSON.stringify({ records: [{ attributes: { type: 'Account' }, id: sfId('001', 6), CS_NPS__c: 1 }] }) });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const [ok] = await conn.sobject('Account').update([{ Id: sfId('001', 6), CS_NPS__c: 1 }], { allOrNone: false });
    expect(ok?.success).toBe(true);
    const stats = await sf.stats();
    expect(stats[route]).toMatchObject({ '500': 1, '401': 1 });
  });
});

describe('single-record routes', () => {
  it('updates with PATCH (204), reads with GET, creates with POST, and answers 404 for unknown ids', async () => {
    const conn = await sf.connect();
    await conn.sobject('Account').update({ Id: sfId('001', 6), CS_Next_Milestone__c: 'Kick-off' });
    const read = await conn.sobject('Account').retrieve(sfId('001', 6));
    expect(read).toMatchObject({ attributes: { type: 'Account' }, Id: sfId('001', 6), CS_Next_Milestone__c: 'Kick-off', Name: 'Account 6' });
    const created = await conn.sobject('Task').create({ Subject: 'Call', WhatId: sfId('001', 6), Status: 'Not Started' });
    expect(created).toMatchObject({ success: true, id: expect.stringMatching(/^00T\w{15}$/) as unknown });
    await expect(conn.sobject('Account').retrieve(sfId('001', 777))).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    const res = await fetch(`${sf.url}/services/data/v62.0/sobjects/Account/${sfId('001', 777)}`, { method: 'PATCH', headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' }, body: '{"Name":"x"}' });
    expect(res.status).toBe(404);
  });
});

describe('Bulk API 2.0 ingest', () => {
  it('updates through jsforce bulk2 with #N/A nulls and reports per-row success and failure', async () => {
    const conn = await sf.connect();
    const results = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'update',
      input: [
        // jsforce takes the CSV columns from the first record.
        { Id: sfId('001', 1), CS_Health_Score__c: 12, CS_Next_Milestone__c: null, CS_Health_Band__c: 'Red' },
        { Id: sfId('001', 2), CS_Health_Score__c: 5, CS_Next_Milestone__c: 'x', CS_Health_Band__c: 'Purple' },
        { Id: sfId('001', 888), CS_Health_Score__c: 1, CS_Next_Milestone__c: 'x', CS_Health_Band__c: 'Red' },
      ],
      pollInterval: 1,
      pollTimeout: 5000,
    });
    expect(results.successfulResults).toHaveLength(1);
    expect(results.successfulResults[0]).toMatchObject({ sf__Id: sfId('001', 1), sf__Created: 'false' });
    expect(results.failedResults.map((r) => String(r.sf__Error).split(':')[0]).sort()).toEqual(['INVALID_CROSS_REFERENCE_KEY', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST']);
    const read = await conn.query<{ CS_Health_Score__c: number; CS_Next_Milestone__c: string | null }>(`SELECT CS_Health_Score__c, CS_Next_Milestone__c FROM Account WHERE Id = '${sfId('001', 1)}'`);
    expect(read.records[0]).toMatchObject({ CS_Health_Score__c: 12, CS_Next_Milestone__c: null });
  });

  it('inserts records and walks the job lifecycle over raw HTTP, failing a job whose header names an unknown field', async () => {
    const conn = await sf.connect();
    const headers = { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' };
    const base = `${sf.url}/services/data/v62.0/jobs/ingest`;
    const job = (await (await fetch(base, { method: 'POST', headers, body: JSON.stringify({ object: 'Task', operation: 'insert' }) })).json()) as Record<string, unknown>;
    expect(job).toMatchObject({ state: 'Open', object: 'Task', operation: 'insert', contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA', apiVersion: 62 });
    const put = await fetch(`${base}/${String(job.id)}/batches`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/csv' }, body: 'Subject,Description\n"Follow up, soon","Said ""yes"""\nSecond,#N/A\n' });
    expect(put.status).toBe(201);
    const again = await fetch(`${base}/${String(job.id)}/batches`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/csv' }, body: 'Subject\nx\n' });
    expect(again.status).toBe(409);
    await fetch(`${base}/${String(job.id)}`, { method: 'PATCH', headers, body: JSON.stringify({ state: 'UploadComplete' }) });
    const status = (await (await fetch(`${base}/${String(job.id)}`, { headers })).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0, jobType: 'V2Ingest' });
    const csv = await (await fetch(`${base}/${String(job.id)}/successfulResults`, { headers })).text();
    expect(csv.split('\n')[0]).toBe('"sf__Id","sf__Created","Subject","Description"');
    expect(csv).toContain('"true","Follow up, soon","Said ""yes"""');
    const tasks = await conn.query<{ Description: string | null }>("SELECT Description FROM Task WHERE Subject = 'Follow up, soon'");
    expect(tasks.records[0]?.Description).toBe('Said "yes"');
    expect((await fetch(`${base}/${String(job.id)}`, { method: 'DELETE', headers })).status).toBe(204);
    expect((await fetch(`${base}/${String(job.id)}`, { headers })).status).toBe(404);

    const bad = (await (await fetch(base, { method: 'POST', headers, body: JSON.stringify({ object: 'Account', operation: 'update' }) })).json()) as Record<string, unknown>;
    await fetch(`${base}/${String(bad.id)}/batches`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/csv' }, body: `Id,Nope__c\n${sfId('001', 1)},1\n` });
    await fetch(`${base}/${String(bad.id)}`, { method: 'PATCH', headers, body: JSON.stringify({ state: 'UploadComplete' }) });
    const failed = (await (await fetch(`${base}/${String(bad.id)}`, { headers })).json()) as Record<string, unknown>;
    expect(failed).toMatchObject({ state: 'Failed', errorMessage: 'InvalidBatch : Field name not found : Nope__c' });
  });
});

describe('writeAccountsBulk (Tidemark\'s Bulk API 2.0 write)', () => {
  it('a job Salesforce fails (an unknown column) is a transient error and the job is deleted', async () => {
    const conn = await sf.connect();
    const before = await sf.stats();
    const count = (stats: Record<string, Record<string, number>>, route: string): number => Object.values(stats[route] ?? {}).reduce((a, b) => a + b, 0);
    await expect(writeAccountsBulk(conn, [{ accountId: sfId('001', 1), values: { No_Such_Field__c: 1 } }], new Map(), { pollIntervalMs: 10, pollTimeoutMs: 5_000 })).rejects.toThrow(TransientError);
    const after = await sf.stats();
    const route = 'DELETE /services/data/vXX.X/jobs/ingest/{jobId}';
    await expect.poll(async () => count(await sf.stats(), route) - count(before, route)).toBe(1);
    expect(count(after, 'GET /services/data/vXX.X/jobs/ingest/{jobId}/successfulResults') - count(before, 'GET /services/data/vXX.X/jobs/ingest/{jobId}/successfulResults')).toBe(0);
  });

  it('joins the results per record: written, refused, and not processed', async () => {
    const conn = await sf.connect();
    const results = await writeAccountsBulk(conn, [
      { accountId: sfId('001', 3), values: { NumberOfEmployees: 42 } },
      { accountId: sfId('001', 999), values: { NumberOfEmployees: 7 } },
    ], new Map(), { pollIntervalMs: 10 });
    expect(results.find((r) => r.accountId === sfId('001', 3))).toMatchObject({ success: true });
    expect(results.find((r) => r.accountId === sfId('001', 999))).toMatchObject({ success: false });
    const read = await conn.query<{ NumberOfEmployees: number }>(`SELECT NumberOfEmployees FROM Account WHERE Id = '${sfId('001', 3)}'`);
    expect(read.records[0]?.NumberOfEmployees).toBe(42);
  });
});
