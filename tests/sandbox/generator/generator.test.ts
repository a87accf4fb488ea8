/** The dataset generator: determinism, the contract format, timestamps, traps, options. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_FILES, DEMO_DATASET, generateDataset, type GenerateSummary } from '../../../src/sandbox/generator/index.ts';
import { loadDataset } from '../../../src/sandbox/dataset.ts';
import { readLines } from './independent-rules.ts';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const LIMIT = NOW.getTime() - 5 * 60_000;
const root = mkdtempSync(join(tmpdir(), 'tidemark-gen-'));
const demo = join(root, 'demo');
let summary: GenerateSummary;

beforeAll(async () => {
  summary = await generateDataset({ ...DEMO_DATASET, out: demo, now: NOW });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
function validId18(id: string, prefix: string): boolean {
  if (!new RegExp(`^${prefix}[A-Za-z0-9]{15}$`).test(id)) return false;
  let suffix = '';
  for (let b = 0; b < 3; b += 1) {
    let bits = 0;
    for (let k = 0; k < 5; k += 1) if (/[A-Z]/.test(id[b * 5 + k] ?? '')) bits += 2 ** k;
    suffix += CHECKSUM[bits];
  }
  return id.slice(15) === suffix;
}

/** Salesforce files and their datetime fields. */
const SALESFORCE_STAMPS: Array<[string, string[]]> = [
  ['salesforce/Account.jsonl', ['CreatedDate', 'LastModifiedDate', 'SystemModstamp']],
  ['salesforce/Contact.jsonl', ['CreatedDate', 'SystemModstamp']],
  ['salesforce/Opportunity.jsonl', ['SystemModstamp']],
  ['salesforce/OpportunityLineItem.jsonl', ['CreatedDate', 'SystemModstamp']],
  ['salesforce/User.jsonl', ['CreatedDate', 'SystemModstamp']],
];

describe('generateDataset', () => {
  it('generates the 40-account demo with a few thousand events', () => {
    expect(summary.counts.event).toBeGreaterThan(2_000);
    expect(summary.counts.event).toBeLessThan(20_000);
    expect(summary.counts.account).toBe(40);
  });

  it('is byte-identical for the same seed and now, and differs for another seed', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    await generateDataset({ accounts: 14, seed: 7, out: a, now: NOW });
    await generateDataset({ accounts: 14, seed: 7, out: b, now: NOW });
    const files = filesUnder(a);
    expect(files).toEqual(filesUnder(b));
    expect(files).toEqual(['manifest.json', ...Object.values(DATASET_FILES)].sort());
    for (const f of files) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    await generateDataset({ accounts: 14, seed: 8, out: b, now: NOW });
    expect(readFileSync(join(a, 'mixpanel/events.jsonl'), 'utf8')).not.toBe(readFileSync(join(b, 'mixpanel/events.jsonl'), 'utf8'));
  });

  it('summarizes counts and paths per file', () => {
    for (const [key, file] of Object.entries(DATASET_FILES)) {
      const k = key as keyof typeof DATASET_FILES;
      expect(summary.paths[k]).toBe(join(demo, file));
      expect(summary.counts[k]).toBe(readLines(demo, file).length);
    }
    expect(JSON.parse(readFileSync(summary.manifest, 'utf8'))).toEqual({ name: 'generated-40-seed-42', generatedAt: NOW.toISOString() });
  });

  it('writes every file in the contract format, which the dataset loader accepts', async () => {
    const ds = await loadDataset(demo);
    expect(ds.manifest.generatedAt).toBe(NOW.toISOString());
    const required: Record<string, string[]> = {
      'salesforce/Account.jsonl': ['Id', 'Name', 'Website', 'Industry', 'NumberOfEmployees', 'OwnerId', 'CS_Manager__c', 'CS_Email_Domains__c', 'CS_Licensed_Seats__c', 'CS_Renewal_Date__c', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp'],
      'salesforce/Contact.jsonl': ['Id', 'AccountId', 'FirstName', 'LastName', 'Email', 'Title', 'CreatedDate', 'SystemModstamp'],
      'salesforce/Opportunity.jsonl': ['Id', 'AccountId', 'Name', 'StageName', 'IsClosed', 'IsWon', 'CloseDate', 'Amount', 'Type', 'Description', 'NextStep', 'CS_Partners__c', 'CS_Business_Challenges__c', 'SystemModstamp'],
      'salesforce/OpportunityLineItem.jsonl': ['Id', 'OpportunityId', 'Product2Id', 'Name', 'Quantity', 'TotalPrice', 'CreatedDate', 'SystemModstamp'],
      'salesforce/User.jsonl': ['Id', 'Name', 'Email', 'IsActive'],
      'zendesk/organizations.jsonl': ['id', 'name', 'domain_names', 'external_id', 'tags', 'created_at', 'updated_at'],
      'zendesk/users.jsonl': ['id', 'name', 'email', 'organization_id', 'role', 'external_id', 'active', 'created_at', 'updated_at'],
      'zendesk/tickets.jsonl': ['id', 'subject', 'status', 'priority', 'type', 'requester_id', 'organization_id', 'tags', 'via', 'satisfaction_rating', 'created_at', 'updated_at'],
      'surveys/responses.jsonl': ['id', 'email', 'score', 'comment', 'submitted_at'],
    };
    for (const [file, fields] of Object.entries(required)) {
      const rows = readLines(demo, file);
      expect(rows.length, file).toBeGreaterThan(0);
      for (const row of rows) for (const f of fields) expect(row, `${file} ${f}`).toHaveProperty(f);
    }
    const prefixes: Record<string, string> = { Account: '001', Contact: '003', Opportunity: '006', OpportunityLineItem: '00k', User: '005' };
    for (const [object, prefix] of Object.entries(prefixes)) {
      for (const r of ds.salesforce.get(object) ?? []) expect(validId18(String(r.Id), prefix), `${object} ${String(r.Id)}`).toBe(true);
    }
    const ids = new Set((ds.salesforce.get('Account') ?? []).map((a) => a.Id));
    const userIds = new Set((ds.salesforce.get('User') ?? []).map((u) => u.Id));
    for (const a of ds.salesforce.get('Account') ?? []) {
      expect(userIds.has(a.OwnerId) && userIds.has(a.CS_Manager__c)).toBe(true);
    }
    for (const c of ds.salesforce.get('Contact') ?? []) expect(ids.has(c.AccountId)).toBe(true);
    for (const item of ds.salesforce.get('OpportunityLineItem') ?? []) expect(validId18(String(item.Product2Id), '01t')).toBe(true);
    for (const r of [...ds.zendesk.organizations, ...ds.zendesk.users, ...ds.zendesk.tickets]) expect(Number.isInteger(r.id)).toBe(true);
    for (const t of ds.zendesk.tickets) {
      expect(['new', 'open', 'pending', 'hold', 'solved', 'closed']).toContain(t.status);
      expect(t.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const insertIds = new Set<string>();
    let duplicates = 0;
    for (const e of readLines(demo, 'mixpanel/events.jsonl')) {
      const p = e.properties as Record<string, unknown>;
      expect(typeof e.event).toBe('string');
      expect(Number.isInteger(p.time)).toBe(true);
      expect(typeof p.distinct_id).toBe('string');
      if (insertIds.has(String(p.$insert_id))) duplicates += 1;
      insertIds.add(String(p.$insert_id));
    }
    expect(duplicates).toBeGreaterThan(0); // repeated export lines share their $insert_id
    for (const p of ds.mixpanel.profiles) {
      expect(typeof p.$distinct_id).toBe('string');
      expect(p.$properties).toHaveProperty('$email');
    }
    for (const s of readLines(demo, 'surveys/responses.jsonl')) expect(Number.isInteger(s.score) && Number(s.score) >= 0 && Number(s.score) <= 10).toBe(true);
  });

  it('stamps Salesforce records to the second, as Salesforce does, whatever the milliseconds of now', async () => {
    // An incremental pull's checkpoint carries no milliseconds (SOQL datetimes cannot): stamps with
    // milliseconds would be read again by every run.
    const dir = join(root, 'millis');
    await generateDataset({ ...DEMO_DATASET, accounts: 5, out: dir, now: new Date('2026-11-20T12:00:00.537Z') });
    for (const [file, fields] of SALESFORCE_STAMPS) {
      const rows = readLines(dir, file);
      expect(rows.length, file).toBeGreaterThan(0);
      for (const row of rows) for (const f of fields) expect(String(row[f]), `${file} ${f}`).toMatch(/T\d{2}:\d{2}:\d{2}\.000Z$/);
    }
  });

  it('stamps no record later than 5 minutes before generatedAt, and spreads tickets over 180 days', () => {
    const stamps: Array<[string, string[]]> = [
      ...SALESFORCE_STAMPS,
      ['zendesk/organizations.jsonl', ['created_at', 'updated_at']],
      ['zendesk/users.jsonl', ['created_at', 'updated_at']],
      ['zendesk/tickets.jsonl', ['created_at', 'updated_at']],
      ['surveys/responses.jsonl', ['submitted_at']],
    ];
    for (const [file, fields] of stamps) {
      for (const row of readLines(demo, file)) for (const f of fields) expect(Date.parse(String(row[f])), `${file} ${f}`).toBeLessThanOrEqual(LIMIT);
    }

    const times = readLines(demo, 'mixpanel/events.jsonl').map((e) => Number((e.properties as { time: number }).time) * 1000);
    expect(Math.max(...times)).toBeLessThanOrEqual(LIMIT);
    expect(Math.min(...times)).toBeGreaterThan(NOW.getTime() - 90 * 86_400_000);
    const lastSeen = new Set<string>();
    for (const p of readLines(demo, 'mixpanel/profiles.jsonl')) {
      const props = p.$properties as Record<string, unknown>;
      const seen = props.$last_seen;
      if (seen) {
        expect(Date.parse(`${String(seen)}Z`)).toBeLessThanOrEqual(LIMIT);
        expect(String(seen) >= String(props.$created)).toBe(true);
        lastSeen.add(String(seen));
      }
    }
    // Profiles were last updated at different times (an incremental engage read that asks for the
    // last hour's updates does not get every profile of the dataset).
    expect(lastSeen.size).toBeGreaterThan(50);
    const created = readLines(demo, 'zendesk/tickets.jsonl').map((t) => (NOW.getTime() - Date.parse(String(t.created_at))) / 86_400_000);
    expect(Math.max(...created)).toBeGreaterThan(120);
    expect(Math.max(...created)).toBeLessThanOrEqual(180);
    expect(Math.min(...created)).toBeLessThan(10);
  });

  it('follows daily rhythms: fewer events at weekends, most in office hours', () => {
    let weekend = 0;
    let weekday = 0;
    for (const e of readLines(demo, 'mixpanel/events.jsonl')) {
      const day = new Date(Number((e.properties as { time: number }).time) * 1000).getUTCDay();
      if (day === 0 || day === 6) weekend += 1;
      else weekday += 1;
    }
    expect(weekend / 2).toBeLessThan((weekday / 5) * 0.5);
  });

  it('plants and tags every identity trap', () => {
    const truth = readLines(demo, 'truth/records.jsonl');
    const traps = new Map<string, Array<string | null>>();
    for (const r of truth) if (r.trap) traps.set(String(r.trap), [...(traps.get(String(r.trap)) ?? []), r.accountId as string | null]);
    for (const t of ['free-mail', 'free-mail-in-org', 'free-mail-contact', 'subdomain', '15-char-id', 'stale-id', 'no-external-id', 'shared-domain', 'partner-consultant', 'ambiguous-contact', 'extra-domain', 'unknown-domain', 'requester-only', 'messy-website', 'domain-via-org', 'idn-domain', 'window-edge', 'email-case-and-spaces', 'no-email']) {
      expect(traps.has(t), t).toBe(true);
    }
    // Unresolvable traps are null in truth; resolvable ones name an account.
    for (const t of ['shared-domain', 'ambiguous-contact', 'unknown-domain']) expect(traps.get(t)?.every((a) => a === null), t).toBe(true);
    for (const t of ['free-mail-in-org', 'free-mail-contact', 'subdomain', '15-char-id', 'stale-id', 'partner-consultant', 'extra-domain', 'idn-domain']) expect(traps.get(t)?.every((a) => a !== null), t).toBe(true);
    expect(traps.get('free-mail')?.every((a) => a === null)).toBe(true);
    const kinds = new Set(truth.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['mixpanel.profile', 'surveys.response', 'zendesk.organization', 'zendesk.ticket', 'zendesk.user']);

    const accounts = readLines(demo, 'salesforce/Account.jsonl');
    const websites = accounts.map((a) => a.Website);
    expect(websites).toContain('N/A');
    expect(websites).toContain('');
    expect(websites).toContain(null);
    expect(websites.some((w) => String(w).includes(':8080'))).toBe(true);
    expect(websites.some((w) => /^https:\/\/WWW\.[A-Z0-9-]+\.[A-Z.]+\/about$/.test(String(w)))).toBe(true);
    expect(websites.some((w) => String(w).includes('bücher'))).toBe(true);
    expect(accounts.some((a) => String(a.CS_Email_Domains__c ?? '').split(';').length >= 2)).toBe(true);
    expect(accounts.filter((a) => String(a.CS_Email_Domains__c ?? '').includes('meridian-holdings.com'))).toHaveLength(2);
    expect(accounts.some((a) => a.CS_Licensed_Seats__c === null)).toBe(true);
    const orgs = readLines(demo, 'zendesk/organizations.jsonl');
    expect(orgs.some((o) => typeof o.external_id === 'string' && o.external_id.length === 15)).toBe(true);
    expect(readLines(demo, 'zendesk/users.jsonl').some((u) => typeof u.external_id === 'string')).toBe(true);
    const events = readLines(demo, 'mixpanel/events.jsonl').map((e) => e.properties as Record<string, unknown>);
    expect(events.some((p) => typeof p.account_id === 'string' && p.account_id.length === 18)).toBe(true);
    expect(events.some((p) => typeof p.account_id === 'string' && p.account_id.length === 15)).toBe(true);
  });

  it('covers the cohorts, new business, renewals and churn', () => {
    const truth = readLines(demo, 'truth/accounts.jsonl');
    expect([...new Set(truth.map((a) => a.cohort))].sort()).toEqual(['churned', 'declining', 'detractors', 'healthy', 'onboarding', 'support-heavy']);
    const opps = readLines(demo, 'salesforce/Opportunity.jsonl');
    const lostRenewal = new Set(opps.filter((o) => o.Type === 'Renewal' && o.StageName === 'Closed Lost').map((o) => o.AccountId));
    for (const a of truth) expect(a.churned, String(a.accountId)).toBe(lostRenewal.has(a.accountId));
    expect(truth.filter((a) => a.churned === true).every((a) => a.cohort === 'churned')).toBe(true);
    const recentWon = opps.filter((o) => o.StageName === 'Closed Won' && o.Type === 'New Business' && Date.parse(String(o.CloseDate)) > NOW.getTime() - 90 * 86_400_000);
    expect(recentWon.length).toBeGreaterThan(0);
    for (const o of opps.filter((x) => x.Type === 'New Business')) {
      expect(String(o.Description).length).toBeGreaterThan(20);
      expect(o.NextStep).toBeTruthy();
    }
    const byCohort = (c: string): number[] => truth.filter((a) => a.cohort === c).map((a) => Number(a.CS_Urgent_Tickets_90d__c));
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(byCohort('support-heavy'))).toBeGreaterThan(mean(byCohort('healthy')) + 3);
    const nps = (c: string): number => mean(truth.filter((a) => a.cohort === c && a.CS_NPS__c !== null).map((a) => Number(a.CS_NPS__c)));
    expect(nps('detractors')).toBeLessThan(nps('healthy') - 50);
  });

  it('refuses bad options and a non-empty directory that is not a dataset, and replaces an earlier dataset', async () => {
    await expect(generateDataset({ accounts: 0, seed: 1, out: join(root, 'x') })).rejects.toThrow(/accounts/);
    await expect(generateDataset({ accounts: 2, seed: 1.5, out: join(root, 'x') })).rejects.toThrow(/seed/);
    const precious = join(root, 'precious');
    mkdirSync(precious);
    writeFileSync(join(precious, 'notes.txt'), 'keep me');
    await expect(generateDataset({ accounts: 2, seed: 1, out: precious, now: NOW })).rejects.toThrow(/not empty/);
    expect(readFileSync(join(precious, 'notes.txt'), 'utf8')).toBe('keep me');
    const again = join(root, 'again');
    await generateDataset({ accounts: 30, seed: 1, out: again, now: NOW });
    await generateDataset({ accounts: 2, seed: 1, out: again, now: NOW, days: 10 });
    expect(readLines(again, 'salesforce/Account.jsonl')).toHaveLength(2);
    expect(existsSync(join(again, 'manifest.json'))).toBe(true);
  });
});
