/**
 * Write-back efficiency, measured on the real write-back stage: 20,000 Accounts in the Salesforce
 * emulator, pulled into a real Redis by the real Salesforce pull, desired values changed on a
 * share of them (what a score stage does), then `writebackRun` as a sync runs it (planning,
 * describe pre-flight, /limits budget, sObject Collections of 200 or one Bulk API 2.0 job above
 * the bulk threshold). Every request the emulator answered is counted per route.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSalesforceEmulator } from '../connectors/salesforce/emulator/index.ts';
import { salesforceConfigSchema, salesforceConnector } from '../connectors/salesforce/index.ts';
import { defaultHealthModel } from '../src/health/model.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { toSalesforceId18 } from '../src/identity/salesforce-id.ts';
import { loadDataset } from '../src/sandbox/dataset.ts';
import { closeServer, listen } from '../src/sandbox/emulator-kit/index.ts';
import { clearPrefix, connectRedis } from '../src/store/redis.ts';
import { createSyncContext } from '../src/sync/context.ts';
import { pullSource } from '../src/sync/pull.ts';
import { writebackRun } from '../src/sync/writeback.ts';
import { BULK_JOB_CALLS } from '../src/writeback/budget.ts';

export interface WritebackRow {
  share: number;
  changed: number;
  /** How the stage sent them: sObject Collections, one Bulk API job, or nothing. */
  mode: string;
  accountsWritten: number;
  /** Requests that wrote (collection PATCHes, or the Bulk job's requests). */
  writeCalls: number;
  /** ceil(changed/200), or the requests of one Bulk job (BULK_JOB_CALLS) above the bulk threshold. */
  minimum: number;
  /** Every request of the stage: the writes plus describe, /limits and the token. */
  totalCalls: number;
  byRoute: Record<string, number>;
  ms: number;
}

const WRITE_FIELDS = ['CS_Health_Score__c', 'CS_Health_Band__c'];
const requestsByRoute = (calls: Record<string, Record<string, number>>): Map<string, number> =>
  new Map(Object.entries(calls).map(([route, byStatus]) => [route, Object.values(byStatus).reduce((a, b) => a + b, 0)]));

export async function benchWriteback(dir: string, redisUrl: string, prefix: string, accounts: number, shares: number[], bulkThreshold = 2000): Promise<WritebackRow[]> {
  await mkdir(join(dir, 'salesforce'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'bench-wb', generatedAt: new Date().toISOString() }));
  const ids = Array.from({ length: accounts }, (_, i) => toSalesforceId18(`001${(i + 1).toString(36).toUpperCase().padStart(12, '0')}`) as string);
  await writeFile(join(dir, 'salesforce', 'Account.jsonl'), ids.map((Id, i) => JSON.stringify({ Id, Name: `A${i}`, CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' })).join('\n') + '\n');
  const emulator = createSalesforceEmulator({ dataset: await loadDataset(dir) });
  const { server, url } = await listen(emulator.app, 0);
  const redis = connectRedis(redisUrl);
  const ctx = createSyncContext({
    redis,
    prefix,
    log: silentLogger(),
    now: () => new Date(),
    sources: { salesforce: { connector: salesforceConnector as never, config: salesforceConfigSchema.parse({ loginUrl: url, clientId: 'sandbox', clientSecret: 'sandbox', accountWriteFields: WRITE_FIELDS }) } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: 200, writebackBulkThreshold: bulkThreshold },
  });
  const modelVersion = defaultHealthModel().version;
  /** A sync's pull and write-back (no resolve or score: the desired values are set by the benchmark). */
  const sync = async (): Promise<{ ms: number; summary: Awaited<ReturnType<typeof writebackRun>>; calls: Map<string, number> }> => {
    const run = await ctx.runs.create({ sources: ['salesforce'], full: false, dryRun: false, trigger: 'cli' }, new Date());
    await pullSource(ctx, run.id, 'salesforce', { full: false });
    const before = requestsByRoute(emulator.kit.stats.toJSON().calls);
    const started = performance.now();
    const summary = await writebackRun(ctx, run.id, { dryRun: false });
    const ms = performance.now() - started;
    const after = requestsByRoute(emulator.kit.stats.toJSON().calls);
    const calls = new Map([...after].map(([route, n]) => [route, n - (before.get(route) ?? 0)] as [string, number]).filter(([, n]) => n > 0));
    return { ms, summary, calls };
  };
  const out: WritebackRow[] = [];
  try {
    // Tidemark's values as Salesforce already holds them: the first run writes nothing.
    await ctx.state.saveDesired(ids.map((id) => [id, { modelVersion, fields: { CS_Health_Score__c: 50, CS_Health_Band__c: 'Yellow' } }]));
    const settle = await sync();
    if (settle.summary.accountsWritten !== 0) throw new Error(`the settling run wrote ${settle.summary.accountsWritten} accounts`);
    for (const [round, share] of shares.entries()) {
      const changed = Math.round(accounts * share);
      await ctx.state.saveDesired(ids.slice(0, changed).map((id) => [id, { modelVersion, fields: { CS_Health_Score__c: 60 + round, CS_Health_Band__c: 'Yellow' } }]));
      const r = await sync();
      if (r.summary.accountsWritten !== changed) throw new Error(`${share * 100}%: wrote ${r.summary.accountsWritten} of ${changed} accounts`);
      const writeCalls = [...r.calls].filter(([route]) => route.includes('/composite/sobjects') || route.includes('/jobs/ingest')).reduce((n, [, c]) => n + c, 0);
      out.push({
        share, changed, mode: r.summary.mode, accountsWritten: r.summary.accountsWritten, writeCalls,
        minimum: changed === 0 ? 0 : changed > bulkThreshold ? BULK_JOB_CALLS : Math.ceil(changed / 200),
        totalCalls: [...r.calls.values()].reduce((a, b) => a + b, 0), byRoute: Object.fromEntries(r.calls), ms: r.ms,
      });
    }
  } finally {
    await clearPrefix(redis, prefix);
    redis.disconnect();
    await closeServer(server);
  }
  return out;
}
