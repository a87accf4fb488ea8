/**
 * End to end against a real Redis and the emulators, with the real clients: the sandbox runs a
 * full sync, the emulated Salesforce Accounts then carry the computed fields (read back through
 * the emulator's REST query API with jsforce and the sandbox credentials), a second run through
 * the CLI writes nothing, and the values equal the generator's ground truth.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsforce from 'jsforce';
import { loadEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { requestRun, waitForRun, summarizeRun } from '../../src/sync/run.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { main } from '../../src/cli/main.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const redis = testRedis();
const prefix = uniquePrefix('e2e');
const dataDir = mkdtempSync(join(tmpdir(), 'tidemark-e2e-'));
let sandbox: Sandbox;

interface AccountRow {
  Id: string;
  Name: string;
  CS_Health_Score__c: number | null;
  CS_Health_Band__c: string | null;
  CS_Health_Drivers__c: string | null;
  CS_Health_Updated__c: string | null;
  CS_Active_Users_30d__c: number | null;
  CS_Open_Tickets__c: number | null;
}

async function queryAccounts(): Promise<AccountRow[]> {
  const conn = new jsforce.Connection({ oauth2: { loginUrl: sandbox.urls.salesforce, clientId: 'sandbox', clientSecret: 'sandbox' }, version: '62.0' });
  await conn.authorize({ grant_type: 'client_credentials' });
  const result = await conn.query<AccountRow>(
    'SELECT Id, Name, CS_Health_Score__c, CS_Health_Band__c, CS_Health_Drivers__c, CS_Health_Updated__c, CS_Active_Users_30d__c, CS_Open_Tickets__c FROM Account ORDER BY Name',
  );
  return result.records;
}

async function patchCalls(): Promise<number> {
  const stats = (await (await fetch(`${sandbox.urls.salesforce}/__sandbox/stats`)).json()) as { calls: Record<string, Record<string, number>> };
  return Object.entries(stats.calls)
    .filter(([route]) => route.startsWith('PATCH '))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

beforeAll(async () => {
  const env = loadEnv({ REDIS_URL: TEST_REDIS_URL, TIDEMARK_NOW: NOW, LOG_LEVEL: 'silent' });
  sandbox = await startSandbox({
    env,
    log: silentLogger(),
    dataDir,
    ports: { api: 0, salesforce: 0, zendesk: 0, mixpanel: 0 },
    prefix,
    writeStateFile: false,
    initialRun: true,
    schedule: null,
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await dropPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { REDIS_URL: process.env.REDIS_URL, TIDEMARK_PREFIX: process.env.TIDEMARK_PREFIX, TIDEMARK_NOW: process.env.TIDEMARK_NOW };
  Object.assign(process.env, { REDIS_URL: sandbox.redisUrl, TIDEMARK_PREFIX: prefix, TIDEMARK_NOW: NOW });
  try {
    const code = await main(argv, { json: argv.includes('--json'), out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('sandbox end to end', () => {
  it('a full run writes health fields onto every emulated Account', async () => {
    expect(sandbox.initialRunId).not.toBeNull();
    const run = await waitForRun(sandbox.services.ctx, sandbox.initialRunId as string, 60_000);
    const summary = summarizeRun(run);
    expect(run.error).toBeNull();
    expect(run.status).toBe('succeeded');
    expect(summary.sources.salesforce?.records).toBeGreaterThan(0);
    expect(summary.sources.zendesk?.records).toBeGreaterThan(0);
    expect(summary.sources.mixpanel?.records).toBeGreaterThan(0);
    expect(summary.fieldsWritten).toBeGreaterThan(0);

    const accounts = await queryAccounts();
    expect(accounts.length).toBe(summary.accountsScored);
    for (const a of accounts) {
      expect(a.CS_Health_Drivers__c, a.Name).toBeTruthy();
      expect(a.CS_Health_Updated__c, a.Name).toBeTruthy();
      expect(typeof a.CS_Active_Users_30d__c).toBe('number');
      expect(typeof a.CS_Open_Tickets__c).toBe('number');
      if (a.CS_Health_Score__c !== null) {
        expect(a.CS_Health_Score__c).toBeGreaterThanOrEqual(0);
        expect(a.CS_Health_Score__c).toBeLessThanOrEqual(100);
        expect(['Green', 'Yellow', 'Red']).toContain(a.CS_Health_Band__c);
      }
    }
    expect(accounts.filter((a) => a.CS_Health_Score__c !== null).length).toBeGreaterThan(accounts.length / 2);
  });

  it('a CSM reads a success plan naming the products, renewal date, CSM and why they bought', async () => {
    const conn = new jsforce.Connection({ oauth2: { loginUrl: sandbox.urls.salesforce, clientId: 'sandbox', clientSecret: 'sandbox' }, version: '62.0' });
    await conn.authorize({ grant_type: 'client_credentials' });
    const rows = (await conn.query<{ Id: string; CS_Success_Plan__c: string | null; CS_Success_Plan_Stage__c: string | null; CS_Success_Plan_Review__c: boolean; CS_Renewal_Date__c: string | null; CS_Manager__c: string | null }>(
      'SELECT Id, CS_Success_Plan__c, CS_Success_Plan_Stage__c, CS_Success_Plan_Review__c, CS_Renewal_Date__c, CS_Manager__c FROM Account WHERE CS_Success_Plan__c != null',
    )).records;
    expect(rows.length).toBeGreaterThan(0);
    const lines = (file: string) => readFileSync(join(sandbox.datasetDir, 'salesforce', file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const opps = lines('Opportunity.jsonl');
    const items = lines('OpportunityLineItem.jsonl');
    const users = new Map(lines('User.jsonl').map((u) => [u.Id, u.Name]));
    for (const row of rows) {
      const plan = row.CS_Success_Plan__c as string;
      const won = opps.filter((o) => o.AccountId === row.Id && o.StageName === 'Closed Won').sort((a, b) => String(b.CloseDate).localeCompare(String(a.CloseDate)))[0];
      expect(won, row.Id).toBeDefined();
      if (typeof won?.Description === 'string') expect(plan).toContain(won.Description.slice(0, 60));
      for (const item of items.filter((i) => i.OpportunityId === won?.Id)) expect(plan).toContain(String(item.Name));
      if (row.CS_Renewal_Date__c) expect(plan).toContain(row.CS_Renewal_Date__c);
      if (row.CS_Manager__c) expect(plan).toContain(String(users.get(row.CS_Manager__c)));
      expect(['Onboarding', 'Adoption', 'Value', 'Renewal']).toContain(row.CS_Success_Plan_Stage__c);
      expect(row.CS_Success_Plan_Review__c).toBe(true);
    }
  });

  it('the written usage and ticket counts equal the ground truth', async () => {
    const truth = readFileSync(join(sandbox.datasetDir, 'truth', 'accounts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { accountId: string; CS_Active_Users_30d__c: number; CS_Open_Tickets__c: number });
    const byId = new Map((await queryAccounts()).map((a) => [a.Id, a]));
    for (const t of truth) {
      const a = byId.get(t.accountId);
      expect(a, t.accountId).toBeDefined();
      expect({ id: t.accountId, active: a?.CS_Active_Users_30d__c, open: a?.CS_Open_Tickets__c }).toEqual({ id: t.accountId, active: t.CS_Active_Users_30d__c, open: t.CS_Open_Tickets__c });
    }
  });

  it('resolves the generated dataset with precision >= 99.9% and recall >= 98% (resolve --report --truth)', async () => {
    const r = await cli(['resolve', '--report', '--truth', join(sandbox.datasetDir, 'truth', 'records.jsonl'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { truth: { precision: number; recall: number; evaluated: number; falsePositives: number } };
    expect(report.truth.evaluated).toBeGreaterThan(500);
    expect(report.truth.precision).toBeGreaterThanOrEqual(0.999);
    expect(report.truth.recall).toBeGreaterThanOrEqual(0.98);
  });

  it('explains a ticket resolved through its requester, rule by rule (resolve --explain)', async () => {
    const truth = readFileSync(join(sandbox.datasetDir, 'truth', 'records.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; id: string; accountId: string | null; trap?: string });
    const ticket = truth.find((t) => t.trap === 'requester-only');
    expect(ticket).toBeDefined();
    const r = await cli(['resolve', '--explain', `zendesk.ticket:${ticket?.id}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`-> ${ticket?.accountId} (by parent)`);
    expect(r.out).toMatch(/parent\s+matched\s+requester \d+ resolved to 001\w+ by domain/);
    const bad = await cli(['resolve', '--explain', 'hubspot.contact:1']);
    expect(bad.code).toBe(2);
  });

  it('health backtest separates the at-risk cohorts from the healthy one (AUC >= 0.9), and preview writes nothing', async () => {
    const r = await cli(['health', 'backtest', '--truth', join(sandbox.datasetDir, 'truth', 'accounts.jsonl'), '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { renewed: number; churned: number; auc: number | null; cohorts: { auc: number; healthy: number; atRisk: number } };
    expect(result.cohorts.healthy).toBeGreaterThan(0);
    expect(result.cohorts.atRisk).toBeGreaterThan(0);
    expect(result.cohorts.auc).toBeGreaterThanOrEqual(0.9);
    expect(result.churned).toBeGreaterThan(0);
    const draft = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'src', 'health', 'models', 'default.json'), 'utf8')) as { version: string; bands: { green: number; red: number } };
    const file = join(dataDir, 'strict-model.json');
    writeFileSync(file, JSON.stringify({ ...draft, version: 'strict-1', bands: { green: 95, red: 80 } }));
    const before = await patchCalls();
    const preview = await cli(['health', 'preview', '--model', file, '--json']);
    expect(preview.code).toBe(0);
    const p = JSON.parse(preview.out) as { modelVersion: string; changes: unknown[]; accounts: number };
    expect(p.modelVersion).toBe('strict-1');
    expect(p.changes.length).toBeGreaterThan(0);
    expect(await patchCalls()).toBe(before);
    const bad = await cli(['health', 'preview', '--model', join(sandbox.datasetDir, 'manifest.json')]);
    expect(bad.code).not.toBe(0);
  });

  it('a manual rule added through the CLI resolves an ambiguous record on the next run', async () => {
    const truth = readFileSync(join(sandbox.datasetDir, 'truth', 'records.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; id: string; trap?: string });
    const shared = truth.find((t) => t.trap === 'shared-domain');
    expect(shared).toBeDefined();
    const before = await cli(['resolve', '--explain', `zendesk.user:${shared?.id}`, '--json']);
    const explained = JSON.parse(before.out) as { resolution: { reason: string; candidates: string[] } };
    expect(explained.resolution.reason).toBe('ambiguous-domain');
    const target = explained.resolution.candidates[1] as string;
    const users = readFileSync(join(sandbox.datasetDir, 'zendesk', 'users.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: number; email: string });
    const domain = users.find((u) => String(u.id) === shared?.id)?.email.split('@')[1] as string;
    const added = await cli(['rules', 'add', '--type', 'pin-domain', '--domain', domain, '--account', target, '--reason', 'holding staff belong to the parent company', '--by', 'revops@vendor.example']);
    expect(added.code).toBe(0);
    const after = await cli(['resolve', '--explain', `zendesk.user:${shared?.id}`]);
    expect(after.out).toContain(`-> ${target} (by manual)`);
    expect(after.out).toContain(`pin-domain ${domain}`);
    expect(after.out).toContain('by revops@vendor.example');
    expect(after.out).toContain('holding staff belong to the parent company');
    const listed = await cli(['rules', 'list', '--json']);
    const rules = JSON.parse(listed.out) as Array<{ id: string }>;
    expect(rules).toHaveLength(1);
    expect((await cli(['rules', 'delete', rules[0]?.id as string])).code).toBe(0);
    expect((await cli(['rules', 'add', '--type', 'pin-domain', '--domain', 'x.com', '--reason', 'no account'])).code).toBe(2);
  });

  it('runs one at a time: a run asked for during another starts after it has finished', async () => {
    const connection = bullConnection(sandbox.redisUrl);
    const first = await requestRun(sandbox.services.ctx, connection, { sources: ['salesforce', 'zendesk', 'mixpanel'], full: true, dryRun: true, trigger: 'test' });
    const second = await requestRun(sandbox.services.ctx, connection, { sources: ['zendesk'], full: false, dryRun: true, trigger: 'test' });
    const b = await waitForRun(sandbox.services.ctx, second.id, 60_000);
    const a = await sandbox.services.ctx.runs.get(first.id);
    expect(a?.status).toBe('succeeded');
    expect(b.status).toBe('succeeded');
    expect(Date.parse(b.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(a?.finishedAt ?? ''));
    expect(b.counters.fieldsWritten ?? 0).toBe(0);
  });

  it('sync --wait from the CLI runs again and writes nothing when nothing changed', async () => {
    const before = await patchCalls();
    const out: string[] = [];
    const err: string[] = [];
    const saved = { REDIS_URL: process.env.REDIS_URL, TIDEMARK_PREFIX: process.env.TIDEMARK_PREFIX, TIDEMARK_NOW: process.env.TIDEMARK_NOW };
    Object.assign(process.env, { REDIS_URL: sandbox.redisUrl, TIDEMARK_PREFIX: prefix, TIDEMARK_NOW: NOW });
    try {
      const code = await main(['sync', '--wait', '--json'], { json: true, out: (t) => out.push(t), err: (t) => err.push(t) });
      expect(err.join('\n')).toBe('');
      expect(code).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const summary = JSON.parse(out.join('\n')) as { status: string; fieldsWritten: number; writebackApiCalls: number; accountsScored: number };
    expect(summary.status).toBe('succeeded');
    expect(summary.accountsScored).toBeGreaterThan(0);
    expect(summary.fieldsWritten).toBe(0);
    expect(summary.writebackApiCalls).toBe(0);
    expect(await patchCalls()).toBe(before);
  });

  it('an unchanged run keeps the stored resolve and score results, and a change makes them recompute', async () => {
    const connection = bullConnection(sandbox.redisUrl);
    const ask = async (): Promise<Record<string, number>> => {
      const run = await requestRun(sandbox.services.ctx, connection, { sources: ['salesforce', 'zendesk', 'mixpanel'], full: false, dryRun: false, trigger: 'test' });
      const done = await waitForRun(sandbox.services.ctx, run.id, 60_000);
      expect(done.status).toBe('succeeded');
      return done.counters;
    };
    await ask(); // settles what the previous runs wrote back
    const unchanged = await ask();
    expect(unchanged['resolve.kept']).toBe(1);
    expect(unchanged['score.kept']).toBe(1);
    expect(unchanged.accountsScored).toBe(40);
    expect(unchanged.fieldsWritten ?? 0).toBe(0);
    const raw = JSON.parse(readFileSync(join(sandbox.datasetDir, 'zendesk', 'tickets.jsonl'), 'utf8').split('\n')[0] as string) as Record<string, unknown>;
    await fetch(`${sandbox.urls.zendesk}/__sandbox/records/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...raw, subject: 'Changed subject', status: 'open' }) });
    // Zendesk leaves the last minute out of its exports: move its clock past it.
    await fetch(`${sandbox.urls.zendesk}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 120 }) });
    const changed = await ask();
    expect(changed['resolve.kept']).toBeUndefined();
    expect(changed['score.kept']).toBeUndefined();
  });
});
