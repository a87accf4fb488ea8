/**
 * The write-back stage: diff the desired values against what Salesforce holds (read during the
 * Account pull) and send only changed fields of owned fields: sObject Collections of at most 200,
 * or one Bulk API 2.0 job above a threshold; within a share of the org's daily API budget (the
 * most important changes first, the rest deferred); every write audited (run, model version, old
 * and new value). Dry runs and a paused write-back write nothing.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { SalesforceAccount } from '../contracts/records.ts';
import { OWNED_ACCOUNT_FIELDS } from '../writeback/field-specs.ts';
import { planAccountChange, type AccountChange } from '../writeback/plan.ts';
import { preflightAccountFields, writeAccounts, writeAccountsBulk, type RecordWriteResult } from '../../connectors/salesforce/writer.ts';
import { allowance, fitToBudget, type Budget } from '../writeback/budget.ts';
import { healthAlerts } from '../alerts/health-alerts.ts';
import { createAlertTasks, postAlertWebhook } from '../alerts/deliver-alerts.ts';
import { z } from 'zod';
import { openSalesforceConnection, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import type { WriteAudit } from '../store/state-store.ts';
import type { SyncContext } from './context.ts';

export interface WritebackSummary {
  planned: number;
  accountsWritten: number;
  fieldsWritten: number;
  failures: number;
  apiCalls: number;
  paused: boolean;
}

export const WRITEBACK_PAUSED = 'writeback.paused';

export async function planWriteback(ctx: SyncContext): Promise<{ changes: AccountChange[]; accounts: Map<string, SalesforceAccount>; modelVersions: Map<string, string> }> {
  const now = ctx.now();
  const desired = await ctx.state.allDesired();
  const accounts = new Map<string, SalesforceAccount>();
  const changes: AccountChange[] = [];
  const modelVersions = new Map<string, string>();
  for await (const batch of ctx.records.scan('salesforce.account')) {
    for (const account of batch) {
      if (account.isDeleted) continue;
      const want = desired.get(account.id);
      if (!want) continue;
      accounts.set(account.id, account);
      modelVersions.set(account.id, want.modelVersion);
      const change = planAccountChange({ accountId: account.id, current: account.fields, desired: want.fields }, OWNED_ACCOUNT_FIELDS, now);
      if (change) changes.push(change);
    }
  }
  changes.sort((a, b) => a.accountId.localeCompare(b.accountId));
  return { changes, accounts, modelVersions };
}

export async function writebackRun(ctx: SyncContext, runId: string, options: { dryRun: boolean }): Promise<WritebackSummary> {
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'writeback' });
  const summary: WritebackSummary = { planned: 0, accountsWritten: 0, fieldsWritten: 0, failures: 0, apiCalls: 0, paused: false };
  const { changes, accounts, modelVersions } = await planWriteback(ctx);
  summary.planned = changes.length;
  for (const change of changes) {
    if (change.warnings.length > 0) {
      await ctx.logs.append(change.warnings.map((w) => ({ runId, status: 'warning' as const, source: 'salesforce', kind: 'salesforce.account', recordId: change.accountId, accountId: change.accountId, message: w })));
    }
  }
  const paused = (await ctx.state.getSetting(WRITEBACK_PAUSED)) === 'true';
  if (options.dryRun || paused || changes.length === 0) {
    summary.paused = paused && !options.dryRun;
    if (changes.length > 0) {
      await ctx.logs.append(
        changes.map((c) => ({
          runId,
          status: 'skipped' as const,
          source: 'salesforce',
          kind: 'salesforce.account',
          recordId: c.accountId,
          accountId: c.accountId,
          message: `${options.dryRun ? 'dry run' : 'write-back paused'}: would write ${c.diffs.map((d) => `${d.field} ${JSON.stringify(d.old)} -> ${JSON.stringify(d.new)}`).join('; ')}`.slice(0, 4000),
        })),
      );
    }
    await ctx.runs.set(runId, { plannedWrites: changes.length, plannedApiCalls: Math.ceil(changes.length / ctx.options.writebackBatchSize), 'ms.writeback': Date.now() - started });
    return summary;
  }

  const configured = ctx.sources.salesforce;
  if (!configured) throw new ConfigError('Write-back needs the Salesforce source: set SALESFORCE_* credentials (see README)');
  const session = await openSalesforceConnection(salesforceConfigSchema.parse(configured.config), ctx.log.child({ runId, stage: 'writeback' }));
  const { conn } = session;
  const today = new Date().toISOString().slice(0, 10);
  const counted = async (): Promise<void> => {
    await ctx.state.addApiCalls(today, session.calls() - summary.apiCalls);
    summary.apiCalls = session.calls();
  };
  const problems = await preflightAccountFields(conn, OWNED_ACCOUNT_FIELDS);
  if (problems.length > 0) {
    await counted();
    await ctx.logs.append(problems.map((message) => ({ runId, status: 'failed' as const, source: 'salesforce', kind: 'salesforce.account', message })));
    await ctx.runs.incr(runId, { 'apiCalls.writeback': summary.apiCalls });
    throw new ConfigError(`Write-back pre-flight failed, nothing was written:\n  ${problems.join('\n  ')}`);
  }

  // The API budget: a share of the org's daily requests, read from /limits before writing.
  const limitsSchema = z.object({ DailyApiRequests: z.object({ Max: z.number(), Remaining: z.number() }) }).loose();
  const limits = limitsSchema.parse(await conn.limits());
  await counted();
  const budget: Budget = {
    max: limits.DailyApiRequests.Max,
    remaining: limits.DailyApiRequests.Remaining,
    share: ctx.options.apiBudgetShare ?? 0.2,
    usedToday: await ctx.state.apiCallsOn(today),
  };
  const batchSize = ctx.options.writebackBatchSize;
  const plan = fitToBudget(changes, allowance(budget), batchSize, ctx.options.writebackBulkThreshold ?? 2000);
  if (plan.deferred.length > 0) {
    await ctx.logs.append(
      plan.deferred.map((c) => ({
        runId,
        status: 'skipped' as const,
        source: 'salesforce',
        kind: 'salesforce.account',
        recordId: c.accountId,
        accountId: c.accountId,
        message: `deferred to the next run: the API budget (${Math.round(budget.share * 100)}% of ${budget.max} daily requests, ${budget.usedToday} used today) is spent`,
      })),
    );
  }
  let results: RecordWriteResult[] = [];
  if (plan.mode === 'bulk') {
    results = await writeAccountsBulk(conn, plan.send, new Map([...accounts].map(([id, a]) => [id, a.fields])));
  } else if (plan.mode === 'collections') {
    results = (await writeAccounts(conn, plan.send, batchSize)).results;
    // Lock contention is transient: retry the locked records once within the run, budget allowing.
    const locked = results.filter((r) => r.statusCode === 'UNABLE_TO_LOCK_ROW').map((r) => r.accountId);
    await counted();
    if (locked.length > 0 && allowance({ ...budget, usedToday: await ctx.state.apiCallsOn(today) }) >= Math.ceil(locked.length / batchSize)) {
      const retried = await writeAccounts(conn, plan.send.filter((c) => locked.includes(c.accountId)), batchSize);
      const again = new Map(retried.results.map((r) => [r.accountId, r]));
      results = results.map((r) => again.get(r.accountId) ?? r);
    }
  }
  await counted();
  const byId = new Map(changes.map((c) => [c.accountId, c]));
  const updatedAccounts: SalesforceAccount[] = [];
  for (const r of results) {
    const change = byId.get(r.accountId);
    const account = accounts.get(r.accountId);
    if (!change || !account) continue;
    const modelVersion = modelVersions.get(r.accountId) ?? null;
    const audit: WriteAudit[] = change.diffs.map((d) => ({
      at: new Date().toISOString(),
      runId,
      modelVersion,
      field: d.field,
      old: d.old,
      new: d.new,
      outcome: r.success ? 'written' : 'failed',
      error: r.success ? null : `${r.statusCode}: ${r.message}`,
    }));
    await ctx.state.appendWrites(r.accountId, audit);
    if (r.success) {
      summary.accountsWritten += 1;
      summary.fieldsWritten += change.diffs.length;
      updatedAccounts.push({ ...account, fields: { ...account.fields, ...change.values } });
    } else summary.failures += 1;
  }
  // A failed record keeps its difference, so the next run tries it again.
  await ctx.logs.append(
    results.map((r) => ({
      runId,
      status: r.success ? ('written' as const) : ('failed' as const),
      source: 'salesforce',
      kind: 'salesforce.account',
      recordId: r.accountId,
      accountId: r.accountId,
      message: r.success
        ? `wrote ${(byId.get(r.accountId)?.diffs ?? []).map((d) => d.field).join(', ')}${plan.mode === 'bulk' ? ' (Bulk API)' : ''}`
        : `Salesforce refused the update: ${r.statusCode}: ${r.message} (retried on the next run)`,
    })),
  );
  if (updatedAccounts.length > 0) await ctx.records.upsert('salesforce.account', updatedAccounts);

  // Alerts for the CSM, judged on what was actually written.
  const alerts = results
    .filter((r) => r.success)
    .flatMap((r) => {
      const account = accounts.get(r.accountId);
      const change = byId.get(r.accountId);
      if (!account || !change) return [];
      return healthAlerts({ accountId: account.id, accountName: account.name, current: account.fields, desired: { ...account.fields, ...change.values } }, { dropPoints: ctx.options.alertDropPoints ?? 15 });
    });
  let alertsCreated = 0;
  if (alerts.length > 0) {
    const delivery = await createAlertTasks(conn, alerts, (id) => accounts.get(id)?.csmId ?? accounts.get(id)?.ownerId ?? null, ctx.now().toISOString().slice(0, 10));
    alertsCreated = delivery.created;
    if (ctx.options.alertWebhookUrl) await postAlertWebhook(ctx.options.alertWebhookUrl, alerts, (id) => accounts.get(id)?.name ?? id, ctx.log);
    await ctx.logs.append(alerts.map((a) => ({ runId, status: 'info' as const, source: 'salesforce', kind: 'salesforce.account', recordId: a.accountId, accountId: a.accountId, message: `alert: ${a.subject}` })));
    await counted();
  }
  await ctx.runs.set(runId, {
    alertTasks: alertsCreated,
    accountsWritten: summary.accountsWritten,
    fieldsWritten: summary.fieldsWritten,
    writeFailures: summary.failures,
    deferredWrites: plan.deferred.length,
    bulkJobs: plan.mode === 'bulk' ? 1 : 0,
    'apiCalls.writeback': summary.apiCalls,
    'budget.max': budget.max,
    'budget.remaining': Math.max(0, budget.remaining - summary.apiCalls),
    'budget.allowance': Math.max(0, allowance(budget) - summary.apiCalls),
    'ms.writeback': Date.now() - started,
  });
  return summary;
}
