import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'node-zendesk';
import { decodeCursor } from '../../../../connectors/zendesk/emulator/index.ts';
import { AUTH, asArray, iso, nowSeconds, startZendesk, writeDataset, type Running } from './helpers.ts';

const base = nowSeconds() - 3600;
// 25 tickets; pairs share a timestamp so ordering must fall back to id. Ids deliberately not in time order.
const tickets = Array.from({ length: 25 }, (_, i) => ({
  id: 1000 - i,
  subject: `Ticket ${i}`,
  status: 'open',
  priority: i % 5 === 0 ? 'urgent' : 'normal',
  requester_id: 1,
  organization_id: 11,
  tags: [],
  via: { channel: 'web' },
  satisfaction_rating: i < 3 ? { id: 500 + i, score: 'good', comment: 'ok' } : { score: 'unoffered' },
  created_at: iso(base),
  updated_at: iso(base + Math.floor(i / 2) * 10),
}));
const users = Array.from({ length: 4 }, (_, i) => ({
  id: 1 + i,
  name: `User ${i}`,
  email: `u${i}@acme.example`,
  organization_id: 11,
  role: 'end-user',
  external_id: null,
  active: true,
  created_at: iso(base),
  updated_at: iso(base + i),
}));
// Five organizations, three sharing one timestamp: time-based pages of 2 must repeat them.
const organizations = [0, 100, 100, 100, 200].map((offset, i) => ({
  id: 11 + i,
  name: `Org ${i}`,
  domain_names: [`org${i}.example`],
  external_id: null,
  tags: [],
  created_at: iso(base),
  updated_at: iso(base + offset),
}));

let zd: Running;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const written = await writeDataset({ 'zendesk/tickets.jsonl': tickets, 'zendesk/users.jsonl': users, 'zendesk/organizations.jsonl': organizations });
  cleanup = written.cleanup;
  zd = await startZendesk(written.dataset);
});
afterAll(async () => {
  await zd.close();
  await cleanup();
});
afterEach(async () => {
  await zd.control('DELETE', '/__sandbox/faults');
  await zd.control('POST', '/__sandbox/clock', { reset: true });
});

/** The raw paging loop a connector must write: follow after_url until end_of_stream. */
async function drainCursor(path: string): Promise<{ items: Record<string, unknown>[]; pages: Record<string, unknown>[] }> {
  const items: Record<string, unknown>[] = [];
  const pages: Record<string, unknown>[] = [];
  let next: string | null = path;
  for (let guard = 0; next !== null && guard < 100; guard += 1) {
    const page = await zd.json(next);
    pages.push(page);
    items.push(...asArray(page.tickets ?? page.users));
    next = page.end_of_stream === true ? null : String(page.after_url);
  }
  return { items, pages };
}

describe('Zendesk emulator with node-zendesk 6.0.1', () => {
  const client = () => createClient({ username: 'sandbox@example.com', token: 'sandbox', endpointUri: `${zd.url}/api/v2` });

  it('answers users.me, organizations.show, tickets.show and users.show', async () => {
    const me = await client().users.me();
    expect(me.result).toMatchObject({ id: 1, email: 'sandbox@example.com', role: 'admin' });
    const org = await client().organizations.show(12);
    expect(org.result).toMatchObject({ id: 12, name: 'Org 1', domain_names: ['org1.example'] });
    const ticket = await client().tickets.show(1000);
    expect(ticket.result).toMatchObject({ id: 1000, subject: 'Ticket 0' });
    const user = await client().users.show(2);
    expect(user.result).toMatchObject({ id: 2, email: 'u1@acme.example' });
  });

  it('accepts OAuth bearer auth', async () => {
    const oauth = createClient({ token: 'sandbox', useOAuth: true, endpointUri: `${zd.url}/api/v2` });
    const org = await oauth.organizations.show(11);
    expect(org.result).toMatchObject({ id: 11 });
  });

  it('rejects an unknown id with a 404 error', async () => {
    await expect(client().organizations.show(999999)).rejects.toThrow(/404/);
  });

  it('returns the anonymous user (200) to users.me with a wrong token, as Zendesk does', async () => {
    const bad = createClient({ username: 'sandbox@example.com', token: 'wrong', endpointUri: `${zd.url}/api/v2` });
    const me = await bad.users.me();
    expect(me.result).toEqual({ name: 'Anonymous user' });
  });

  it('serves exportCursor (cursor=undefined and page[size] are ignored) with the whole cursor body', async () => {
    const page = (await client().ticketexport.exportCursor(base - 10)).result as Record<string, unknown>;
    expect(asArray(page.tickets)).toHaveLength(25);
    expect(page.end_of_stream).toBe(true);
    expect(typeof page.after_cursor).toBe('string');
  });
});

describe('incremental cursor exports (raw paging loop)', () => {
  it('pages tickets to the end in updated_at then id order, with after_url on the client host', async () => {
    const { items, pages } = await drainCursor(`/api/v2/incremental/tickets/cursor.json?start_time=${base - 10}&per_page=10`);
    expect(pages.map((p) => asArray(p.tickets).length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.end_of_stream)).toEqual([false, false, true]);
    const keys = items.map((t) => [Date.parse(String(t.updated_at)), Number(t.id)] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(keys).toEqual(sorted);
    expect(new Set(items.map((t) => t.id)).size).toBe(25);
    // ties on updated_at are ordered by id
    expect(items.slice(0, 2).map((t) => t.id)).toEqual([999, 1000]);
    const first = pages[0] as Record<string, unknown>;
    expect(String(first.after_url).startsWith(`${zd.url}/api/v2/incremental/tickets/cursor.json?cursor=`)).toBe(true);
    expect(first).toMatchObject({ before_url: null, before_cursor: null });
  });

  it('issues cursors containing + and / that break when not URL-encoded', async () => {
    const page = await zd.json(`/api/v2/incremental/tickets/cursor?start_time=${base - 10}&per_page=5`);
    const cursor = String(page.after_cursor);
    expect(cursor).toMatch(/\+/);
    expect(cursor).toMatch(/\//);
    expect(decodeCursor(cursor)).not.toBeNull();
    const raw = await zd.get(`/api/v2/incremental/tickets/cursor?cursor=${cursor}`);
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: 'InvalidPaginationParameter' });
    const encoded = await zd.json(`/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(cursor)}`);
    expect(asArray(encoded.tickets)).toHaveLength(20);
  });

  it('pages the users cursor export and reports its own limit header', async () => {
    const res = await zd.get(`/api/v2/incremental/users/cursor.json?start_time=${base - 10}&per_page=3`);
    expect(res.headers.get('zendesk-ratelimit-incremental-exports-cursor')).toMatch(/^total=600; remaining=\d+; resets=\d+$/);
    const { items } = await drainCursor(`/api/v2/incremental/users/cursor.json?start_time=${base - 10}&per_page=3`);
    expect(items.map((u) => u.id)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a missing, future or last-minute start_time with 400', async () => {
    for (const query of ['', `?start_time=${nowSeconds() + 600}`, `?start_time=${nowSeconds() - 30}`, '?cursor=undefined']) {
      const res = await zd.get(`/api/v2/incremental/tickets/cursor${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toMatchObject({ error: 'InvalidValue' });
    }
  });

  it('excludes items updated in the last minute until the clock moves, and resumes from the stored cursor', async () => {
    const start = await zd.json(`/api/v2/incremental/tickets/cursor?start_time=${base - 10}`);
    const checkpoint = String(start.after_cursor);
    const created = await zd.control('POST', '/__sandbox/records/tickets', [{ id: 5000, subject: 'Fresh', status: 'new', priority: 'high' }]);
    expect(created.status).toBe(201);
    const early = await zd.json(`/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(checkpoint)}`);
    expect(asArray(early.tickets)).toEqual([]);
    expect(early.end_of_stream).toBe(true);
    expect(early.after_cursor).toBe(checkpoint);
    await zd.control('POST', '/__sandbox/clock', { advanceSeconds: 61 });
    const later = await zd.json(`/api/v2/incremental/tickets/cursor?cursor=${encodeURIComponent(checkpoint)}`);
    expect(asArray(later.tickets).map((t) => t.id)).toEqual([5000]);
    expect(asArray(later.tickets)[0]).toMatchObject({ subject: 'Fresh', updated_at: expect.stringMatching(/Z$/) });
    expect(zd.emulator.store.get('tickets', 5000)).toMatchObject({ status: 'new' });
  });

  it('keeps deleted tickets in the stream with status "deleted" (unless exclude_deleted) and 404s them on show', async () => {
    const start = await zd.json(`/api/v2/incremental/tickets/cursor?start_time=${base - 10}`);
    const checkpoint = encodeURIComponent(String(start.after_cursor));
    expect((await zd.control('DELETE', '/__sandbox/records/tickets/990')).status).toBe(204);
    await zd.control('POST', '/__sandbox/clock', { advanceSeconds: 61 });
    const next = await zd.json(`/api/v2/incremental/tickets/cursor?cursor=${checkpoint}`);
    expect(asArray(next.tickets).find((t) => t.id === 990)).toMatchObject({ status: 'deleted' });
    const excluded = await zd.json(`/api/v2/incremental/tickets/cursor?cursor=${checkpoint}&exclude_deleted=true`);
    expect(asArray(excluded.tickets).some((t) => t.id === 990)).toBe(false);
    const show = await zd.get('/api/v2/tickets/990.json');
    expect(show.status).toBe(404);
    expect(await show.json()).toEqual({ error: 'RecordNotFound', description: 'Not found' });
  });
});

describe('incremental organizations (time-based)', () => {
  it('repeats boundary items, keeps next_page at the end and ends on end_of_stream', async () => {
    const seen: number[] = [];
    const pages: Record<string, unknown>[] = [];
    let next: string | null = `/api/v2/incremental/organizations.json?start_time=${base - 10}&per_page=2`;
    while (next !== null && pages.length < 20) {
      const page = await zd.json(next);
      pages.push(page);
      const orgs = asArray(page.organizations);
      seen.push(...orgs.map((o) => Number(o.id)));
      expect(page.count).toBe(orgs.length);
      const last = orgs[orgs.length - 1];
      if (last) expect(page.end_time).toBe(Date.parse(String(last.updated_at)) / 1000);
      expect(String(page.next_page)).toBe(`${zd.url}/api/v2/incremental/organizations.json?start_time=${String(page.end_time)}&per_page=2`);
      next = page.end_of_stream === true ? null : String(page.next_page);
    }
    // page 1: org 11 and the three orgs sharing base+100 (page grows past per_page); page 2 repeats them, then org 15.
    expect(pages.map((p) => asArray(p.organizations).map((o) => o.id))).toEqual([
      [11, 12, 13, 14],
      [12, 13, 14, 15],
    ]);
    expect(new Set(seen)).toEqual(new Set([11, 12, 13, 14, 15]));
    expect(pages.at(-1)?.end_of_stream).toBe(true);
  });
});

describe('satisfaction ratings', () => {
  it('pages with meta.has_more and links.next, ratings derived from tickets', async () => {
    const ids: unknown[] = [];
    let next: string | null = '/api/v2/satisfaction_ratings.json?page[size]=2';
    const hasMore: unknown[] = [];
    while (next !== null && hasMore.length < 10) {
      const page = await zd.json(next);
      const meta = page.meta as Record<string, unknown>;
      const links = page.links as Record<string, unknown>;
      hasMore.push(meta.has_more);
      ids.push(...asArray(page.satisfaction_ratings).map((r) => r.id));
      next = meta.has_more === true ? String(links.next) : null;
    }
    expect(ids).toEqual([500, 501, 502]);
    expect(hasMore).toEqual([true, false]);
  });
});

describe('errors, limits and faults', () => {
  it('answers 401 in Zendesk shape without or with wrong credentials', async () => {
    const variants: Record<string, string>[] = [{}, { authorization: `Basic ${Buffer.from('sandbox@example.com/token:nope').toString('base64')}` }, { authorization: 'Bearer nope' }];
    for (const headers of variants) {
      const res = await zd.get(`/api/v2/incremental/tickets/cursor?start_time=${base}`, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "Couldn't authenticate you" });
    }
  });

  it('answers unknown routes with the vendor 404', async () => {
    const res = await zd.get('/api/v2/nothing/here.json');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ error: 'RecordNotFound', description: 'Not found' });
  });

  it('injects a 429 storm with Retry-After and the plain-text body', async () => {
    await zd.control('POST', '/__sandbox/faults', { route: 'GET /api/v2/incremental/tickets/cursor', type: 'rate-limit', count: 2, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i += 1) {
      const res = await zd.get(`/api/v2/incremental/tickets/cursor?start_time=${base}`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Number of allowed API requests per minute exceeded');
    }
    expect((await zd.get(`/api/v2/incremental/tickets/cursor?start_time=${base}`)).status).toBe(200);
    const stats = (await (await zd.control('GET', '/__sandbox/stats')).json()) as { calls: Record<string, Record<string, number>> };
    expect(stats.calls['GET /api/v2/incremental/tickets/cursor']?.['429']).toBeGreaterThanOrEqual(2);
  });

  it('breaks bodies: reset mid-body, truncate and malformed reach the client', async () => {
    const path = `/api/v2/incremental/tickets/cursor?start_time=${base - 10}`;
    await zd.control('POST', '/__sandbox/faults', { route: 'GET /api/v2/incremental/tickets/cursor', type: 'reset', count: 1 });
    await expect(zd.get(path).then((r) => r.text())).rejects.toThrow();
    await zd.control('POST', '/__sandbox/faults', { route: 'GET /api/v2/incremental/tickets/cursor', type: 'truncate', count: 1 });
    const truncated = await zd.get(path);
    await expect(truncated.json()).rejects.toThrow(SyntaxError);
    await zd.control('POST', '/__sandbox/faults', { route: '*', type: 'malformed', count: 1 });
    const malformed = await zd.get(path);
    await expect(malformed.json()).rejects.toThrow(SyntaxError);
    expect((await zd.get(path)).status).toBe(200);
  });

  it('validates the write API', async () => {
    expect((await zd.control('POST', '/__sandbox/records/groups', { id: 1 })).status).toBe(400);
    expect((await zd.control('POST', '/__sandbox/records/tickets', { subject: 'no id' })).status).toBe(400);
    expect((await zd.control('DELETE', '/__sandbox/records/tickets/424242')).status).toBe(404);
  });
});

describe('real rate limits', () => {
  it('allows 10 incremental exports a minute, then 429 JSON with Retry-After until the clock moves', async () => {
    const written = await writeDataset({ 'zendesk/tickets.jsonl': tickets.slice(0, 2) });
    const real = await startZendesk(written.dataset, 'real');
    try {
      const path = `/api/v2/incremental/tickets/cursor?start_time=${base - 10}`;
      for (let i = 0; i < 10; i += 1) expect((await real.get(path)).status).toBe(200);
      const limited = await real.get(path);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toEqual({ error: 'APIRateLimitExceeded', description: 'Number of allowed incremental export API requests per minute exceeded' });
      // organizations share the incremental family
      expect((await real.get(`/api/v2/incremental/organizations?start_time=${base - 10}`)).status).toBe(429);
      // the users cursor export has its own 20/min
      const users = await real.get(`/api/v2/incremental/users/cursor?start_time=${base - 10}`);
      expect(users.status).toBe(200);
      expect(users.headers.get('zendesk-ratelimit-incremental-exports-cursor')).toMatch(/^total=20; remaining=19;/);
      await real.control('POST', '/__sandbox/clock', { advanceSeconds: 61 });
      expect((await real.get(path)).status).toBe(200);
    } finally {
      await real.close();
      await written.cleanup();
    }
  });

  it('limits the users cursor export to 20 a minute', async () => {
    const written = await writeDataset({ 'zendesk/users.jsonl': users });
    const real = await startZendesk(written.dataset, 'real');
    try {
      const path = `/api/v2/incremental/users/cursor.json?start_time=${base - 10}`;
      for (let i = 0; i < 20; i += 1) expect((await real.get(path)).status).toBe(200);
      const limited = await real.get(path);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).not.toBeNull();
    } finally {
      await real.close();
      await written.cleanup();
    }
  });
});

it('uses the Host header the client sent for after_url', async () => {
  const { request } = await import('node:http');
  const port = new URL(zd.url).port;
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/api/v2/incremental/tickets/cursor?start_time=${base - 10}&per_page=1`, headers: { host: `localhost:${port}`, authorization: AUTH } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  expect(String((JSON.parse(body) as Record<string, unknown>).after_url)).toMatch(new RegExp(`^http://localhost:${port}/api/v2/incremental/tickets/cursor\\?cursor=`));
});
