import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { loadDataset } from '../../../../src/sandbox/dataset.ts';
import { closeServer, listen } from '../../../../src/sandbox/emulator-kit/index.ts';
import { createMixpanelEmulator, parseWhere, evaluateWhere, type MixpanelEmulatorOptions } from '../../../../connectors/mixpanel/emulator/index.ts';
import { sharedPath } from '../../../helpers/shared-dir.ts';

const SERVICE = `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`;
const SECRET = `Basic ${Buffer.from('sandbox:').toString('base64')}`;
const FIXTURES = sharedPath('fixtures', 'api-samples', 'mixpanel');
const DAY = 86_400;
// Midnight UTC eleven days ago: the fixture's 30 events span day0 .. day0 + 9 days (the range below),
// which ends two days ago, so an event a test appends within the last hour never falls in it, whatever the hour.
const day0 = Math.floor(Date.now() / 1000 / DAY) * DAY - 11 * DAY;
const ymd = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);

const events = Array.from({ length: 30 }, (_, i) => ({
  event: i % 3 === 0 ? 'Signed up' : 'Viewed page',
  properties: { time: day0 + i * 3600 * 8, distinct_id: `u${i % 4}`, $insert_id: `ins-${i}`, account_id: i % 2 === 0 ? '001A' : undefined, plan: i % 5 === 0 ? 'pro' : 'free' },
}));
const profiles = Array.from({ length: 5 }, (_, i) => ({ $distinct_id: `u${i}`, $properties: { $email: `u${i}@acme.example`, account_id: i < 3 ? '001A' : '001B' } }));

let dir: string;
let server: Server;
let url: string;

async function start(options: Partial<MixpanelEmulatorOptions> = {}): Promise<{ url: string; server: Server }> {
  const dataset = await loadDataset(dir);
  const emulator = createMixpanelEmulator({ dataset, seed: 3, ...options });
  return listen(emulator.app, 0);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-mp-'));
  await mkdir(join(dir, 'mixpanel'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'mp', generatedAt: new Date().toISOString() }));
  await writeFile(join(dir, 'mixpanel', 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  await writeFile(join(dir, 'mixpanel', 'profiles.jsonl'), profiles.map((p) => JSON.stringify(p)).join('\n') + '\n');
  ({ server, url } = await start());
});
afterAll(async () => {
  await closeServer(server);
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await fetch(`${url}/__sandbox/faults`, { method: 'DELETE' });
  await fetch(`${url}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reset: true }) });
});

const range = `from_date=${ymd(day0)}&to_date=${ymd(day0 + 9 * DAY)}`;
const exportUrl = (query: string, path = '/api/2.0/export'): string => `${url}${path}?project_id=1&${query}`;
const lines = (text: string): Record<string, unknown>[] => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const props = (e: Record<string, unknown>): Record<string, unknown> => e.properties as Record<string, unknown>;

describe('raw export', () => {
  it('streams JSON Lines for an inclusive UTC date range as text/plain', async () => {
    const res = await fetch(exportUrl(`from_date=${ymd(day0)}&to_date=${ymd(day0 + DAY)}`), { headers: { authorization: SERVICE } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const got = lines(await res.text());
    // 8-hour spacing: days 0 and 1 hold events 0..5
    expect(got.map((e) => props(e).$insert_id)).toEqual(['ins-0', 'ins-1', 'ins-2', 'ins-3', 'ins-4', 'ins-5']);
  });

  it('filters by event (JSON array), where and limit', async () => {
    const signed = lines(await (await fetch(exportUrl(`${range}&event=${encodeURIComponent('["Signed up"]')}`), { headers: { authorization: SERVICE } })).text());
    expect(signed.length).toBe(10);
    expect(signed.every((e) => e.event === 'Signed up')).toBe(true);
    const where = encodeURIComponent('properties["plan"] == "pro" and defined(properties["account_id"])');
    const pro = lines(await (await fetch(exportUrl(`${range}&where=${where}`), { headers: { authorization: SERVICE } })).text());
    expect(pro.map((e) => props(e).$insert_id)).toEqual(['ins-0', 'ins-10', 'ins-20']);
    const limited = lines(await (await fetch(exportUrl(`${range}&limit=4`), { headers: { authorization: SERVICE } })).text());
    expect(limited).toHaveLength(4);
  });

  it('accepts the mixpanel-data-export request unchanged: /api/2.0/export/ with project-secret auth', async () => {
    const res = await fetch(`${url}/api/2.0/export/?from_date=${ymd(day0)}&to_date=${ymd(day0)}`, { headers: { authorization: SECRET } });
    expect(res.status).toBe(200);
    expect(lines(await res.text())).toHaveLength(3);
  });

  it('gzips when asked', async () => {
    const body = await new Promise<{ encoding: string | undefined; data: Buffer }>((resolve, reject) => {
      const u = new URL(exportUrl(range));
      const req = request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, headers: { authorization: SERVICE, 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], data: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body.encoding).toBe('gzip');
    expect(lines(gunzipSync(body.data).toString('utf8'))).toHaveLength(30);
  });

  it('serves appended events in later exports and hides events after the emulator clock', async () => {
    const t = Math.floor(Date.now() / 1000) - 3600;
    const added = await fetch(`${url}/__sandbox/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ event: 'Late', properties: { time: t, distinct_id: 'u9', $insert_id: 'late-1' } }]) });
    expect(added.status).toBe(201);
    const today = `from_date=${ymd(t)}&to_date=${ymd(t)}&event=${encodeURIComponent('["Late"]')}`;
    expect(lines(await (await fetch(exportUrl(today), { headers: { authorization: SERVICE } })).text())).toHaveLength(1);
    await fetch(`${url}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: -7200 }) });
    expect(lines(await (await fetch(exportUrl(today), { headers: { authorization: SERVICE } })).text())).toHaveLength(0);
  });

  it('answers parameter errors with 400 {request, error}', async () => {
    const cases = [
      `to_date=${ymd(day0)}`,
      `from_date=${ymd(day0)}`,
      `from_date=${ymd(day0 + DAY)}&to_date=${ymd(day0)}`,
      `from_date=2020-01-01&to_date=2021-06-01`,
      `from_date=2021-13-01&to_date=2021-13-02`,
      `${range}&event=Signed%20up`,
      `${range}&where=${encodeURIComponent('properties["x"] ===')}`,
    ];
    for (const query of cases) {
      const res = await fetch(exportUrl(query), { headers: { authorization: SERVICE } });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'request']);
      expect(String(body.request)).toMatch(/^\/api\/2\.0\/export\?/);
    }
    const long = (await (await fetch(exportUrl('from_date=2020-01-01&to_date=2021-06-01'), { headers: { authorization: SERVICE } })).json()) as Record<string, unknown>;
    expect(long.error).toBe('Date range exceeds 365 days into the past');
  });

  it('needs credentials, and project_id with a service account', async () => {
    const none = await fetch(exportUrl(range));
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'Unable to authenticate request' });
    const wrong = await fetch(exportUrl(range), { headers: { authorization: `Basic ${Buffer.from('sandbox:nope').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const noProject = await fetch(`${url}/api/2.0/export?${range}`, { headers: { authorization: SERVICE } });
    expect(noProject.status).toBe(400);
  });

  it('ends a stream with "terminated early" when told to', async () => {
    await fetch(`${url}/__sandbox/export/terminate-early`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1, afterLines: 2 }) });
    const text = await (await fetch(exportUrl(range), { headers: { authorization: SERVICE } })).text();
    const rows = text.split('\n').filter((l) => l !== '');
    expect(rows).toHaveLength(3);
    expect(rows[2]).toBe((await readFile(join(FIXTURES, 'export_terminated_early.body.txt'), 'utf8')).trim());
    expect(lines((await (await fetch(exportUrl(range), { headers: { authorization: SERVICE } })).text()))).toHaveLength(30);
  });

  it('lets kit faults reach the client: reset mid-body, truncate, malformed, 402', async () => {
    const fault = (spec: Record<string, unknown>) => fetch(`${url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: 'GET /api/2.0/export', count: 1, ...spec }) });
    await fault({ type: 'reset' });
    await expect(fetch(exportUrl(range), { headers: { authorization: SERVICE } }).then((r) => r.text())).rejects.toThrow();
    await fault({ type: 'truncate' });
    const truncated = await (await fetch(exportUrl(range), { headers: { authorization: SERVICE } })).text();
    expect(truncated.split('\n').filter((l) => l !== '').length).toBeLessThan(30);
    await fault({ type: 'malformed' });
    const malformed = await (await fetch(exportUrl(range), { headers: { authorization: SERVICE, 'accept-encoding': 'gzip' } })).text();
    expect(() => lines(malformed)).toThrow(SyntaxError);
    await fault({ type: 'status', status: 402 });
    const plan = await fetch(exportUrl(range), { headers: { authorization: SERVICE } });
    expect(plan.status).toBe(402);
    expect(await plan.json()).toEqual(JSON.parse(await readFile(join(FIXTURES, 'error_402_plan_does_not_allow_api.json'), 'utf8')));
  });

  it('records the residency host the client used', async () => {
    const port = new URL(url).port;
    const got = await new Promise<{ residency: string | string[] | undefined; status: number | undefined }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `/api/2.0/export?project_id=1&${range}&limit=1`, headers: { host: 'data-eu.mixpanel.com', authorization: SERVICE } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ residency: res.headers['x-sandbox-residency'], status: res.statusCode }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(got).toEqual({ residency: 'eu', status: 200 });
    const hosts = (await (await fetch(`${url}/__sandbox/hosts`)).json()) as { hosts: Record<string, Record<string, number>> };
    expect(hosts.hosts['data-eu.mixpanel.com']?.['GET /api/2.0/export']).toBe(1);
  });
});

describe('engage', () => {
  const engage = (form: Record<string, string>, path = '/api/query/engage?project_id=1') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: SERVICE, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  it('pages profiles with session_id and filters by where and distinct_ids', async () => {
    const first = (await (await engage({ page_size: '2' })).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ page: 0, page_size: 2, status: 'ok', total: 5 });
    const all: unknown[] = [...(first.results as Array<Record<string, unknown>>).map((r) => r.$distinct_id)];
    for (let page = 1; page < 3; page += 1) {
      const next = (await (await engage({ page: String(page), session_id: String(first.session_id) })).json()) as Record<string, unknown>;
      all.push(...(next.results as Array<Record<string, unknown>>).map((r) => r.$distinct_id));
    }
    expect(all).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    const noSession = await engage({ page: '1' });
    expect(noSession.status).toBe(400);
    expect(Object.keys((await noSession.json()) as object).sort()).toEqual(['error', 'request']);
    const filtered = (await (await engage({ where: 'properties["account_id"] == "001B"' })).json()) as Record<string, unknown>;
    expect((filtered.results as Array<Record<string, unknown>>).map((r) => r.$distinct_id)).toEqual(['u3', 'u4']);
    const byIds = (await (await engage({ distinct_ids: JSON.stringify(['u1', 'u4']) })).json()) as Record<string, unknown>;
    expect(byIds.total).toBe(2);
  });

  it('serves the legacy GET and POST /api/2.0/engage/ with secret auth, default page size 1000', async () => {
    const get = await fetch(`${url}/api/2.0/engage/?page=0`, { headers: { authorization: SECRET } });
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({ page: 0, page_size: 1000, total: 5 });
    const post = await engage({}, '/api/2.0/engage');
    expect(post.status).toBe(400); // service account without project_id
  });

  it('upserts profiles through the sandbox write API', async () => {
    await fetch(`${url}/__sandbox/profiles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ $distinct_id: 'u1', $properties: { $email: 'new@acme.example' } }) });
    const one = (await (await engage({ distinct_id: 'u1' })).json()) as { results: Array<{ $properties: Record<string, unknown> }> };
    // As for Mixpanel's $set: $last_seen is the time of the update (the emulator's clock)...
    expect(one.results[0]?.$properties).toEqual({ $email: 'new@acme.example', $last_seen: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/) });
    // ...unless the update says $ignore_time.
    await fetch(`${url}/__sandbox/profiles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ $distinct_id: 'u2', $ignore_time: true, $properties: { $email: 'kept@acme.example' } }]) });
    const two = (await (await engage({ distinct_id: 'u2' })).json()) as { results: Array<{ $properties: Record<string, unknown> }> };
    expect(two.results[0]?.$properties).toEqual({ $email: 'kept@acme.example' });
  });
});

describe('real rate limits', () => {
  it('limits export to 3 per second and the query API to 60 per hour with the fixture-shaped 429', async () => {
    const real = await start({ limits: 'real' });
    try {
      const ask = () => fetch(`${real.url}/api/2.0/export?project_id=1&${range}&limit=1`, { headers: { authorization: SERVICE } });
      for (let i = 0; i < 3; i += 1) expect((await ask()).status).toBe(200);
      const limited = await ask();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      const fixture = JSON.parse(await readFile(join(FIXTURES, 'error_429_query_rate_limit.json'), 'utf8')) as Record<string, unknown>;
      const body = (await limited.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(Object.keys(fixture).sort());
      expect(String(body.error)).toMatch(/^Query rate limit exceeded for project_id: 1\. \d+\/100 queries running concurrently and 3\/60 queries running in the last hour\./);
      await fetch(`${real.url}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 2 }) });
      expect((await ask()).status).toBe(200);
      const q = () => fetch(`${real.url}/api/query/engage?project_id=1`, { method: 'POST', headers: { authorization: SERVICE } });
      for (let i = 0; i < 60; i += 1) expect((await q()).status).toBe(200);
      const queryLimited = await q();
      expect(queryLimited.status).toBe(429);
      expect(Number(queryLimited.headers.get('retry-after'))).toBeGreaterThan(3000);
    } finally {
      await closeServer(real.server);
    }
  });
});

describe('where expressions', () => {
  it.each([
    ['properties["a"] == "x"', { a: 'x' }, true],
    ['properties["a"] != "x"', { a: 'x' }, false],
    ['defined(properties["b"])', { a: 1 }, false],
    ['not defined(properties["b"]) and properties["a"] >= 2', { a: 3 }, true],
    ['(properties["a"] == 1 or properties["a"] == 2) and properties["c"] == true', { a: 2, c: true }, true],
  ])('%s', (expr, properties, expected) => {
    expect(evaluateWhere(parseWhere(expr), properties)).toBe(expected);
  });
});
