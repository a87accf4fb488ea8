/** The Zendesk connector against the Zendesk emulator (real HTTP, real paging). */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { zendeskConnector, zendeskConfigSchema, type ZendeskConfig } from '../../../connectors/zendesk/index.ts';
import { AuthError, RateLimitError, TransientError } from '../../../src/contracts/errors.ts';
import { canonicalRecordSchema } from '../../../src/contracts/records.ts';
import { iso, nowSeconds, startZendesk, writeDataset, type Running } from '../zendesk/emulator/helpers.ts';
import { collect } from '../collect.ts';
import { silentLogger } from '../../../src/logging/logger.ts';

const base = nowSeconds() - 7200;
const organizations = [0, 100, 100, 100, 200].map((offset, i) => ({ id: 11 + i, name: `Org ${i}`, domain_names: [`Org${i}.example`], external_id: i === 0 ? '001000000000001AAA' : null, created_at: iso(base), updated_at: iso(base + offset) }));
const users = Array.from({ length: 7 }, (_, i) => ({ id: 1 + i, name: `U${i}`, email: `u${i}@org0.example`, organization_id: 11, role: 'end-user', external_id: null, active: true, created_at: iso(base), updated_at: iso(base + Math.floor(i / 2)) }));
const tickets = Array.from({ length: 9 }, (_, i) => ({
  id: 100 + i,
  subject: `T${i}`,
  status: i === 8 ? 'bogus-status' : 'open',
  priority: 'high',
  requester_id: 1,
  organization_id: 11,
  satisfaction_rating: { score: i === 0 ? 'good' : 'unoffered' },
  created_at: iso(base),
  updated_at: iso(base + 10 * Math.floor(i / 3)),
}));

let zd: Running;
let cleanup: () => Promise<void>;
let config: ZendeskConfig;
const streams = Object.fromEntries(zendeskConnector.streams.map((s) => [s.name, s]));

beforeAll(async () => {
  const written = await writeDataset({ 'zendesk/organizations.jsonl': organizations, 'zendesk/users.jsonl': users, 'zendesk/tickets.jsonl': tickets });
  cleanup = written.cleanup;
  zd = await startZendesk(written.dataset);
  config = zendeskConfigSchema.parse({ baseUrl: zd.url, email: 'sandbox@example.com', apiToken: 'sandbox', perPage: 2 });
});
afterAll(async () => {
  await zd.close();
  await cleanup();
});
afterEach(async () => {
  await zd.control('DELETE', '/__sandbox/faults');
});

describe('Zendesk connector', () => {
  it('pages users to the end with URL-encoded cursors, records valid, checkpoint flat', async () => {
    const pages = await collect(streams.users as never, config);
    expect(pages.length).toBeGreaterThan(2);
    const records = pages.flatMap((p) => p.records);
    expect(records.map((r) => r.id).sort()).toEqual(users.map((u) => String(u.id)).sort());
    for (const r of records) expect(canonicalRecordSchema.safeParse(r).success).toBe(true);
    for (const p of pages) for (const v of Object.values(p.checkpoint)) expect(['string', 'number', 'boolean'].includes(typeof v) || v === null).toBe(true);
  });

  it('resuming from page n yields exactly the pages after it, and a re-run yields nothing new', async () => {
    const all = await collect(streams.users as never, config);
    const resumed = await collect(streams.users as never, config, all[1]?.checkpoint ?? null);
    expect(resumed.flatMap((p) => p.records.map((r) => r.id))).toEqual(all.slice(2).flatMap((p) => p.records.map((r) => r.id)));
    const again = await collect(streams.users as never, config, all.at(-1)?.checkpoint ?? null);
    expect(again.flatMap((p) => p.records)).toEqual([]);
  });

  it('quarantines a malformed ticket and lands the rest of its page', async () => {
    const pages = await collect(streams.tickets as never, config);
    const records = pages.flatMap((p) => p.records);
    const quarantined = pages.flatMap((p) => p.quarantined);
    expect(records).toHaveLength(8);
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ sourceId: '108' });
    expect(quarantined[0]?.reason).toMatch(/status/);
    expect(records.find((r) => r.id === '100')).toMatchObject({ satisfaction: 'good', priority: 'high', organizationId: '11' });
  });

  it('reads organizations through the time-based export without duplicates at shared timestamps', async () => {
    const pages = await collect(streams.organizations as never, config);
    const ids = pages.flatMap((p) => p.records.map((r) => r.id));
    expect([...ids].sort()).toEqual(organizations.map((o) => String(o.id)).sort());
    expect(pages.flatMap((p) => p.records).find((o) => o.id === '11')).toMatchObject({ externalId: '001000000000001AAA', domainNames: ['org0.example'] });
  });

  it('maps 401 to AuthError, 429 to RateLimitError with Retry-After, 5xx and truncation to TransientError', async () => {
    await expect(collect(streams.users as never, { ...config, apiToken: 'wrong' })).rejects.toBeInstanceOf(AuthError);
    await zd.control('POST', '/__sandbox/faults', { type: 'rate-limit', count: 1, retryAfterSeconds: 7 });
    const limited = await collect(streams.users as never, config).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).retryAfterMs).toBe(7000);
    await zd.control('POST', '/__sandbox/faults', { type: 'status', status: 503, count: 1 });
    await expect(collect(streams.users as never, config)).rejects.toBeInstanceOf(TransientError);
    await zd.control('POST', '/__sandbox/faults', { type: 'truncate', count: 1 });
    await expect(collect(streams.users as never, config)).rejects.toBeInstanceOf(TransientError);
  });

  it('check() reports good and bad credentials precisely', async () => {
    expect(await zendeskConnector.check(config, silentLogger())).toMatchObject({ ok: true });
    const bad = await zendeskConnector.check({ ...config, apiToken: 'wrong' }, silentLogger());
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/anonymous user/);
  });
});
