/**
 * Wire handling of the Salesforce connector against nock, with bodies in the shapes of the
 * recorded samples (/work/shared/fixtures/api-samples/salesforce): token, describe, queryAll
 * pages with nextRecordsUrl, the error arrays (INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED).
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { Stream } from '../../../src/contracts/connector.ts';
import { salesforceConnector, salesforceConfigSchema, type SalesforceConfig } from '../../../connectors/salesforce/index.ts';
import { soqlDateTime } from '../../../connectors/salesforce/query.ts';
import { bypassesProxy } from '../../../connectors/salesforce/connection.ts';
import { AuthError, BudgetError, RateLimitError, TransientError } from '../../../src/contracts/errors.ts';
import { canonicalRecordSchema, type RecordKind } from '../../../src/contracts/records.ts';
import { silentLogger } from '../../../src/logging/logger.ts';
import { collect } from '../collect.ts';
import { offlineNock } from '../nock-offline.ts';

const LOGIN = 'https://login.nock-sf.test';
const INSTANCE = 'https://acme.my.nock-sf.test';
const BASE = '/services/data/v62.0';
const JSON_UTF8 = { 'content-type': 'application/json;charset=UTF-8' };

const config: SalesforceConfig = salesforceConfigSchema.parse({ loginUrl: LOGIN, clientId: 'cid', clientSecret: 'top-secret-value', accountWriteFields: ['CS_Health_Score__c', 'CS_NPS__c'] });
const stream = <K extends RecordKind>(name: string) => salesforceConnector.streams.find((s) => s.name === name) as unknown as Stream<SalesforceConfig, K>;

function token(scope: nock.Scope, times = 1): nock.Scope {
  return scope.post('/services/oauth2/token').times(times).reply(200, {
    access_token: '00Dx0000000BV7z!AR8AQP0jITN80ESEsj5EbaZTFG0RNBaT1cyWk7TrqoDjoNIWQ2ME_sTZzBjfmOE6zMHq6y8PIW4eWze9JksNEkWUl.Cju7m4',
    signature: 'SSSbLO/gBhmmyNUvN18ODBDFYHzakxOMgqYtu+hDPsc=',
    scope: 'api',
    instance_url: INSTANCE,
    id: `${LOGIN}/id/00Dx0000000BV7z/005x00000012Q9P`,
    token_type: 'Bearer',
    issued_at: '1278448832702',
  }, JSON_UTF8);
}

const field = (name: string, type = 'string') => ({ name, type, updateable: name.startsWith('CS_'), nillable: true, custom: name.endsWith('__c') });
const ACCOUNT_FIELDS = ['Id', 'IsDeleted', 'MasterRecordId', 'Name', 'Website', 'Industry', 'NumberOfEmployees', 'OwnerId', 'CS_Manager__c', 'CS_Email_Domains__c', 'CS_Licensed_Seats__c', 'CS_Renewal_Date__c', 'SystemModstamp', 'CS_Health_Score__c'];
const describeBody = (names: string[]) => ({ name: 'Account', label: 'Account', queryable: true, fields: names.map((n) => field(n)) });

const account = (n: number, stamp: string, extra: Record<string, unknown> = {}) => ({
  attributes: { type: 'Account', url: `${BASE}/sobjects/Account/001RO00000${String(n).padStart(5, '0')}AAA` },
  Id: `001RO00000${String(n).padStart(5, '0')}AAA`,
  IsDeleted: false,
  MasterRecordId: null,
  Name: `Acme ${n}`,
  Website: `https://acme${n}.example`,
  Industry: 'Technology',
  NumberOfEmployees: 120,
  OwnerId: '005RO000000AbCdAAA',
  CS_Manager__c: null,
  CS_Email_Domains__c: `acme${n}.io;acme${n}.co.uk`,
  CS_Licensed_Seats__c: 25,
  CS_Renewal_Date__c: '2027-01-31',
  SystemModstamp: stamp,
  CS_Health_Score__c: n === 1 ? 71 : null,
  ...extra,
});

/** Captures the SOQL of each queryAll request. */
const soqls: string[] = [];
function queryAll(scope: nock.Scope, body: unknown, status = 200, headers: Record<string, string> = JSON_UTF8): nock.Scope {
  return scope
    .get(`${BASE}/queryAll`)
    .query((q) => {
      soqls.push(String(q.q));
      return true;
    })
    .reply(status, body as nock.Body, headers);
}

offlineNock(() => {
  soqls.length = 0;
});

describe('Salesforce connector on the wire', () => {
  it('pages through queryAll and queryMore to the end; checkpoint after each page is its last record; write fields the org lacks are left out', async () => {
    token(nock(LOGIN));
    const api = nock(INSTANCE, { reqheaders: { authorization: /^Bearer 00Dx/ } });
    api.get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS), JSON_UTF8);
    queryAll(api, { totalSize: 3, done: false, nextRecordsUrl: `${BASE}/query/01gRO0000016PIAYA2-2`, records: [account(1, '2026-11-01T10:00:00.000+0000'), account(2, '2026-11-01T10:00:00.000+0000')] }, 200, { ...JSON_UTF8, Date: 'Mon, 23 Nov 2026 09:15:04 GMT' });
    api.get(`${BASE}/query/01gRO0000016PIAYA2-2`).reply(200, { done: true, totalSize: 3, records: [account(3, '2026-11-02T08:30:15.000+0000')] }, JSON_UTF8);

    const pages = await collect(stream<'salesforce.account'>('accounts'), config);
    expect(api.isDone()).toBe(true);
    expect(pages).toHaveLength(2);
    // readAt: the server's Date header of the read's first answer; complete on the page Salesforce marks done.
    expect(pages.map((p) => p.checkpoint)).toEqual([
      { modstamp: '2026-11-01T10:00:00Z', id: '001RO0000000002AAA', readAt: '2026-11-23T09:15:04.000Z', complete: false },
      { modstamp: '2026-11-02T08:30:15Z', id: '001RO0000000003AAA', readAt: '2026-11-23T09:15:04.000Z', complete: true },
    ]);
    expect(pages.map((p) => p.apiCalls)).toEqual([2, 1]);
    const [first] = pages[0]?.records ?? [];
    expect(canonicalRecordSchema.parse(first)).toMatchObject({ id: '001RO0000000001AAA', emailDomains: ['acme1.io', 'acme1.co.uk'], licensedSeats: 25, renewalDate: '2027-01-31', modstamp: '2026-11-01T10:00:00.000Z', fields: { CS_Health_Score__c: 71 } });
    expect(first?.fields).not.toHaveProperty('CS_NPS__c');
    expect(soqls[0]).toMatch(/^SELECT Id, SystemModstamp, Name, IsDeleted, .*CS_Health_Score__c FROM Account ORDER BY SystemModstamp ASC, Id ASC$/);
    expect(soqls[0]).not.toContain('CS_NPS__c');
  });

  it('resumes with > on the timestamp or = and a greater Id, without milliseconds', async () => {
    token(nock(LOGIN));
    const api = nock(INSTANCE);
    api.get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS), JSON_UTF8);
    queryAll(api, { totalSize: 1, done: true, records: [account(4, '2026-11-01T10:00:00.000+0000')] });
    const pages = await collect(stream<'salesforce.account'>('accounts'), config, { modstamp: '2026-11-01T10:00:00Z', id: '001RO0000000002AAA' });
    expect(soqls[0]).toContain("WHERE (SystemModstamp > 2026-11-01T10:00:00Z OR (SystemModstamp = 2026-11-01T10:00:00Z AND Id > '001RO0000000002AAA'))");
    expect(soqls[0]).not.toMatch(/\.\d{3}Z/);
    expect(pages[0]?.records.map((r) => r.id)).toEqual(['001RO0000000004AAA']);
    expect(soqlDateTime('2026-11-01T10:00:00.999+0000')).toBe('2026-11-01T10:00:00Z');
  });

  it('after a complete read that came within the lookback of its latest change, asks for SystemModstamp >= readAt - lookback', async () => {
    token(nock(LOGIN));
    const api = nock(INSTANCE);
    api.get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS), JSON_UTF8);
    queryAll(api, { totalSize: 1, done: true, records: [account(4, '2026-11-23T09:10:00.000+0000')] });
    await collect(stream<'salesforce.account'>('accounts'), config, { modstamp: '2026-11-23T09:10:00Z', id: '001RO0000000002AAA', readAt: '2026-11-23T09:15:04.000Z', complete: true });
    expect(soqls[0]).toMatch(/ FROM Account WHERE SystemModstamp >= 2026-11-23T09:05:04Z ORDER BY SystemModstamp ASC, Id ASC$/);
  });

  it('first sync with a horizon filters by SystemModstamp from now minus the horizon', async () => {
    token(nock(LOGIN));
    const api = nock(INSTANCE);
    api.get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS), JSON_UTF8);
    queryAll(api, { totalSize: 0, done: true, records: [] });
    await collect(stream<'salesforce.account'>('accounts'), { ...config, firstSyncHorizonDays: 30 }, null, new Date('2026-11-20T12:00:00.500Z'));
    expect(soqls[0]).toContain('WHERE SystemModstamp > 2026-10-21T12:00:00Z');
  });

  it('deleted and merged records arrive with isDeleted; a malformed record is quarantined and the rest lands', async () => {
    token(nock(LOGIN));
    const api = nock(INSTANCE);
    api.get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS), JSON_UTF8);
    queryAll(api, {
      totalSize: 3,
      done: true,
      records: [
        account(5, '2026-11-03T00:00:00.000+0000', { IsDeleted: true }),
        account(6, '2026-11-03T00:00:00.000+0000', { IsDeleted: true, MasterRecordId: '001RO0000000007AAA' }),
        account(7, '2026-11-03T00:00:01.000+0000', { Id: 'not-an-id' }),
      ],
    });
    const [page] = await collect(stream<'salesforce.account'>('accounts'), config);
    expect(page?.records.map((r) => [r.id, r.isDeleted, r.masterRecordId])).toEqual([
      ['001RO0000000005AAA', true, null],
      ['001RO0000000006AAA', true, '001RO0000000007AAA'],
    ]);
    expect(page?.quarantined).toHaveLength(1);
    expect(page?.quarantined[0]?.reason).toMatch(/Id: .*Salesforce Id/);
  });

  it('fails a page whose records are not all objects as a transient error naming what it got', async () => {
    token(nock(LOGIN));
    const api = nock(INSTANCE);
    api.get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS), JSON_UTF8);
    queryAll(api, { totalSize: 2, done: true, records: [account(1, '2026-11-03T00:00:00.000+0000'), 7] });
    const failure = collect(stream<'salesforce.account'>('accounts'), config);
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(/unexpected query response shape: Invalid input: expected record, received number/);
  });

  it('refreshes an expired session by re-running the client-credentials flow and replays the call', async () => {
    token(nock(LOGIN), 2);
    const api = nock(INSTANCE);
    api.get(`${BASE}/sobjects/User/describe`).reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], JSON_UTF8);
    api.get(`${BASE}/sobjects/User/describe`).reply(200, { name: 'User', fields: ['Id', 'Name', 'Email', 'IsActive', 'SystemModstamp'].map((n) => field(n)) }, JSON_UTF8);
    queryAll(api, { totalSize: 1, done: true, records: [{ attributes: { type: 'User' }, Id: '005RO000000AbCdAAA', Name: 'Olivia Owner', Email: 'olivia@vendor.example', IsActive: true, SystemModstamp: '2026-11-01T00:00:00.000+0000' }] });
    const pages = await collect(stream<'salesforce.user'>('users'), config);
    expect(pages[0]?.records).toEqual([{ kind: 'salesforce.user', id: '005RO000000AbCdAAA', name: 'Olivia Owner', email: 'olivia@vendor.example', isActive: true, modstamp: '2026-11-01T00:00:00.000Z' }]);
    expect(pages[0]?.apiCalls).toBe(3);
    expect(nock.isDone()).toBe(true);
  });

  it('maps invalid_grant to AuthError that says what to fix and never shows the secret', async () => {
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_client', error_description: 'invalid client credentials' }, JSON_UTF8);
    const err = await collect(stream('users'), config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/invalid client credentials.*SALESFORCE_CLIENT_ID/);
    expect((err as Error).message).not.toContain('top-secret-value');
    const check = await salesforceConnector.check(config, silentLogger());
    expect(check.ok).toBe(false);
  });

  it('maps a refresh that fails to AuthError', async () => {
    token(nock(LOGIN));
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }, JSON_UTF8);
    nock(INSTANCE).get(`${BASE}/sobjects/User/describe`).reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], JSON_UTF8);
    await expect(collect(stream('users'), config)).rejects.toBeInstanceOf(AuthError);
  });

  it('maps 403 REQUEST_LIMIT_EXCEEDED to BudgetError', async () => {
    token(nock(LOGIN));
    nock(INSTANCE).get(`${BASE}/sobjects/User/describe`).reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }], JSON_UTF8);
    await expect(collect(stream('users'), config)).rejects.toBeInstanceOf(BudgetError);
  });

  it('maps 429 to RateLimitError with Retry-After, and 503 to TransientError after exactly one request (jsforce retries are off)', async () => {
    let calls = 0;
    token(nock(LOGIN), 2);
    nock(INSTANCE)
      .get(`${BASE}/sobjects/User/describe`)
      .reply(() => {
        calls += 1;
        return [429, [{ message: 'Too many requests', errorCode: 'REQUEST_LIMIT' }], { ...JSON_UTF8, 'retry-after': '42' }];
      });
    const limited = await collect(stream('users'), config).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(42_000);
    nock(INSTANCE)
      .get(`${BASE}/sobjects/User/describe`)
      .times(6)
      .reply(() => {
        calls += 1;
        return [503, 'Service Unavailable', { 'content-type': 'text/plain' }];
      });
    await expect(collect(stream('users'), config)).rejects.toBeInstanceOf(TransientError);
    expect(calls).toBe(2);
  });

  it('maps a network failure to TransientError', async () => {
    token(nock(LOGIN));
    nock(INSTANCE).get(`${BASE}/sobjects/User/describe`).replyWithError('socket hang up');
    await expect(collect(stream('users'), config)).rejects.toBeInstanceOf(TransientError);
  });

  it('check() names the missing read fields precisely', async () => {
    token(nock(LOGIN));
    nock(INSTANCE).get(`${BASE}/sobjects/Account/describe`).reply(200, describeBody(ACCOUNT_FIELDS.filter((f) => f !== 'CS_Licensed_Seats__c' && f !== 'Website')), JSON_UTF8);
    const check = await salesforceConnector.check(config, silentLogger());
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/read fields Website, CS_Licensed_Seats__c/);
    expect(check.message).toMatch(/write-back field CS_NPS__c/);
  });
});

describe('proxy bypass', () => {
  it('sends loopback and NO_PROXY hosts direct, everything else through the proxy', () => {
    expect(bypassesProxy('http://127.0.0.1:4010/services/data/v62.0/query', '')).toBe(true);
    expect(bypassesProxy('http://localhost:4010/x', '')).toBe(true);
    expect(bypassesProxy('https://acme.my.salesforce.com/x', '')).toBe(false);
    expect(bypassesProxy('https://acme.my.salesforce.com/x', 'example.org, .salesforce.com')).toBe(true);
    expect(bypassesProxy('https://salesforce.com.evil.test/x', '.salesforce.com')).toBe(false);
  });
});
