/**
 * Details where the emulator follows Salesforce rather than the easy path: case-insensitive
 * object and relationship names, 15-character Ids, checkboxes never null, error positions, the
 * identity URL, ?fields= on a record, Id prefixes in writes, the JWT header.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import type jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';

const ACME = sfId('001', 1);
const BETA = sfId('001', 2);
const OWNER = sfId('005', 1);

let sf: RunningSalesforce;
let conn: jsforce.Connection;
beforeAll(async () => {
  sf = await startSalesforce({
    Account: [
      { Id: ACME, Name: 'Acme', OwnerId: OWNER, CS_Onboarding_Overdue__c: true },
      { Id: BETA, Name: 'Beta', OwnerId: OWNER },
    ],
    // The parent reference holds a 15-character Id, as some exports do.
    Contact: [{ Id: sfId('003', 1), AccountId: ACME.slice(0, 15), Email: 'a@acme.com' }],
    User: [{ Id: OWNER, Name: 'Olivia Owner', Email: 'olivia@vendor.com' }],
  });
  conn = await sf.connect();
});
afterAll(async () => sf.close());

const api = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${sf.url}${path}`, { ...init, headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'content-type': 'application/json' } });

const errorOf = async (p: PromiseLike<unknown>): Promise<{ errorCode: string; message: string }> => {
  try {
    await p;
  } catch (err) {
    const e = err as { errorCode?: string; message: string };
    return { errorCode: String(e.errorCode), message: e.message };
  }
  throw new Error('expected the call to fail');
};

describe('names and Ids as Salesforce matches them', () => {
  it('accepts object, field and relationship names in any case and answers with the org spelling', async () => {
    const res = await conn.query<Record<string, unknown>>(`select id, name, owner.name from account where name = 'acme'`);
    expect(res.records).toHaveLength(1);
    const [record] = res.records;
    expect(record?.attributes).toMatchObject({ type: 'Account' });
    expect(record).toMatchObject({ Id: ACME, Name: 'Acme', Owner: { attributes: { type: 'User' }, Name: 'Olivia Owner' } });
    expect(Object.keys(record ?? {})).not.toContain('owner');
    const described = await conn.sobject('account').describe();
    expect(described.name).toBe('Account');
  });

  it('matches a 15-character Id against the stored 18-character one, in WHERE and through a parent reference', async () => {
    const byShort = await conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE Id = '${ACME.slice(0, 15)}'`);
    expect(byShort.records.map((r) => r.Id)).toEqual([ACME]);
    const inList = await conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE Id IN ('${BETA.slice(0, 15)}', '${ACME}') ORDER BY Name`);
    expect(inList.records.map((r) => r.Id)).toEqual([ACME, BETA]);
    const contact = await conn.query<{ Account: { Name: string } | null }>('SELECT Id, Account.Name FROM Contact');
    expect(contact.records[0]?.Account?.Name).toBe('Acme');
  });

  it('knows Product2 even when the dataset has none, so Product2.Name on a line item is a valid path', async () => {
    const res = await conn.query('SELECT Id, Product2.Name FROM OpportunityLineItem');
    expect(res.totalSize).toBe(0);
    expect((await errorOf(conn.query('SELECT Id, Product2.Nope__c FROM OpportunityLineItem'))).errorCode).toBe('INVALID_FIELD');
    expect((await conn.query('SELECT Id, Name FROM Product2')).totalSize).toBe(0);
  });

  it('refuses an update whose Id belongs to another object with MALFORMED_ID', async () => {
    const results = await conn.sobject('Account').update([
      { Id: sfId('003', 1), Name: 'Not an account' },
      { Id: BETA, Name: 'Beta Renamed' },
    ]);
    expect(results[0]).toMatchObject({ success: false, errors: [{ statusCode: 'MALFORMED_ID', fields: ['Id'] }] });
    expect(results[1]).toMatchObject({ id: BETA, success: true });
    // The 003 Id stays untouched on its own object.
    expect(sf.emulator.store.get('Contact', sfId('003', 1))?.Name).toBeUndefined();
  });
});

describe('collection chunks', () => {
  it('accepts 10 chunks of consecutive same-type records and refuses 11 with EXCEEDED_MAX_TYPES_LIMIT', async () => {
    const alternating = (n: number): Array<Record<string, unknown>> =>
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? { attributes: { type: 'Task' }, Subject: `chunk ${i}` } : { attributes: { type: 'Contact' }, LastName: `Chunk ${i}` }));
    const ten = await api('/services/data/v62.0/composite/sobjects', { method: 'POST', body: JSON.stringify({ allOrNone: false, records: alternating(10) }) });
    expect(ten.status).toBe(200);
    expect(((await ten.json()) as Array<{ success: boolean }>).every((r) => r.success)).toBe(true);
    const eleven = await api('/services/data/v62.0/composite/sobjects', { method: 'POST', body: JSON.stringify({ allOrNone: false, records: alternating(11) }) });
    expect(eleven.status).toBe(400);
    expect(await eleven.json()).toEqual([expect.objectContaining({ errorCode: 'EXCEEDED_MAX_TYPES_LIMIT' })]);
  });
});

describe('values', () => {
  it('serves an unset checkbox as false, never null, and matches it with = false', async () => {
    const res = await conn.query<{ Id: string; CS_Onboarding_Overdue__c: boolean }>('SELECT Id, CS_Onboarding_Overdue__c FROM Account ORDER BY Name');
    expect(res.records.map((r) => r.CS_Onboarding_Overdue__c)).toEqual([true, false]);
    const unset = await conn.query<{ Id: string }>('SELECT Id FROM Account WHERE CS_Onboarding_Overdue__c = false');
    expect(unset.records.map((r) => r.Id)).toEqual([BETA]);
  });

  it('reads selected fields of one record with ?fields=, and refuses an unknown one', async () => {
    const res = await api(`/services/data/v62.0/sobjects/Account/${ACME}?fields=Name,OwnerId`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['Id', 'Name', 'OwnerId', 'attributes']);
    const bad = await api(`/services/data/v62.0/sobjects/Account/${ACME}?fields=Name,Nope__c`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD' })]);
  });
});

describe('query errors point at the offending token', () => {
  it('gives the row and column of an unknown field, with the caret under it', async () => {
    const soql = 'SELECT Id, Name,\n  Nope__c FROM Account';
    const { errorCode, message } = await errorOf(conn.query(soql));
    expect(errorCode).toBe('INVALID_FIELD');
    expect(message).toBe(
      "\n  Nope__c FROM Account\n  ^\nERROR at Row:2:Column:3\nNo such column 'Nope__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
  });

  it('points at an unknown object after FROM, even when the name also appears earlier', async () => {
    const { errorCode, message } = await errorOf(conn.query('SELECT Widget FROM Widget'));
    expect(errorCode).toBe('INVALID_TYPE');
    expect(message.split('\n').slice(1, 4)).toEqual(['SELECT Widget FROM Widget', `${' '.repeat(19)}^`, 'ERROR at Row:1:Column:20']);
  });
});

describe('filter values must have the field type', () => {
  it.each([
    ["SELECT Id FROM Account WHERE SystemModstamp > '2026-01-01T00:00:00Z'", 'SystemModstamp', 'dateTime', 'not '],
    ['SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01', 'SystemModstamp', 'dateTime', 'not '],
    ["SELECT Id FROM Account WHERE CS_Renewal_Date__c = '2026-01-01'", 'CS_Renewal_Date__c', 'date', 'not '],
    ["SELECT Id FROM Account WHERE CS_Health_Score__c > '50'", 'CS_Health_Score__c', 'double', 'not '],
    ["SELECT Id FROM Account WHERE CS_Onboarding_Overdue__c = 'true'", 'CS_Onboarding_Overdue__c', 'boolean', 'not '],
    ['SELECT Id FROM Account WHERE Name = 5', 'Name', 'string', ''],
    ["SELECT Id FROM Contact WHERE Account.CS_Licensed_Seats__c IN ('5', '6')", 'CS_Licensed_Seats__c', 'double', 'not '],
  ])('refuses %s with INVALID_FIELD', async (soql, field, type, not) => {
    const { errorCode, message } = await errorOf(conn.query(soql));
    expect(errorCode).toBe('INVALID_FIELD');
    expect(message).toContain(`value of filter criterion for field '${field}' must be of type ${type} and should ${not}be enclosed in quotes`);
  });

  it('accepts the right types, null and relative date literals', async () => {
    for (const soql of [
      'SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00Z AND CS_Renewal_Date__c != 2026-01-01',
      'SELECT Id FROM Account WHERE SystemModstamp < LAST_N_DAYS:3 OR CS_Health_Score__c > 50.5 OR CS_Health_Score__c = null',
      'SELECT Id FROM Account WHERE CS_Onboarding_Overdue__c = TRUE AND Name IN (\'Acme\', \'Beta\')',
    ]) {
      await expect(conn.query(soql)).resolves.toMatchObject({ done: true });
    }
  });
});

describe('query locators', () => {
  it('serves a page again from the same locator after a broken body, and refuses an unknown locator', async () => {
    const tasks = Array.from({ length: 450 }, (_, i) => ({ Subject: `Task ${String(i).padStart(3, '0')}` }));
    expect((await sf.control('POST', '/__sandbox/records/Task', tasks)).status).toBe(201);
    const options = { headers: { authorization: `Bearer ${conn.accessToken ?? ''}`, 'sforce-query-options': 'batchSize=200' } };
    const first = (await (await fetch(`${sf.url}/services/data/v62.0/query?q=${encodeURIComponent("SELECT Subject FROM Task WHERE Subject LIKE 'Task %' ORDER BY Subject")}`, options)).json()) as { nextRecordsUrl: string; records: Array<{ Subject: string }> };
    expect(first.records).toHaveLength(200);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]+-200$/);

    await sf.control('POST', '/__sandbox/faults', { route: 'GET /services/data/vXX.X/query/{locator}', type: 'truncate', count: 1 });
    const broken = await fetch(`${sf.url}${first.nextRecordsUrl}`, options);
    await expect(broken.json()).rejects.toThrow();
    const retried = (await (await fetch(`${sf.url}${first.nextRecordsUrl}`, options)).json()) as { nextRecordsUrl: string; records: Array<{ Subject: string }> };
    expect(retried.records.map((r) => r.Subject)).toEqual(tasks.slice(200, 400).map((t) => t.Subject));
    expect(retried.nextRecordsUrl).toBe(first.nextRecordsUrl.replace(/-200$/, '-400'));

    // jsforce follows the same locators to the end.
    const rest = await conn.queryMore(retried.nextRecordsUrl);
    expect(rest.done).toBe(true);
    expect(rest.records).toHaveLength(50);

    const unknown = await fetch(`${sf.url}/services/data/v62.0/query/01gNOPE00000000AAA-200`, options);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
  });
});

describe('identity URL and resources', () => {
  it('answers jsforce identity() for the token owner without spending the API budget', async () => {
    const before = await conn.limits();
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: '005000000000001AAA', organization_id: '00D000000000001EAA' });
    const raw = (await (await api('/id/00D000000000001EAA/005000000000001AAA?version=62.0')).json()) as { urls: Record<string, string> };
    expect(raw.urls.rest).toBe(`${sf.url}/services/data/v62.0/`);
    const after = await conn.limits();
    // Only the second limits() call itself was spent.
    expect((before.DailyApiRequests?.Remaining ?? 0) - (after.DailyApiRequests?.Remaining ?? 0)).toBe(1);
  });

  it('refuses a bad token at the identity URL with 403 Bad_OAuth_Token', async () => {
    const res = await fetch(`${sf.url}/id/00D000000000001EAA/005000000000001AAA`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('Bad_OAuth_Token');
  });

  it('lists the version resources', async () => {
    const res = await api('/services/data/v62.0/');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ query: '/services/data/v62.0/query', sobjects: '/services/data/v62.0/sobjects' });
  });
});

describe('JWT bearer header', () => {
  it('refuses an assertion whose header is not RS256', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = { iss: 'sandbox', sub: 'integration@example.com', aud: 'https://login.salesforce.com', exp: Math.floor(Date.now() / 1000) + 120 };
    const signed = (header: unknown): string => {
      const unsigned = `${enc(header)}.${enc(claims)}`;
      return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
    };
    const post = (assertion: string): Promise<Response> =>
      fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }) });
    expect((await post(signed({ alg: 'RS256', typ: 'JWT' }))).status).toBe(200);
    const hs = await post(signed({ alg: 'HS256' }));
    expect(hs.status).toBe(400);
    expect(await hs.json()).toEqual({ error: 'invalid_grant', error_description: 'invalid assertion' });
    const unsigned = await post(`${enc({ alg: 'RS256' })}.${enc(claims)}.`);
    expect(unsigned.status).toBe(400);
  });
});
