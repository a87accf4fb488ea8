/**
 * Wire handling of the Mixpanel connector against nock, with bodies in the shapes of the samples
 * (/work/shared/fixtures/api-samples/mixpanel): JSONL export lines, engage pages, the
 * `{"error": ...}` bodies and the `terminated early` line.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { Checkpoint, Stream } from '../../../src/contracts/connector.ts';
import { mixpanelConnector, mixpanelConfigSchema, type MixpanelConfig } from '../../../connectors/mixpanel/index.ts';
import { exportBase, queryBase } from '../../../connectors/mixpanel/config.ts';
import { DayAggregator } from '../../../connectors/mixpanel/day-aggregator.ts';
import { AuthError, ConfigError, RateLimitError, TransientError } from '../../../src/contracts/errors.ts';
import { activityId, canonicalRecordSchema } from '../../../src/contracts/records.ts';
import { collect } from '../collect.ts';
import { offlineNock } from '../nock-offline.ts';
import { silentLogger } from '../../../src/logging/logger.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const DATA = 'https://data-eu.mixpanel.com';
const QUERY = 'https://eu.mixpanel.com';
const config: MixpanelConfig = mixpanelConfigSchema.parse({ projectId: 1, serviceAccountUser: 'sa.user', serviceAccountSecret: 'sa-secret-123', region: 'eu', backfillDays: 3, maxDaysPerRequest: 3, lateDataDays: 0 });
const activities = mixpanelConnector.streams.find((s) => s.name === 'activities') as Stream<MixpanelConfig, 'mixpanel.activity'>;
const profiles = mixpanelConnector.streams.find((s) => s.name === 'profiles') as Stream<MixpanelConfig, 'mixpanel.profile'>;
const AUTH = `Basic ${Buffer.from('sa.user:sa-secret-123').toString('base64')}`;

const at = (iso: string): number => Date.parse(iso) / 1000;
// Shape of export_raw.mixpanel_docs.ndjson: {"event":..., "properties":{"time":..., "distinct_id":..., "$insert_id":..., "mp_processing_time_ms":...}}
const ev = (event: string, time: number, distinctId: string, insertId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ event, properties: { time, distinct_id: distinctId, $insert_id: insertId, mp_processing_time_ms: time * 1000 + 5, $browser: 'Chrome', ...extra } });
const EXPORT = [
  ev('Signed up', at('2026-11-18T23:59:59Z'), 'u1', 'i1'),
  ev('Signed up', at('2026-11-18T23:59:59Z'), 'u1', 'i1'),
  ev('Viewed report', at('2026-11-19T00:00:00Z'), 'u1', 'i2'),
  ev('Viewed report', at('2026-11-19T10:00:00.250Z'), 'u1', 'i3', { account_id: '001RO0000000001AAA' }),
  ev('Viewed report', at('2026-11-20T09:00:00Z'), 'u2', 'i4'),
].join('\n') + '\n';

function exportRoute(from = '2026-11-18', to = '2026-11-20'): nock.Interceptor {
  return nock(DATA, { reqheaders: { authorization: AUTH } }).get('/api/2.0/export').query({ project_id: '1', from_date: from, to_date: to });
}

offlineNock();

describe('residency', () => {
  it('maps regions to the data and query hosts, and explicit base URLs win', () => {
    const base = { projectId: '1', serviceAccountUser: 'a', serviceAccountSecret: 'b' };
    expect([exportBase(mixpanelConfigSchema.parse(base)), queryBase(mixpanelConfigSchema.parse(base))]).toEqual(['https://data.mixpanel.com', 'https://mixpanel.com']);
    expect(exportBase(mixpanelConfigSchema.parse({ ...base, region: 'in' }))).toBe('https://data-in.mixpanel.com');
    expect(queryBase(mixpanelConfigSchema.parse({ ...base, region: 'in' }))).toBe('https://in.mixpanel.com');
    const sandbox = mixpanelConfigSchema.parse({ ...base, exportBaseUrl: 'http://127.0.0.1:4030/', queryBaseUrl: 'http://127.0.0.1:4030' });
    expect([exportBase(sandbox), queryBase(sandbox)]).toEqual(['http://127.0.0.1:4030', 'http://127.0.0.1:4030']);
  });
});

describe('Mixpanel export on the wire', () => {
  it('reads a gzip multi-day export in one request, one page per UTC day, de-duplicated by $insert_id', async () => {
    exportRoute().reply(200, gzipSync(EXPORT), { 'content-type': 'text/plain; charset=utf-8', 'content-encoding': 'gzip' });
    const pages = await collect(activities, config, null, NOW);
    expect(nock.isDone()).toBe(true);
    expect(pages.map((p) => [p.partition, p.apiCalls, p.checkpoint.completeThrough])).toEqual([
      ['2026-11-18', 1, '2026-11-18'],
      ['2026-11-19', 0, '2026-11-19'],
      ['2026-11-20', 0, '2026-11-19'],
    ]);
    for (const r of pages.flatMap((p) => p.records)) expect(canonicalRecordSchema.safeParse(r).success).toBe(true);
    expect(pages[0]?.records).toEqual([
      { kind: 'mixpanel.activity', id: activityId('2026-11-18', 'u1', null), day: '2026-11-18', distinctId: 'u1', accountId: null, eventCount: 1, eventNames: ['Signed up'], firstAt: Date.parse('2026-11-18T23:59:59Z'), lastAt: Date.parse('2026-11-18T23:59:59Z') },
    ]);
    expect(pages[1]?.records.map((r) => [r.distinctId, r.accountId, r.eventCount])).toEqual([
      ['u1', null, 1],
      ['u1', '001RO0000000001AAA', 1],
    ]);
  });

  it('sizes each request by the density read so far: a dense project is read in fewer days per request', async () => {
    // 20 days to read, at most 30 a request, aiming at 1,000 lines a request: the first request
    // takes 7 days and returns 400 lines a day, so the next ones take 2 days (800 lines) each.
    const dense = mixpanelConfigSchema.parse({ projectId: 1, serviceAccountUser: 'sa.user', serviceAccountSecret: 'sa-secret-123', region: 'eu', backfillDays: 20, maxDaysPerRequest: 30, eventsPerRequest: 1_000, lateDataDays: 0 });
    const day = (n: number): string => new Date(Date.parse('2026-11-01T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10);
    const body = (from: number, to: number): string => {
      const lines: string[] = [];
      for (let d = from; d <= to; d += 1) for (let i = 0; i < 400; i += 1) lines.push(ev('Viewed report', at(`${day(d)}T10:00:00Z`) + i, `u${i % 7}`, `d${d}-${i}`));
      return `${lines.join('\n')}\n`;
    };
    const asked: Array<[string, string]> = [];
    nock(DATA)
      .get('/api/2.0/export')
      .query(true)
      .times(8)
      .reply(function reply(uri) {
        const q = new URL(uri, DATA).searchParams;
        const [from, to] = [q.get('from_date') as string, q.get('to_date') as string];
        asked.push([from, to]);
        const n = (d: string): number => Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse('2026-11-01T00:00:00Z')) / 86_400_000);
        return [200, body(n(from), n(to))];
      });
    const pages = await collect(activities, dense, null, NOW);
    expect(asked).toEqual([
      ['2026-11-01', '2026-11-07'],
      ['2026-11-08', '2026-11-09'], ['2026-11-10', '2026-11-11'], ['2026-11-12', '2026-11-13'],
      ['2026-11-14', '2026-11-15'], ['2026-11-16', '2026-11-17'], ['2026-11-18', '2026-11-19'],
      ['2026-11-20', '2026-11-20'],
    ]);
    expect(pages.map((p) => p.partition)).toEqual(Array.from({ length: 20 }, (_, i) => day(i)));
    expect(pages.flatMap((p) => p.records).reduce((n, r) => n + r.eventCount, 0)).toBe(20 * 400);
    nock.cleanAll();
  });

  it('resumes after the last complete day: exactly the remaining days are requested', async () => {
    exportRoute('2026-11-19', '2026-11-20').reply(200, EXPORT);
    const pages = await collect(activities, config, { completeThrough: '2026-11-18' }, NOW);
    expect(pages.map((p) => p.partition)).toEqual(['2026-11-19', '2026-11-20']);
    expect(nock.isDone()).toBe(true);
  });

  it('a line split across chunks lands whole', async () => {
    const bytes = Buffer.from(EXPORT);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    exportRoute().reply(200, () => Readable.from(chunks));
    const pages = await collect(activities, config, null, NOW);
    expect(pages.flatMap((p) => p.records).reduce((n, r) => n + r.eventCount, 0)).toBe(4);
  });

  it('a body cut off mid-line is transient, never half-landed', async () => {
    exportRoute().reply(200, EXPORT.slice(0, EXPORT.length - 20));
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const p of activities.pull({ config, checkpoint: null, full: false, now: NOW, log: (await import('../../../src/logging/logger.ts')).silentLogger() })) seen.push(p);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/partial line/);
    expect(seen).toEqual([]);
  });

  it('"terminated early" is transient', async () => {
    exportRoute().reply(200, `${EXPORT.split('\n')[0]}\nterminated early\n`);
    await expect(collect(activities, config, null, NOW)).rejects.toThrow(/terminated early/);
  });

  it('maps 401 to AuthError without the secret, 429 to RateLimitError with Retry-After, 402 to ConfigError with Mixpanel\'s words, 5xx to TransientError', async () => {
    exportRoute().reply(401, { error: 'Invalid service account credentials' }, { 'content-type': 'application/json' });
    const auth = await collect(activities, config, null, NOW).catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthError);
    expect((auth as Error).message).toMatch(/Invalid service account credentials/);
    expect((auth as Error).message).not.toContain('sa-secret-123');
    exportRoute().reply(429, { request: '/api/2.0/export?from_date=2026-11-18', error: 'Query rate limit exceeded for project_id: 1. 61/60 queries running in the last hour.' }, { 'retry-after': '120' });
    const limited = await collect(activities, config, null, NOW).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(120_000);
    exportRoute().reply(402, { error: 'Your plan does not allow API calls. Upgrade at mixpanel.com/pricing' });
    await expect(collect(activities, config, null, NOW)).rejects.toThrow(ConfigError);
    exportRoute().reply(502, '<html>Bad gateway</html>', { 'content-type': 'text/html' });
    await expect(collect(activities, config, null, NOW)).rejects.toBeInstanceOf(TransientError);
    exportRoute().replyWithError('socket hang up');
    await expect(collect(activities, config, null, NOW)).rejects.toBeInstanceOf(TransientError);
  });

  it('an error object answered with 200 is a typed error, not an event', async () => {
    exportRoute().reply(200, '{"error": "Query rate limit exceeded for project_id: 1"}\n');
    await expect(collect(activities, config, null, NOW)).rejects.toBeInstanceOf(RateLimitError);
  });

  it('quarantines a malformed event line and lands the rest', async () => {
    exportRoute().reply(200, `${EXPORT}{"event":"x","properties":{"distinct_id":"u9"}}\n`);
    const pages = await collect(activities, config, null, NOW);
    expect(pages.flatMap((p) => p.quarantined).map((q) => q.reason)).toEqual([expect.stringMatching(/line 6: properties.time/)]);
    expect(pages.flatMap((p) => p.records).reduce((n, r) => n + r.eventCount, 0)).toBe(4);
  });
});

describe('Mixpanel export, the next request read ahead', () => {
  // Six days in two requests of three: 2026-11-15..17, then 2026-11-18..20.
  const twoRequests = mixpanelConfigSchema.parse({ projectId: 1, serviceAccountUser: 'sa.user', serviceAccountSecret: 'sa-secret-123', region: 'eu', backfillDays: 6, maxDaysPerRequest: 3, lateDataDays: 0 });
  const first = (): nock.Interceptor => exportRoute('2026-11-15', '2026-11-17');
  const second = (): nock.Interceptor => exportRoute('2026-11-18', '2026-11-20');
  const pull = () => activities.pull({ config: twoRequests, checkpoint: null, full: false, now: NOW, log: silentLogger() });

  it('asks for the next request before the pages of the one before are taken', async () => {
    first().reply(200, `${ev('Viewed report', at('2026-11-15T10:00:00Z'), 'u1', 'a1')}\n`);
    let asked!: () => void;
    const secondAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    second().reply(() => {
      asked();
      return [200, EXPORT];
    });
    const pages = pull()[Symbol.asyncIterator]();
    const firstPage = await pages.next();
    expect(firstPage.done).toBe(false);
    // The generator is paused at its first page: only a request already under way can be asked for now.
    await secondAsked;
    const rest: unknown[] = [];
    for (let page = await pages.next(); !page.done; page = await pages.next()) rest.push(page.value);
    expect(rest).toHaveLength(5);
    expect(nock.isDone()).toBe(true);
  });

  it('a next request that fails does not keep back the pages read before it: they come first, then its error', async () => {
    first().reply(200, `${ev('Viewed report', at('2026-11-16T10:00:00Z'), 'u1', 'a1')}\n`);
    second().reply(503, { error: 'upstream unavailable' });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const page of pull()) seen.push(`${page.partition}:${page.records.length}`);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['2026-11-15:0', '2026-11-16:1', '2026-11-17:0']);
    expect(err).toBeInstanceOf(TransientError);
    expect(nock.isDone()).toBe(true);
  });

  it('a pull stopped after its first page gives up the request it read ahead', async () => {
    // A loopback server (nock does not show a client giving a request up): the second request's
    // body never ends, so only giving that request up lets the pull return.
    let asked!: () => void;
    const secondAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    let closed!: () => void;
    const secondClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const server = createServer((req, res) => {
      const from = new URL(req.url ?? '/', 'http://x').searchParams.get('from_date');
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (from === '2026-11-15') {
        res.end(`${ev('Viewed report', at('2026-11-15T10:00:00Z'), 'u1', 'a1')}\n`);
        return;
      }
      res.once('close', closed);
      res.write(`${ev('Viewed report', at('2026-11-18T10:00:00Z'), 'u1', 'a2')}\n`);
      asked();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const local = mixpanelConfigSchema.parse({ ...twoRequests, exportBaseUrl: base, queryBaseUrl: base });
      for await (const page of activities.pull({ config: local, checkpoint: null, full: false, now: NOW, log: silentLogger() })) {
        expect(page.partition).toBe('2026-11-15');
        await secondAsked;
        break;
      }
      await secondClosed;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('Mixpanel engage on the wire', () => {
  it('pages with session_id until a short page', async () => {
    const bodies: string[] = [];
    const scope = nock(QUERY, { reqheaders: { authorization: AUTH } })
      .post('/api/query/engage')
      .query({ project_id: '1' })
      .times(2)
      .reply((_uri, body) => {
        bodies.push(typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString());
        const page = Number(new URLSearchParams(bodies.at(-1)).get('page'));
        const results = page === 0
          ? [{ $distinct_id: 4, $properties: { $created: '2008-12-12T11:20:47', $email: 'example@mixpanel.com', account_id: '001RO0000000001AAA' } }, { $properties: {} }]
          : [{ $distinct_id: 'b', $properties: { $email: ' ' } }];
        return [200, { page, page_size: 2, results, session_id: '1234567890-EXAMPL', status: 'ok', total: 3 }];
      });
    const pages = await collect(profiles, config, null, NOW);
    expect(scope.isDone()).toBe(true);
    expect(bodies[1]).toMatch(/session_id=1234567890-EXAMPL/);
    expect(pages.flatMap((p) => p.records)).toEqual([
      { kind: 'mixpanel.profile', id: '4', email: 'example@mixpanel.com', accountId: '001RO0000000001AAA' },
      { kind: 'mixpanel.profile', id: 'b', email: null, accountId: null },
    ]);
    expect(pages[0]?.quarantined).toHaveLength(1);
    expect(pages[0]?.quarantined[0]?.reason).toMatch(/\$distinct_id/);
  });
});

describe('Mixpanel engage, incremental', () => {
  it('asks for profiles seen since the watermark with the where form field, and moves it with the last page', async () => {
    const bodies: URLSearchParams[] = [];
    const scope = nock(QUERY, { reqheaders: { authorization: AUTH } })
      .post('/api/query/engage')
      .query({ project_id: '1' })
      .reply((_uri, body) => {
        bodies.push(new URLSearchParams(typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString()));
        const results = [{ $distinct_id: 'u9', $properties: { $email: 'u9@acme.com', $last_seen: '2026-11-20T08:15:00' } }];
        return [200, { page: 0, page_size: 1000, results, session_id: '1234567890-EXAMPL', status: 'ok', total: 1 }];
      });
    const pages = await collect(profiles, config, { fullDay: '2026-11-20', latest: '2026-11-19T10:30:00', since: '2026-11-19T09:30:00' }, NOW);
    expect(scope.isDone()).toBe(true);
    expect(bodies[0]?.get('where')).toBe('properties["$last_seen"] >= "2026-11-19T09:30:00"');
    expect(bodies[0]?.get('page')).toBe('0');
    expect(pages.at(-1)?.checkpoint).toEqual({ fullDay: '2026-11-20', latest: '2026-11-20T08:15:00', since: '2026-11-20T07:15:00' });
  });

  it('reads every profile without a where on a new UTC day or without a usable checkpoint', async () => {
    const checkpoints: Array<Checkpoint | null> = [{ fullDay: '2026-11-19', latest: '2026-11-19T10:30:00', since: '2026-11-19T09:30:00' }, { since: 'yesterday' }, null];
    for (const checkpoint of checkpoints) {
      let where: string | null = 'unset';
      const scope = nock(QUERY)
        .post('/api/query/engage')
        .query({ project_id: '1' })
        .reply((_uri, body) => {
          where = new URLSearchParams(typeof body === 'string' ? body : '').get('where');
          return [200, { page: 0, page_size: 1000, results: [], session_id: 's', status: 'ok', total: 0 }];
        });
      const pages = await collect(profiles, config, checkpoint, NOW);
      expect(scope.isDone()).toBe(true);
      expect(where).toBeNull();
      expect(pages.at(-1)?.checkpoint).toEqual({ fullDay: '2026-11-20', latest: checkpoint && 'latest' in checkpoint ? checkpoint.latest : null, since: checkpoint && 'latest' in checkpoint ? '2026-11-19T09:30:00' : null });
    }
  });
});

describe('day aggregation memory', () => {
  it('holds one bucket per (day, distinct_id, account) however many events arrive', () => {
    const agg = new DayAggregator('account_id');
    const base = at('2026-11-19T00:00:00Z');
    for (let i = 0; i < 200_000; i += 1) agg.add({ event: `e${i % 3}`, properties: { time: base + (i % 86_400), distinct_id: `u${i % 50}`, $insert_id: `i${i}` } });
    const day = agg.take('2026-11-19');
    expect(day).toHaveLength(50);
    expect(day.reduce((n, r) => n + r.eventCount, 0)).toBe(200_000);
    expect(agg.take('2026-11-19')).toEqual([]);
  });
});
