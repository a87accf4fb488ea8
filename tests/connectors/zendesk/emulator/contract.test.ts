/** Replays the real Zendesk samples (fixtures/api-samples/zendesk): same keys, types, statuses and headers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asArray, shapeOf, startZendesk, writeDataset, type Running } from './helpers.ts';
import { sharedPath } from '../../../helpers/shared-dir.ts';

const DIR = sharedPath('fixtures', 'api-samples', 'zendesk');
const readJson = async (file: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(DIR, file), 'utf8')) as Record<string, unknown>;
const readLines = async (file: string): Promise<Record<string, unknown>[]> =>
  (await readFile(join(DIR, file), 'utf8')).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

let zd: Running;
let cleanup: () => Promise<void>;
let fixtureTicket: Record<string, unknown>;
let fixtureUser: Record<string, unknown>;
let fixtureOrg: Record<string, unknown>;

beforeAll(async () => {
  fixtureTicket = await readJson('ticket_with_satisfaction_rating_and_via.docs.json');
  fixtureUser = asArray((await readJson('incremental_users_cursor_page.docs.json')).users)[0] ?? {};
  fixtureOrg = asArray((await readJson('incremental_organizations_time_based.docs.json')).organizations)[0] ?? {};
  const written = await writeDataset({
    'zendesk/tickets.jsonl': [fixtureTicket, ...(await readLines('records_tickets.airbyte_sandbox.jsonl'))],
    'zendesk/users.jsonl': [fixtureUser],
    'zendesk/organizations.jsonl': [fixtureOrg, ...(await readLines('records_organizations.airbyte_sandbox.jsonl'))],
    'zendesk/satisfaction_ratings.jsonl': await readLines('records_satisfaction_ratings.airbyte_sandbox.jsonl'),
  });
  cleanup = written.cleanup;
  zd = await startZendesk(written.dataset);
});
afterAll(async () => {
  await zd.close();
  await cleanup();
});

function topShape(body: Record<string, unknown>, listKey: string): unknown {
  const { [listKey]: _list, ...rest } = body;
  void _list;
  return shapeOf(rest);
}

describe('Zendesk contract', () => {
  it('incremental tickets cursor page', async () => {
    const fixture = await readJson('incremental_tickets_cursor_page.docs.json');
    const page = await zd.json('/api/v2/incremental/tickets/cursor?start_time=0');
    expect(topShape(page, 'tickets')).toEqual(topShape(fixture, 'tickets'));
    const served = asArray(page.tickets).find((t) => t.id === fixtureTicket.id);
    expect(shapeOf(served)).toEqual(shapeOf(asArray(fixture.tickets)[0]));
    expect(asArray(page.tickets)).toHaveLength(4);
  });

  it('incremental users cursor page', async () => {
    const fixture = await readJson('incremental_users_cursor_page.docs.json');
    const page = await zd.json('/api/v2/incremental/users/cursor.json?start_time=0');
    expect(topShape(page, 'users')).toEqual(topShape(fixture, 'users'));
    expect(asArray(page.users)[0]).toEqual(fixtureUser);
  });

  it('incremental organizations time-based page', async () => {
    const fixture = await readJson('incremental_organizations_time_based.docs.json');
    const page = await zd.json('/api/v2/incremental/organizations?start_time=0');
    expect(topShape(page, 'organizations')).toEqual(topShape(fixture, 'organizations'));
    expect(asArray(page.organizations)[0]).toEqual(fixtureOrg);
  });

  it('satisfaction ratings: meta and links like the live list endpoints', async () => {
    const first = await zd.json('/api/v2/satisfaction_ratings.json');
    const live1 = await readJson('organizations_list_cursor_page1.real_recording.json');
    expect(shapeOf(first.meta)).toEqual(shapeOf(live1.meta));
    expect(shapeOf(first.links)).toEqual(shapeOf(live1.links));
    const records = await readLines('records_satisfaction_ratings.airbyte_sandbox.jsonl');
    // 1234 is the rating the docs ticket carries (derived from tickets), then the recorded ratings
    expect(asArray(first.satisfaction_ratings).map((r) => r.id)).toEqual([1234, ...records.map((r) => r.id)]);
    const last = await zd.json(String((first.links as Record<string, unknown>).next));
    const live2 = await readJson('organizations_list_cursor_page2.real_recording.json');
    expect(shapeOf(last.meta)).toEqual(shapeOf(live2.meta));
    expect(shapeOf(last.links)).toEqual(shapeOf(live2.links));
    expect(asArray(last.satisfaction_ratings)).toEqual([]);
    const airbyte = await readJson('satisfaction_ratings_cursor_page.airbyte_fixture.json');
    expect(Object.keys(first).sort()).toEqual(Object.keys(airbyte).sort());
  });

  it('404 RecordNotFound with the recorded status, body and content type', async () => {
    const meta = await readJson('error_404_RecordNotFound.real_recording.meta.json');
    const headers = new Map((meta.headers as string[][]).map(([k, v]) => [String(k).toLowerCase(), v]));
    const res = await zd.get('/api/v2/organizations/4819136400.json');
    expect(res.status).toBe(meta.status);
    expect(res.headers.get('content-type')).toBe(headers.get('content-type'));
    expect(await res.json()).toEqual(await readJson('error_404_RecordNotFound.real_recording.json'));
    expect(res.headers.get('x-rate-limit')).not.toBeNull();
    expect(res.headers.get('x-rate-limit-remaining')).not.toBeNull();
  });

  it('429 with the recorded body and headers', async () => {
    const recorded = (await readJson('rate_limit_429.headers.json')) as { status: number; headers: Record<string, string> };
    await zd.control('POST', '/__sandbox/faults', { route: '*', type: 'rate-limit', count: 1, retryAfterSeconds: 1 });
    const res = await zd.get('/api/v2/tickets/35436.json');
    expect(res.status).toBe(recorded.status);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('retry-after')).toBe(recorded.headers['retry-after']);
    expect(await res.text()).toBe((await readFile(join(DIR, 'rate_limit_429.body.txt'), 'utf8')).trim());
  });

  it('users/me with a wrong token returns the anonymous user', async () => {
    const res = await zd.get('/api/v2/users/me.json', { authorization: `Basic ${Buffer.from('x@example.com/token:bad').toString('base64')}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(await readJson('users_me_with_invalid_token_returns_anonymous.recording.json'));
  });

  it('rate-limit headers of the list endpoints', async () => {
    const doc = await readFile(join(DIR, 'rate_limit_headers_on_list_endpoints.docs.txt'), 'utf8');
    const res = await zd.get('/api/v2/satisfaction_ratings');
    for (const name of ['x-rate-limit', 'x-rate-limit-remaining', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      expect(doc).toContain(`${name}:`);
      expect(res.headers.get(name)).toMatch(/^\d+$/);
    }
  });
});
