/** The emulator's OAuth2 token endpoint: client credentials, JWT bearer, refresh token, errors and expiry. */
import { createSign, generateKeyPairSync } from 'node:crypto';
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sfId, startSalesforce, type RunningSalesforce } from '../helpers.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwt(claims: Record<string, unknown>): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

let sf: RunningSalesforce;
beforeAll(async () => {
  sf = await startSalesforce({ Account: [{ Id: sfId('001', 1), Name: 'Acme' }] }, { tokenLifetimeSeconds: 600 });
});
afterAll(async () => sf.close());

const token = (form: Record<string, string>): Promise<Response> => fetch(`${sf.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(form) });

describe('token endpoint', () => {
  it('gives jsforce a session through client credentials, with the identity URL it parses', async () => {
    const conn = await sf.connect();
    expect(conn.instanceUrl).toBe(sf.url);
    expect(conn.userInfo?.organizationId).toMatch(/^00D/);
    expect(conn.userInfo?.id).toMatch(/^005/);
    const res = await conn.query<{ Name: string }>('SELECT Name FROM Account');
    expect(res.records[0]?.Name).toBe('Acme');
  });

  it('answers with the documented keys, the instance_url taken from the Host header', async () => {
    const res = await fetch(`${sf.url.replace('127.0.0.1', 'localhost')}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'sandbox', client_secret: 'sandbox' }) });
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
    expect(body.instance_url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(body.id).toBe(`${body.instance_url}/id/00D000000000001EAA/005000000000001AAA`);
    expect(body.token_type).toBe('Bearer');
    expect(Number(body.issued_at)).toBeGreaterThan(0);
  });

  it('grants a JWT bearer assertion from jsforce and refuses a wrong issuer, an expired or a malformed one', async () => {
    const exp = Math.floor(Date.now() / 1000) + 180;
    const conn = new jsforce.Connection({ loginUrl: sf.url, version: '62.0' });
    await conn.authorize({ grant_type: JWT_BEARER, assertion: jwt({ iss: 'sandbox', sub: 'integration@example.com', aud: 'https://login.salesforce.com', exp }) });
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
    expect(conn.refreshToken).toBeFalsy();

    const wrongIssuer = await token({ grant_type: JWT_BEARER, assertion: jwt({ iss: 'other', sub: 'u', aud: 'https://login.salesforce.com', exp }) });
    expect(wrongIssuer.status).toBe(400);
    const expired = await token({ grant_type: JWT_BEARER, assertion: jwt({ iss: 'sandbox', sub: 'u', aud: 'https://login.salesforce.com', exp: Math.floor(Date.now() / 1000) - 10 }) });
    expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
    const noSubject = await token({ grant_type: JWT_BEARER, assertion: jwt({ iss: 'sandbox', aud: 'x', exp }) });
    expect(await noSubject.json()).toMatchObject({ error: 'invalid_grant', error_description: 'invalid assertion' });
    const garbage = await token({ grant_type: JWT_BEARER, assertion: 'not-a-jwt' });
    expect(garbage.status).toBe(400);
    await expect(new jsforce.Connection({ loginUrl: sf.url, version: '62.0' }).authorize({ grant_type: JWT_BEARER, assertion: 'a.b.c' })).rejects.toThrow('invalid assertion');
  });

  it('refreshes a session from a refresh token, and refuses an unknown one', async () => {
    const login = (await (await token({ grant_type: 'password', client_id: 'sandbox', client_secret: 'sandbox', username: 'u@example.com', password: 'p' })).json()) as Record<string, string>;
    expect(login.refresh_token).toBeTruthy();
    const conn = new jsforce.Connection({ oauth2: { loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox' }, instanceUrl: sf.url, accessToken: 'expired!token', refreshToken: login.refresh_token, version: '62.0' });
    // The stale access token gets 401 INVALID_SESSION_ID; jsforce refreshes through the refresh_token grant and retries.
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
    expect(conn.accessToken).not.toBe('expired!token');
    const bad = await token({ grant_type: 'refresh_token', client_id: 'sandbox', refresh_token: 'nope' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
  });

  it('refuses wrong client credentials and unknown grant types with OAuth error bodies', async () => {
    const wrongId = await token({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'sandbox' });
    expect(wrongId.status).toBe(400);
    expect(await wrongId.json()).toMatchObject({ error: 'invalid_client_id' });
    const unknown = await token({ grant_type: 'authorization_code', code: 'x' });
    expect(await unknown.json()).toMatchObject({ error: 'unsupported_grant_type' });
    await expect(new jsforce.Connection({ oauth2: { loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'wrong' }, version: '62.0' }).authorize({ grant_type: 'client_credentials' })).rejects.toThrow('invalid client credentials');
  });

  it('expires sessions after tokenLifetimeSeconds on the emulator clock', async () => {
    const conn = await sf.connect();
    await sf.control('POST', '/__sandbox/clock', { advanceSeconds: 590 });
    try {
      expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
      await sf.control('POST', '/__sandbox/clock', { advanceSeconds: 20 });
      const res = await fetch(`${sf.url}/services/data/v62.0/query?q=SELECT+Id+FROM+Account`, { headers: { authorization: `Bearer ${conn.accessToken ?? ''}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      // A client-credentials session has no refresh token: jsforce's refresh attempt on the 401 fails.
      await expect(conn.query('SELECT Id FROM Account')).rejects.toThrow('No refresh token found');
    } finally {
      await sf.control('POST', '/__sandbox/clock', { reset: true });
    }
  });
});
