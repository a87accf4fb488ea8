/**
 * The admin API over a real Redis: authentication and roles, CSRF for console sessions, the
 * failed-authentication limit, validation messages, the audit log, OpenAPI from the same
 * schemas, sealed credentials, and that no secret appears in a response or a log line.
 */
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createApiApp, closeApiApp } from '../../src/api/app.ts';
import { createToken } from '../../src/api/token-store.ts';
import { open, parseKeyRing, seal } from '../../src/api/secret-box.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('admin-api');
const SECRET_KEY = 'test-passphrase-that-is-long-enough';
const ZENDESK_TOKEN = 'zd-token-must-never-leak-42';
const logLines: string[] = [];
let server: Server;
let app: ReturnType<typeof createApiApp>;
let base = '';
let ctx: SyncContext;
let admin = '';
let viewer = '';

beforeAll(async () => {
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(chunk.toString()); done(); } });
  ctx = createSyncContext({ redis, prefix, log: pino({ level: 'debug' }, sink), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
  app = createApiApp(ctx, { secretKey: SECRET_KEY });
  const started = await listen(app, 0);
  server = started.server;
  base = started.url;
  admin = (await createToken(redis, prefix, 'admin')).token;
  viewer = (await createToken(redis, prefix, 'viewer')).token;
});
afterAll(async () => {
  await closeServer(server);
  await closeApiApp(app);
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

const call = (path: string, token: string | null, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });

describe('authentication and roles', () => {
  it('refuses every /api route without a token and names how to get one', async () => {
    for (const path of ['/api/connectors', '/api/runs', '/api/logs', '/api/unmatched', '/api/accounts', '/api/audit', '/api/openapi.json']) {
      const res = await call(path, null, { headers: { 'x-forwarded-for': '10.0.0.1' } });
      expect(res.status, path).toBe(401);
    }
    const body = (await (await call('/api/runs', null)).json()) as { message: string };
    expect(body.message).toMatch(/tokens create/);
  });

  it('lets viewers read and refuses their writes with 403', async () => {
    expect((await call('/api/connectors', viewer)).status).toBe(200);
    const res = await call('/api/writeback/pause', viewer, { method: 'POST', body: {} });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/admin/);
    expect((await call('/api/writeback', viewer).then((r) => r.json()))).toEqual({ paused: false });
  });

  it('lets admins pause and resume write-back, and audits it for viewers to read', async () => {
    expect((await call('/api/writeback/pause', admin, { method: 'POST', body: {} })).status).toBe(200);
    expect(await call('/api/writeback', viewer).then((r) => r.json())).toEqual({ paused: true });
    await call('/api/writeback/resume', admin, { method: 'POST', body: {} });
    const { audit } = (await call('/api/audit', viewer).then((r) => r.json())) as { audit: Array<{ action: string; actor: string }> };
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['writeback.pause', 'writeback.resume']));
    expect(audit[0]?.actor).toMatch(/^token:/);
  });

  it('sends security headers', async () => {
    const res = await call('/api/runs', viewer);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('validation', () => {
  it('answers 400 with messages naming each field', async () => {
    const res = await call('/api/connectors/zendesk/schedule', admin, { method: 'PUT', body: { schedule: 'every 5 seconds', tz: 'Mars/Olympus' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string; issues: string[] };
    expect(body.issues.join('\n')).toMatch(/^schedule: /m);
    expect(body.issues.join('\n')).toMatch(/^tz: not a known IANA time zone/m);
    const unknown = await call('/api/connectors/hubspot/sync', admin, { method: 'POST', body: {} });
    expect(unknown.status).toBe(400);
    const logs = await call('/api/logs?status=nonsense&limit=5000', viewer);
    expect(((await logs.json()) as { issues: string[] }).issues.map((i) => i.split(':')[0]).sort()).toEqual(['limit', 'status']);
    const rule = await call('/api/rules', admin, { method: 'POST', body: { type: 'pin-domain', domain: 'https://acme.com/x', accountId: '001', reason: '' } });
    expect(rule.status).toBe(400);
    expect(((await rule.json()) as { message: string }).message).toMatch(/domain: a domain like acme.com/);
  });

  it('refuses bodies over 1 MB and malformed JSON with clear messages', async () => {
    const big = await call('/api/runs', admin, { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(1_100_000) }) });
    expect(big.status).toBe(413);
    const bad = await call('/api/runs', admin, { method: 'POST', body: '{"sources": [' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/JSON/);
  });
});

describe('OpenAPI', () => {
  it('describes every route from the same zod schemas', async () => {
    const doc = (await call('/api/openapi.json', viewer).then((r) => r.json())) as { openapi: string; paths: Record<string, Record<string, { parameters: Array<{ name: string }>; requestBody?: unknown }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/api/connectors', '/api/runs', '/api/runs/{id}', '/api/accounts', '/api/accounts/{id}', '/api/unmatched', '/api/logs', '/api/rules', '/api/audit', '/api/mapping', '/api/health/preview', '/api/writeback/revert']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(doc.paths['/api/logs']?.get?.parameters.map((x) => x.name)).toEqual(expect.arrayContaining(['run', 'source', 'account', 'record', 'status', 'reason', 'search']));
    expect(doc.paths['/api/connectors/{id}/schedule']?.put?.requestBody).toBeDefined();
  });
});

describe('console session', () => {
  it('exchanges a token for an HttpOnly SameSite cookie and requires the CSRF header on changes', async () => {
    const signIn = await fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: admin }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const { csrf } = (await signIn.json()) as { csrf: string };
    const session = cookie.split(';')[0] as string;
    expect((await call('/api/runs', null, { headers: { cookie: session } })).status).toBe(200);
    expect((await call('/api/writeback/pause', null, { method: 'POST', body: {}, headers: { cookie: session } })).status).toBe(403);
    expect((await call('/api/writeback/pause', null, { method: 'POST', body: {}, headers: { cookie: session, 'x-csrf-token': 'wrong' } })).status).toBe(403);
    expect((await call('/api/writeback/pause', null, { method: 'POST', body: {}, headers: { cookie: session, 'x-csrf-token': csrf } })).status).toBe(200);
    await call('/api/writeback/resume', admin, { method: 'POST', body: {} });
  });
});

describe('credentials', () => {
  it('seals with AES-256-GCM and reads back across a key rotation', () => {
    const oldRing = parseKeyRing('old-passphrase-0123456789');
    const sealed = seal(oldRing, 'hello');
    expect(sealed).not.toContain('hello');
    const rotated = parseKeyRing('new-passphrase-0123456789,old-passphrase-0123456789');
    expect(open(rotated, sealed)).toBe('hello');
    expect(() => open(parseKeyRing('new-passphrase-0123456789'), sealed)).toThrow(/not in TIDEMARK_SECRET_KEY/);
  });

  it('stores credentials encrypted and never returns or logs the secret', async () => {
    const set = await call('/api/connectors/zendesk/credentials', admin, { method: 'PUT', body: { config: { baseUrl: 'http://127.0.0.1:9', email: 'ops@example.com', apiToken: ZENDESK_TOKEN } } });
    const setText = await set.text();
    expect(set.status, setText).toBe(200);
    expect(setText).not.toContain(ZENDESK_TOKEN);
    const stored = await redis.hget(`${prefix}:credentials`, 'zendesk');
    expect(stored).toBeTruthy();
    expect(stored).not.toContain(ZENDESK_TOKEN);
    const list = await call('/api/connectors', viewer).then((r) => r.text());
    expect(list).not.toContain(ZENDESK_TOKEN);
    expect(list).toContain('ops@example.com');
    const test = await call('/api/connectors/zendesk/test', admin, { method: 'POST', body: {} }).then((r) => r.text());
    expect(test).not.toContain(ZENDESK_TOKEN);
    const bad = await call('/api/connectors/zendesk/credentials', admin, { method: 'PUT', body: { config: { baseUrl: 42, apiToken: ZENDESK_TOKEN } } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain(ZENDESK_TOKEN);
    for (const path of ['/api/audit', '/api/logs', '/metrics', '/api/openapi.json']) expect(await call(path, admin).then((r) => r.text()), path).not.toContain(ZENDESK_TOKEN);
    const log = logLines.join('');
    expect(log).not.toContain(ZENDESK_TOKEN);
    expect(log).not.toContain(admin);
    expect(log).not.toContain(viewer);
  });
});

describe('probes', () => {
  it('reports Redis and queue readiness and Prometheus metrics', async () => {
    const ready = (await fetch(`${base}/readyz`).then((r) => r.json())) as { status: string; queues: unknown };
    expect(ready.status).toBe('ready');
    expect(ready.queues).toBeDefined();
    const text = await fetch(`${base}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^# TYPE tidemark_records_unmatched gauge$/m);
  });
});

describe('failed-authentication limit', () => {
  it('refuses the 11th failed attempt within a minute from one client with 429', async () => {
    const client = { 'x-forwarded-for': '10.9.9.9' };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await call('/api/runs', 'tm_admin_wrongwrongwrongwrongwrong', { headers: client })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect((await call('/api/runs', admin, { headers: client })).status).toBe(429);
    expect((await call('/api/runs', admin)).status).toBe(200);
  });
});
