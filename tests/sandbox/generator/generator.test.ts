/** The dataset generator: format, determinism, traps, ground truth and bounded memory. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset, DEMO_DATASET } from '../../../src/sandbox/generator/index.ts';
import { loadDataset } from '../../../src/sandbox/dataset.ts';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const root = mkdtempSync(join(tmpdir(), 'tidemark-gen-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lines = (dir: string, file: string): Array<Record<string, unknown>> =>
  readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('generateDataset', () => {
  it('is deterministic for a seed and now', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await generateDataset({ accounts: 12, seed: 7, out: a, now: NOW });
    await generateDataset({ accounts: 12, seed: 7, out: b, now: NOW });
    for (const f of ['salesforce/Account.jsonl', 'mixpanel/events.jsonl', 'zendesk/tickets.jsonl', 'truth/accounts.jsonl']) {
      expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
    }
    await generateDataset({ accounts: 12, seed: 8, out: b, now: NOW });
    expect(readFileSync(join(a, 'mixpanel/events.jsonl'), 'utf8')).not.toBe(readFileSync(join(b, 'mixpanel/events.jsonl'), 'utf8'));
  });

  it('writes the contract format that the dataset loader accepts, stamped at least 5 minutes before generatedAt', async () => {
    const dir = join(root, 'demo');
    const summary = await generateDataset({ ...DEMO_DATASET, out: dir, now: NOW });
    const ds = await loadDataset(dir);
    expect(ds.manifest.generatedAt).toBe(NOW.toISOString());
    for (const k of ['Id', 'Name', 'Website', 'Industry', 'NumberOfEmployees', 'OwnerId', 'CS_Manager__c', 'CS_Email_Domains__c', 'CS_Licensed_Seats__c', 'CS_Renewal_Date__c', 'CreatedDate', 'SystemModstamp']) {
      expect(ds.salesforce.get('Account')?.[0]).toHaveProperty(k);
    }
    expect(ds.zendesk.tickets[0]).toHaveProperty('satisfaction_rating');
    expect(summary.counts.event).toBeGreaterThan(1000);
    const limit = NOW.getTime() - 5 * 60_000;
    for (const e of lines(dir, 'mixpanel/events.jsonl')) expect((e.properties as { time: number }).time * 1000).toBeLessThanOrEqual(limit);
    for (const t of ds.zendesk.tickets) expect(Date.parse(String(t.updated_at))).toBeLessThanOrEqual(limit);
    for (const a of ds.salesforce.get('Account') ?? []) expect(Date.parse(String(a.SystemModstamp))).toBeLessThanOrEqual(limit);
    const ids = (ds.salesforce.get('Account') ?? []).map((a) => String(a.Id));
    expect(ids.every((id) => /^001[A-Za-z0-9]{15}$/.test(id))).toBe(true);
  });

  it('plants and tags every identity trap', async () => {
    const dir = join(root, 'demo');
    const traps = new Set(lines(dir, 'truth/records.jsonl').map((r) => r.trap).filter(Boolean));
    for (const t of ['free-mail', 'free-mail-in-org', 'subdomain', '15-char-id', 'stale-id', 'no-external-id', 'shared-domain', 'partner-consultant', 'requester-only']) expect(traps).toContain(t);
    const websites = lines(dir, 'salesforce/Account.jsonl').map((a) => String(a.Website));
    expect(websites).toContain('N/A');
    expect(websites.some((w) => w.includes(':8080'))).toBe(true);
    expect(websites.some((w) => w.includes('WWW.'))).toBe(true);
    expect(websites.some((w) => w.includes('bücher'))).toBe(true);
    expect(lines(dir, 'salesforce/Account.jsonl').some((a) => String(a.CS_Email_Domains__c ?? '').includes(';'))).toBe(true);
    const cohorts = new Set(lines(dir, 'truth/accounts.jsonl').map((a) => a.cohort));
    expect([...cohorts].sort()).toEqual(['churned', 'declining', 'detractors', 'healthy', 'onboarding', 'support-heavy']);
    expect(lines(dir, 'salesforce/Opportunity.jsonl').some((o) => o.StageName === 'Closed Lost' && o.Type === 'Renewal')).toBe(true);
  });

  it('the ticket and NPS truth agrees with a straightforward recount from the files', async () => {
    const dir = join(root, 'demo');
    const truthOf = new Map(lines(dir, 'truth/records.jsonl').map((r) => [`${String(r.kind)}:${String(r.id)}`, r.accountId as string | null]));
    const open = new Map<string, number>();
    const urgent = new Map<string, number>();
    for (const t of lines(dir, 'zendesk/tickets.jsonl')) {
      const account = truthOf.get(`zendesk.ticket:${String(t.id)}`);
      if (!account) continue;
      if (['new', 'open', 'pending', 'hold'].includes(String(t.status))) open.set(account, (open.get(account) ?? 0) + 1);
      const created = Date.parse(String(t.created_at));
      if (['urgent', 'high'].includes(String(t.priority)) && created > NOW.getTime() - 90 * 86_400_000) urgent.set(account, (urgent.get(account) ?? 0) + 1);
    }
    const latest = new Map<string, Map<string, { at: number; score: number }>>();
    for (const s of lines(dir, 'surveys/responses.jsonl')) {
      const account = truthOf.get(`surveys.response:${String(s.id)}`);
      const at = Date.parse(String(s.submitted_at));
      if (!account || at <= NOW.getTime() - 180 * 86_400_000) continue;
      const key = String(s.email ?? s.id).trim().toLowerCase();
      const m = latest.get(account) ?? new Map();
      if (!m.has(key) || (m.get(key)?.at ?? 0) < at) m.set(key, { at, score: Number(s.score) });
      latest.set(account, m);
    }
    for (const a of lines(dir, 'truth/accounts.jsonl')) {
      const id = String(a.accountId);
      expect(a.CS_Open_Tickets__c).toBe(open.get(id) ?? 0);
      expect(a.CS_Urgent_Tickets_90d__c).toBe(urgent.get(id) ?? 0);
      const r = [...(latest.get(id)?.values() ?? [])];
      const raw = r.length === 0 ? null : (100 * (r.filter((x) => x.score >= 9).length - r.filter((x) => x.score <= 6).length)) / r.length;
      const nps = raw === null ? null : Math.sign(raw) * Math.round(Math.abs(raw)) || 0;
      expect(a.CS_NPS__c).toBe(nps);
    }
  });

  it('streams events in bounded memory', async () => {
    const dir = join(root, 'big');
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const summary = await generateDataset({ accounts: 300, seed: 1, out: dir, now: NOW, days: 60, eventsPerActiveUserPerDay: 6, usersPerAccount: 20 });
    expect(summary.counts.event).toBeGreaterThan(400_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(150 * 1024 * 1024);
  }, 60_000);
});
