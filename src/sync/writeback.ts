/**
 * The write-back stage: diff the desired values against what Salesforce holds (read during the
 * Account pull), send only changed fields of owned fields in batches of at most 200, and record
 * every write (run, model version, old and new value) in the audit. Dry runs write nothing.
 */
import { ConfigError } from '../contracts/errors.ts';
import type { SalesforceAccount } from '../contracts/records.ts';
import { OWNED_ACCOUNT_FIELDS } from '../writeback/field-specs.ts';
import { planAccountChange, type AccountChange } from '../writeback/plan.ts';
import { preflightAccountFields, writeAccounts } from '../../connectors/salesforce/writer.ts';
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
  const now = ctx.now();
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
        now,
      );
    }
    await ctx.runs.set(runId, { plannedWrites: changes.length, plannedApiCalls: Math.ceil(changes.length / ctx.options.writebackBatchSize), 'ms.writeback': Date.now() - started });
    return summary;
  }

  const configured = ctx.sources.salesforce;
  if (!configured) throw new ConfigError('Write-back needs the Salesforce source: set SALESFORCE_* credentials (see README)');
  const { conn } = await openSalesforceConnection(salesforceConfigSchema.parse(configured.config), ctx.log.child({ runId, stage: 'writeback' }));
  const problems = await preflightAccountFields(conn, OWNED_ACCOUNT_FIELDS);
  if (problems.length > 0) {
    await ctx.logs.append(problems.map((message) => ({ runId, status: 'failed' as const, source: 'salesforce', kind: 'salesforce.account', message })));
    await ctx.runs.incr(runId, { 'apiCalls.writeback': 1 });
    throw new ConfigError(`Write-back pre-flight failed, nothing was written:\n  ${problems.join('\n  ')}`);
  }
  const { results, apiCalls } = await writeAccounts(conn, changes, ctx.options.writebackBatchSize);
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
  await ctx.logs.append(
    results.map((r) => ({
      runId,
      status: r.success ? ('written' as const) : ('failed' as const),
      source: 'salesforce',
      kind: 'salesforce.account',
      recordId: r.accountId,
      accountId: r.accountId,
      message: r.success
        ? `wrote ${(byId.get(r.accountId)?.diffs ?? []).map((d) => d.field).join(', ')}`
        : `Salesforce refused the update: ${r.statusCode}: ${r.message}`,
    })),
    now,
  );
  if (updatedAccounts.length > 0) await ctx.records.upsert('salesforce.account', updatedAccounts);
  summary.apiCalls = 1 + apiCalls; // the pre-flight describe and the collection calls
  await ctx.runs.set(runId, {
    accountsWritten: summary.accountsWritten,
    fieldsWritten: summary.fieldsWritten,
    writeFailures: summary.failures,
    'apiCalls.writeback': summary.apiCalls,
    'ms.writeback': Date.now() - started,
  });
  return summary;
}
