/**
 * Contract: the emulator's answers have the same shapes (keys, value types, statuses, content
 * types) as the recorded Salesforce samples in /work/shared/fixtures/api-samples/salesforce.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';
import { sharedPath } from '../../../helpers/shared-dir.ts';

const SAMPLES = sharedPath('fixtures', 'api-samples', 'salesforce');
const sample = (name: string): unknown => JSON.parse(readFileSync(join(SAMPLES, name), 'utf8'));

/** A value's shape: objects by key, arrays by their first element, scalars by typeof. */
type Shape = string | { [key: string]: Shape } | Shape[];
function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v)]));
  return typeof value;
}
const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : undefined);
const keys = (v: unknown): string[] => Object.keys(asRecord(v)).sort();

const accounts = Array.from({ length: 2100 }, (_, i) => ({ Id: sfId('001', i + 1), Name: `Account ${i}`, Industry: 'Retail', NumberOfEmployees: i, OwnerId: sfId('005', 1) }));

let sf: RunningSalesforce;
let token = '';
beforeAll(async () => {
  sf = await startSalesforce({ Account: accounts, User: [{ Id: sfId('005', 1), Name: 'Olivia Owner' }] });
  token = (await sf.connect()).accessToken ?? '';
});
afterAll(async () => sf.close());

const call = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${sf.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
const patchCollection = (records: unknown[], allOrNone: boolean): Promise<Response> => call('/services/data/v62.0/composite/sobjects', { method: 'PATCH', body: JSON.stringify({ allOrNone, records }) });

describe('contract with the recorded Salesforce samples', () => {
  it('token responses carry every key of the documented and JWT samples, all strings', async () => {
    const res = await fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'sandbox' }) });
    const ours = asRecord(await res.json());
    for (const name of ['oauth_token_response_username_password.docs.json', 'oauth_token_response_jwt_bearer.redacted_readme.json']) {
      for (const key of keys(sample(name))) expect(typeof ours[key], `${name}: ${key}`).toBe('string');
    }
  });

  it('query pages have the shapes of the first, single and last page samples', async () => {
    const page1 = await call('/services/data/v62.0/query?q=SELECT+Id,Name+FROM+Account');
    expect(page1.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const body = asRecord(await page1.json());
    expect(shapeOf({ ...body, records: [first(body.records)] })).toEqual(shapeOf(sample('query_page1_with_nextRecordsUrl.docs.json')));
    expect(String(body.nextRecordsUrl)).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]+-2000$/);
    const last = asRecord(await (await call(String(body.nextRecordsUrl))).json());
    expect(keys(last)).toEqual(keys(sample('query_more_last_page.docs.json')));
    const single = asRecord(await (await call(`/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id, Name FROM Account WHERE Id = '${sfId('001', 1)}'`)}`)).json());
    expect(shapeOf(single)).toEqual(shapeOf(sample('query_single_page_done_true.real_cassette.json')));
  });

  it('collection updates answer like the all-success, mixed and rolled-back samples', async () => {
    const ok = await patchCollection([{ attributes: { type: 'Account' }, id: sfId('001', 1), NumberOfEmployees: '10000' }], false);
    expect(ok.status).toBe(200);
    expect(shapeOf(await ok.json())).toEqual(shapeOf(sample('composite_sobjects_patch_all_success.real_cassette.json')));
    const mixedBody = [
      { attributes: { type: 'Account' }, id: sfId('001', 2), Name: 'Renamed' },
      { attributes: { type: 'Account' }, id: '001xx000003DGb2999', Name: 'x' },
    ];
    const mixed = (await (await patchCollection(mixedBody, false)).json()) as unknown[];
    const expectedMixed = sample('composite_sobjects_patch_mixed_allOrNone_false.docs.json') as unknown[];
    expect(mixed.map(shapeOf)).toEqual(expectedMixed.map(shapeOf));
    expect(asRecord(first(asRecord(mixed[1]).errors)).statusCode).toBe('MALFORMED_ID');
    const rolled = (await (await patchCollection(mixedBody, true)).json()) as unknown[];
    const expectedRolled = sample('composite_sobjects_patch_allOrNone_true_rolled_back.docs.json') as unknown[];
    expect(rolled.map(shapeOf)).toEqual(expectedRolled.map(shapeOf));
    expect(asRecord(first(asRecord(rolled[0]).errors))).toEqual(asRecord(first(asRecord(expectedRolled[0]).errors)));
  });

  it('errors are arrays of {message, errorCode} with the samples\' statuses', async () => {
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['error_INVALID_FIELD.400.json', () => call('/services/data/v62.0/query?q=SELECT+SF_date__c+FROM+Account'), 400],
      ['error_MALFORMED_QUERY.400.reconstructed.json', () => call('/services/data/v62.0/query?q=SELECT+Id+FROM'), 400],
      ['error_INVALID_SESSION_ID.401.json', () => fetch(`${sf.url}/services/data/v62.0/limits`, { headers: { authorization: 'Bearer expired' } }), 401],
      ['bulk2_error_NOT_FOUND.docs.json', () => call('/services/data/v62.0/jobs/ingest/750000000000000AAA'), 404],
    ];
    for (const [name, request, status] of cases) {
      const res = await request();
      expect(res.status, name).toBe(status);
      expect(res.headers.get('content-type'), name).toBe('application/json;charset=UTF-8');
      expect(shapeOf(await res.json()), name).toEqual(shapeOf(sample(name)));
    }
    const subrequests = asRecord(sample('composite_with_INVALID_TYPE_subrequest_error.real_cassette.json')).compositeResponse as unknown[];
    const invalidType = asRecord(first(asRecord(subrequests.find((r) => asRecord(r).httpStatusCode === 400)).body));
    const ours = asRecord(first(await (await call('/services/data/v62.0/query?q=select+count()+from+XYZZY')).json()));
    expect(ours.errorCode).toBe(invalidType.errorCode);
    expect(String(ours.message)).toContain("sObject type 'XYZZY' is not supported.");
    await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 10, remaining: 0 } });
    try {
      const limited = await call('/services/data/v62.0/limits');
      expect(limited.status).toBe(403);
      expect(await limited.json()).toEqual(sample('error_REQUEST_LIMIT_EXCEEDED.403.reconstructed.json'));
    } finally {
      await sf.control('POST', '/__sandbox/limits', { dailyApiRequests: { max: 1_000_000, remaining: 1_000_000 } });
    }
  });

  it('limits entries are {Max, Remaining} numbers under names the samples use', async () => {
    const ours = asRecord(await (await call('/services/data/v62.0/limits')).json());
    const real = asRecord(sample('limits.simple_salesforce_test.json'));
    expect(shapeOf(ours.DailyApiRequests)).toEqual(shapeOf(real.DailyApiRequests));
    for (const [name, value] of Object.entries(ours)) expect(shapeOf(value), name).toEqual({ Max: 'number', Remaining: 'number' });
    expect(Object.keys(ours).filter((k) => !(k in real) && k !== 'DailyBulkV2QueryJobs')).toEqual([]);
  });

  it('describe uses the real keys, and the standard fields match the recorded Account describe', async () => {
    const ours = asRecord(await (await call('/services/data/v62.0/sobjects/Account/describe')).json());
    const real = asRecord(sample('sobject_describe_Account.excerpt.real_cassette.json'));
    for (const key of keys(ours)) expect(real, `describe key ${key}`).toHaveProperty(key);
    const realFields = new Map((real.fields as Array<Record<string, unknown>>).map((f) => [String(f.name), f]));
    const realFieldKeys = new Set(Object.keys(realFields.get('Id') ?? {}));
    const compared = ['type', 'length', 'precision', 'scale', 'digits', 'byteLength', 'nillable', 'updateable', 'createable', 'custom', 'referenceTo', 'relationshipName', 'soapType', 'restrictedPicklist', 'defaultValue'];
    for (const f of ours.fields as Array<Record<string, unknown>>) {
      for (const key of Object.keys(f)) expect(realFieldKeys.has(key), `field key ${key}`).toBe(true);
      const r = realFields.get(String(f.name));
      if (!r) continue;
      for (const key of Object.keys(f)) expect(shapeOf(f[key]), `${String(f.name)}.${key}`).toEqual(shapeOf(r[key]) === 'null' && f[key] !== null ? shapeOf(f[key]) : shapeOf(r[key]));
      for (const key of compared) expect(f[key], `${String(f.name)}.${key}`).toEqual(r[key]);
    }
  });

  it('bulk ingest jobs have the keys of the create and JobComplete samples', async () => {
    const created = asRecord(await (await call('/services/data/v62.0/jobs/ingest', { method: 'POST', body: JSON.stringify({ object: 'Account', operation: 'update' }) })).json());
    expect(shapeOf(created)).toEqual(shapeOf(sample('bulk2_ingest_job_create_open.docs.json')));
    await call(`/services/data/v62.0/jobs/ingest/${String(created.id)}/batches`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: `Id,NumberOfEmployees\n${sfId('001', 3)},5\n` });
    await call(`/services/data/v62.0/jobs/ingest/${String(created.id)}`, { method: 'PATCH', body: JSON.stringify({ state: 'UploadComplete' }) });
    const done = asRecord(await (await call(`/services/data/v62.0/jobs/ingest/${String(created.id)}`)).json());
    expect(shapeOf(done)).toEqual(shapeOf(sample('bulk2_ingest_job_status_jobcomplete.docs.json')));
  });
});
