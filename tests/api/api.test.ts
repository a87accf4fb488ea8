import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../../src/api/app.ts';
import { createToken } from '../../src/api/token-store.ts';
import { signSurveyPayload } from '../../src/api/survey-webhook.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('api');
const SECRET = 'webhook-secret-for-tests';
let server: Server;
let base = '';
let ctx: SyncContext;
let viewer = '';

beforeAll(async () => {
  ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
  const started = await listen(createApiApp(ctx, { surveySecret: SECRET }), 0);
  server = started.server;
  base = started.url;
  viewer = (await createToken(redis, prefix, 'viewer')).token;
});
afterAll(async () => {
  await closeServer(server);
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${base}/webhooks/surveys`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('probes', () => {
  it('answers /healthz, /readyz and /metrics without authentication', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ready' });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await metrics.text()).toMatch(/^tidemark_up 1$/m);
  });
});

describe('admin API authentication', () => {
  it('refuses requests without a valid token', async () => {
    expect((await fetch(`${base}/api/runs`)).status).toBe(401);
    expect((await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer tm_admin_notarealtokenatallreally' } })).status).toBe(401);
  });

  it('serves runs and 404s unknown ones with a viewer token', async () => {
    const auth = { authorization: `Bearer ${viewer}` };
    expect(await (await fetch(`${base}/api/runs`, { headers: auth })).json()).toEqual({ runs: [] });
    const missing = await fetch(`${base}/api/runs/run-999`, { headers: auth });
    expect(missing.status).toBe(404);
    const bad = await fetch(`${base}/api/runs/${encodeURIComponent('../x')}`, { headers: auth });
    expect(bad.status).toBe(400);
  });
});

describe('survey webhook', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const response = (id: string, score: number) => ({ id, email: `${id}@acme.com`, score, comment: 'ok', submitted_at: '2026-11-01T10:00:00Z' });

  it('accepts a signed batch with 202, idempotently by response id', async () => {
    const body = JSON.stringify([response('r1', 9), response('r2', 3)]);
    const ts = now();
    const first = await post(body, { 'x-tidemark-timestamp': String(ts), 'x-tidemark-signature': signSurveyPayload(SECRET, ts, body) });
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ accepted: 2, new: 2, duplicates: 0 });
    const again = await post(body, { 'x-tidemark-timestamp': String(ts), 'x-tidemark-signature': signSurveyPayload(SECRET, ts, body) });
    expect(await again.json()).toMatchObject({ accepted: 2, new: 0, duplicates: 2 });
    expect(await ctx.records.count('surveys.response')).toBe(2);
  });

  it('rejects bad and stale signatures with 401', async () => {
    const body = JSON.stringify(response('r3', 10));
    const ts = now();
    expect((await post(body, { 'x-tidemark-timestamp': String(ts), 'x-tidemark-signature': signSurveyPayload('wrong', ts, body) })).status).toBe(401);
    const old = ts - 600;
    const stale = await post(body, { 'x-tidemark-timestamp': String(old), 'x-tidemark-signature': signSurveyPayload(SECRET, old, body) });
    expect(stale.status).toBe(401);
    expect(JSON.stringify(await stale.json())).not.toContain(SECRET);
  });

  it('lands the good responses of a batch and reports the bad ones', async () => {
    const body = JSON.stringify([response('r4', 8), { id: 'r5', email: 'x@acme.com', score: 42, submitted_at: '2026-11-01T10:00:00Z' }]);
    const ts = now();
    const res = await post(body, { 'x-tidemark-timestamp': String(ts), 'x-tidemark-signature': signSurveyPayload(SECRET, ts, body) });
    expect(res.status).toBe(202);
    const json = (await res.json()) as { accepted: number; rejected: unknown[] };
    expect(json.accepted).toBe(1);
    expect(json.rejected).toHaveLength(1);
  });
});
