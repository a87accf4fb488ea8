/**
 * A full sandbox sync under injected faults from every emulator (Salesforce 503s and an expired
 * session, Zendesk 429 storms with Retry-After, Mixpanel truncated and reset exports, a malformed
 * export line, an expired Salesforce session): the run still completes through the job error policy, and the written fields equal the
 * generator's ground truth, with no duplicate records.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import jsforce from 'jsforce';
import { loadEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { requestRun, waitForRun } from '../../src/sync/run.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const redis = testRedis();
const prefix = uniquePrefix('faults');
const dataDir = mkdtempSync(join(tmpdir(), 'tidemark-faults-'));
let sandbox: Sandbox;

async function fault(url: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  const env = loadEnv({ REDIS_URL: TEST_REDIS_URL, TIDEMARK_NOW: NOW, LOG_LEVEL: 'silent' });
  sandbox = await startSandbox({ env, log: silentLogger(), dataDir, ports: { api: 0, salesforce: 0, zendesk: 0, mixpanel: 0 }, prefix, writeStateFile: false, initialRun: false, schedule: null });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await dropPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sync under faults', () => {
  it('completes with exactly the dataset values', async () => {
    const { salesforce, zendesk, mixpanel } = sandbox.urls;
    await fault(salesforce, { route: '*', type: 'status', status: 503, count: 3 });
    // An expired session in the middle of the pull: jsforce refreshes it through the same OAuth flow.
    await fault(salesforce, { route: 'GET /services/data/vXX.X/queryAll', type: 'session-expired', count: 1 });
    await fault(zendesk, { faults: [
      { route: 'GET /api/v2/incremental/tickets/cursor', type: 'rate-limit', retryAfterSeconds: 1, count: 3 },
      { route: '*', type: 'status', status: 502, count: 1 },
    ] });
    await fault(mixpanel, { faults: [{ type: 'truncate', count: 1 }, { type: 'reset', count: 1 }, { route: 'GET /api/2.0/export', type: 'malformed', count: 1 }] });

    const connection = bullConnection(sandbox.redisUrl);
    const run = await requestRun(sandbox.services.ctx, connection, { sources: ['salesforce', 'zendesk', 'mixpanel', 'surveys'], full: true, dryRun: false, trigger: 'test' });
    const done = await waitForRun(sandbox.services.ctx, connection, run.id, 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    const stats = (await (await fetch(`${zendesk}/__sandbox/stats`)).json()) as { calls: Record<string, Record<string, number>> };
    expect(Object.values(stats.calls).some((byStatus) => (byStatus['429'] ?? 0) > 0)).toBe(true);
    const sfStats = (await (await fetch(`${salesforce}/__sandbox/stats`)).json()) as { calls: Record<string, Record<string, number>> };
    expect(Object.values(sfStats.calls).reduce((n, byStatus) => n + (byStatus['503'] ?? 0), 0)).toBe(3);
    expect(sfStats.calls['GET /services/data/vXX.X/queryAll']?.['401']).toBe(1);
    const mpFaults = (await (await fetch(`${mixpanel}/__sandbox/faults`)).json()) as { faults: unknown[] };
    expect(mpFaults.faults).toEqual([]);

    // No duplicates: every record kind holds exactly the dataset's entities.
    const ds = sandbox.datasetDir;
    const count = (file: string): number => readFileSync(join(ds, file), 'utf8').split('\n').filter(Boolean).length;
    expect(await sandbox.services.ctx.records.count('zendesk.ticket')).toBe(count('zendesk/tickets.jsonl'));
    expect(await sandbox.services.ctx.records.count('zendesk.user')).toBe(count('zendesk/users.jsonl'));
    expect(await sandbox.services.ctx.records.count('salesforce.account')).toBe(count('salesforce/Account.jsonl'));
    expect(await sandbox.services.ctx.records.count('mixpanel.profile')).toBe(count('mixpanel/profiles.jsonl'));

    const truth = readFileSync(join(ds, 'truth', 'accounts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { accountId: string; CS_Active_Users_30d__c: number; CS_Open_Tickets__c: number; CS_Urgent_Tickets_90d__c: number });
    const conn = new jsforce.Connection({ oauth2: { loginUrl: salesforce, clientId: 'sandbox', clientSecret: 'sandbox' }, version: '62.0' });
    await conn.authorize({ grant_type: 'client_credentials' });
    const rows = (await conn.query<{ Id: string; CS_Active_Users_30d__c: number; CS_Open_Tickets__c: number; CS_Urgent_Tickets_90d__c: number }>('SELECT Id, CS_Active_Users_30d__c, CS_Open_Tickets__c, CS_Urgent_Tickets_90d__c FROM Account')).records;
    const byId = new Map(rows.map((r) => [r.Id, r]));
    for (const t of truth) {
      const a = byId.get(t.accountId);
      expect([a?.CS_Active_Users_30d__c, a?.CS_Open_Tickets__c, a?.CS_Urgent_Tickets_90d__c], t.accountId).toEqual([t.CS_Active_Users_30d__c, t.CS_Open_Tickets__c, t.CS_Urgent_Tickets_90d__c]);
    }
  }, 150_000);
});
