/**
 * Wire handling of the Zendesk connector against nock, with bodies in the shapes of the samples
 * (/work/shared/fixtures/api-samples/zendesk): cursor export pages (after_url, after_cursor,
 * end_of_stream), the time-based organizations export (next_page kept at the end), the
 * text/plain 429 with Retry-After.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { Stream } from '../../../src/contracts/connector.ts';
import { zendeskConnector, zendeskConfigSchema, type ZendeskConfig } from '../../../connectors/zendesk/index.ts';
import { AuthError, RateLimitError, TransientError } from '../../../src/contracts/errors.ts';
import type { RecordKind } from '../../../src/contracts/records.ts';
import { collect } from '../collect.ts';
import { offlineNock } from '../nock-offline.ts';

const HOST = 'https://acme.zendesk.com';
const NOW = new Date('2026-11-20T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const config: ZendeskConfig = zendeskConfigSchema.parse({ subdomain: 'acme', email: 'admin@acme.example', apiToken: 'zd-token-secret', firstSyncHorizonDays: 30, perPage: 2 });
const AUTH = `Basic ${Buffer.from('admin@acme.example/token:zd-token-secret').toString('base64')}`;
const stream = <K extends RecordKind>(name: string) => zendeskConnector.streams.find((s) => s.name === name) as unknown as Stream<ZendeskConfig, K>;

const ticket = (id: number, extra: Record<string, unknown> = {}) => ({
  url: `${HOST}/api/v2/tickets/${id}.json`, id, external_id: null, via: { channel: 'web', source: { from: {}, to: {}, rel: null } },
  created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-02T10:00:00Z', generated_timestamp: 1793613600, type: 'incident', subject: `Ticket ${id}`,
  description: 'Printer on fire', priority: 'urgent', status: 'open', requester_id: 20978392, submitter_id: 76872, assignee_id: 235323,
  organization_id: 509974, group_id: 98738, tags: ['enterprise'], satisfaction_rating: { id: 1234, score: 'good', comment: 'Great support!' }, ...extra,
});
const CURSOR_1 = 'MTU3NjYxMzUzOS4wfHw0Njd8+/a=';

offlineNock();

describe('Zendesk cursor exports on the wire', () => {
  it('starts at the horizon, follows URL-encoded cursors to end_of_stream, checkpoints each cursor', async () => {
    const api = nock(HOST, { reqheaders: { authorization: AUTH } });
    api.get('/api/v2/incremental/tickets/cursor.json').query({ start_time: String(NOW_S - 30 * 86400), per_page: '2' })
      .reply(200, { tickets: [ticket(1), ticket(2, { status: 'deleted' })], after_url: `${HOST}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(CURSOR_1)}`, after_cursor: CURSOR_1, before_url: null, before_cursor: null, end_of_stream: false });
    api.get('/api/v2/incremental/tickets/cursor.json').query({ cursor: CURSOR_1, per_page: '2' })
      .reply(200, { tickets: [ticket(3, { status: 'bogus' }), ticket(4, { satisfaction_rating: null, priority: null })], after_url: null, after_cursor: 'LAST', before_url: null, before_cursor: null, end_of_stream: true });
    const pages = await collect(stream<'zendesk.ticket'>('tickets'), config, null, NOW);
    expect(api.isDone()).toBe(true);
    expect(pages.map((p) => p.checkpoint)).toEqual([{ cursor: CURSOR_1 }, { cursor: 'LAST' }]);
    expect(pages[0]?.records.map((r) => [r.id, r.status, r.satisfaction, r.priority, r.organizationId])).toEqual([
      ['1', 'open', 'good', 'urgent', '509974'],
      ['2', 'deleted', 'good', 'urgent', '509974'],
    ]);
    expect(pages[1]?.records.map((r) => [r.id, r.satisfaction, r.priority])).toEqual([['4', null, null]]);
    expect(pages[1]?.quarantined).toEqual([expect.objectContaining({ sourceId: '3', reason: expect.stringMatching(/status/) })]);
  });

  it('resumes from the saved cursor: only the remaining pages are requested', async () => {
    const api = nock(HOST);
    api.get('/api/v2/incremental/users/cursor.json').query({ cursor: CURSOR_1, per_page: '2' })
      .reply(200, { users: [{ id: 9, name: 'Johnny Agent', email: 'fake.agent@example.com', role: 'agent', organization_id: null, external_id: null, active: true, created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z' }], after_url: null, after_cursor: 'C2', end_of_stream: true });
    const pages = await collect(stream<'zendesk.user'>('users'), config, { cursor: CURSOR_1 }, NOW);
    expect(api.isDone()).toBe(true);
    expect(pages.flatMap((p) => p.records.map((r) => r.id))).toEqual(['9']);
  });

  it('never asks for a start_time within the last minute, even when the checkpoint is that recent', async () => {
    const asked: number[] = [];
    nock(HOST).get('/api/v2/incremental/organizations.json').query((q) => {
      asked.push(Number(q.start_time));
      return true;
    }).reply(200, { organizations: [], count: 0, end_time: NOW_S - 10, end_of_stream: true });
    await collect(stream('organizations'), config, { startTime: NOW_S - 10, boundary: '' }, NOW);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeLessThanOrEqual(NOW_S - 60);
  });

  it('maps 429 (text/plain) to RateLimitError with Retry-After, 401 to AuthError without the token, truncated JSON and 5xx to TransientError', async () => {
    nock(HOST).get('/api/v2/incremental/users/cursor.json').query(true).reply(429, 'Number of allowed API requests per minute exceeded', { 'content-type': 'text/plain', 'retry-after': '1' });
    const limited = await collect(stream('users'), config, null, NOW).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(1000);
    nock(HOST).get('/api/v2/incremental/users/cursor.json').query(true).reply(401, { error: "Couldn't authenticate you" });
    const auth = await collect(stream('users'), config, null, NOW).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthError);
    expect((auth as Error).message).not.toContain('zd-token-secret');
    nock(HOST).get('/api/v2/incremental/users/cursor.json').query(true).reply(200, '{"users":[{"id":1,"na', { 'content-type': 'application/json' });
    await expect(collect(stream('users'), config, null, NOW)).rejects.toBeInstanceOf(TransientError);
    nock(HOST).get('/api/v2/incremental/users/cursor.json').query(true).reply(503, 'unavailable');
    await expect(collect(stream('users'), config, null, NOW)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('Zendesk organizations time-based export on the wire', () => {
  const org = (id: number, updated: string, extra: Record<string, unknown> = {}) => ({ url: `${HOST}/api/v2/organizations/${id}.json`, id, name: `Org ${id}`, shared_tickets: false, shared_comments: false, external_id: id === 1 ? 'ABC198' : null, created_at: '2026-10-01T00:00:00Z', updated_at: updated, domain_names: ['Remain.com'], details: '', notes: '', group_id: null, tags: [], organization_fields: {}, ...extra });
  const t1 = Date.parse('2026-11-10T00:00:00Z') / 1000;

  it('follows end_time, stops on end_of_stream although next_page is set, de-duplicates repeats, and a resumed run does not repeat the boundary', async () => {
    const api = nock(HOST);
    api.get('/api/v2/incremental/organizations.json').query({ start_time: String(NOW_S - 30 * 86400), per_page: '2' })
      .reply(200, { organizations: [org(1, '2026-11-09T00:00:00Z'), org(2, '2026-11-10T00:00:00Z')], count: 2, end_time: t1, next_page: `${HOST}/api/v2/incremental/organizations.json?start_time=${t1}`, end_of_stream: false });
    api.get('/api/v2/incremental/organizations.json').query({ start_time: String(t1), per_page: '2' })
      .reply(200, { organizations: [org(2, '2026-11-10T00:00:00Z'), org(3, '2026-11-10T00:00:00Z', { deleted_at: '2026-11-10T00:00:00Z' })], count: 2, end_time: t1 + 5, next_page: `${HOST}/api/v2/incremental/organizations.json?start_time=${t1 + 5}`, end_of_stream: true });
    const pages = await collect(stream<'zendesk.organization'>('organizations'), config, null, NOW);
    expect(api.isDone()).toBe(true);
    expect(pages.map((p) => p.records.map((r) => r.id))).toEqual([['1', '2'], []]);
    expect(pages[1]?.deletedIds).toEqual(['3']);
    expect(pages[0]?.records[0]).toMatchObject({ externalId: 'ABC198', domainNames: ['remain.com'] });
    expect(pages[0]?.checkpoint).toEqual({ startTime: t1, boundary: `2@${t1}` });

    nock(HOST).get('/api/v2/incremental/organizations.json').query({ start_time: String(t1), per_page: '2' })
      .reply(200, { organizations: [org(2, '2026-11-10T00:00:00Z'), org(4, '2026-11-10T00:00:00Z')], count: 2, end_time: t1, end_of_stream: true });
    const resumed = await collect(stream<'zendesk.organization'>('organizations'), config, pages[0]?.checkpoint ?? null, NOW);
    expect(resumed.flatMap((p) => p.records.map((r) => r.id))).toEqual(['4']);
  });

  it('remembers thousands of items sharing the boundary second (a bulk update), so the next run reads none of them again', async () => {
    const bulk = Array.from({ length: 3000 }, (_, i) => org(100 + i, '2026-11-10T00:00:00Z'));
    nock(HOST).get('/api/v2/incremental/organizations.json').query({ start_time: String(NOW_S - 30 * 86400), per_page: '2' })
      .reply(200, { organizations: bulk, count: bulk.length, end_time: t1, end_of_stream: true });
    const first = await collect(stream<'zendesk.organization'>('organizations'), config, null, NOW);
    expect(first.flatMap((p) => p.records)).toHaveLength(3000);
    nock(HOST).get('/api/v2/incremental/organizations.json').query({ start_time: String(t1), per_page: '2' })
      .reply(200, { organizations: bulk, count: bulk.length, end_time: t1, end_of_stream: true });
    const next = await collect(stream<'zendesk.organization'>('organizations'), config, first.at(-1)?.checkpoint ?? null, NOW);
    expect(next.flatMap((p) => p.records)).toEqual([]);
  });
});
