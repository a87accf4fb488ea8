/**
 * `writeback revert --run ID`: write back the values an earlier run replaced (from the write
 * audit; src/writeback/revert.ts plans it), within the API budget, record the reverts in the
 * audit, and keep the local copy of the accounts in step.
 */
import { openSalesforceConnection, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import { readApiLimits, writeAccounts } from '../../connectors/salesforce/writer.ts';
import { BudgetError, ConfigError } from '../contracts/errors.ts';
import type { SalesforceAccount } from '../contracts/records.ts';
import { keys } from '../store/keys.ts';
import type { WriteAudit } from '../store/state-store.ts';
import { requestFullWriteback } from '../store/writeback-candidates.ts';
import { allowance } from '../writeback/budget.ts';
import { planRevert, type RevertChange } from '../writeback/revert.ts';
import type { SyncContext } from './context.ts';
import { writebackSpecs } from './writeback.ts';

export interface RevertResult {
  accounts: number;
  failed: number;
  apiCalls: number;
  /** Fields left alone: written again later (by a run, a revert or a person). */
  skippedFields: number;
  /** Accounts not reverted because the API budget is spent (run the revert again later). */
  deferred: number;
}

export class NothingToRevertError extends Error {
  constructor(runId: string) {
    super(`run ${runId} wrote nothing that can be reverted`);
    this.name = 'NothingToRevertError';
  }
}

export async function revertRun(ctx: SyncContext, runId: string, clock: () => Date = () => new Date()): Promise<RevertResult> {
  const specs = await writebackSpecs(ctx);
  const planned: RevertChange[] = [];
  const accounts = new Map<string, SalesforceAccount>();
  for await (const batch of ctx.records.scan('salesforce.account')) {
    for (const a of batch) {
      const change = planRevert(a.id, runId, await ctx.state.writes(a.id, 500), a.fields, specs);
      if (!change) continue;
      planned.push(change);
      accounts.set(a.id, a);
    }
  }
  if (planned.length === 0) throw new NothingToRevertError(runId);
  planned.sort((a, b) => a.accountId.localeCompare(b.accountId));
  const skippedFields = planned.reduce((n, c) => n + c.skipped.length, 0);
  const changes = planned.filter((c) => c.diffs.length > 0);
  if (changes.length === 0) return { accounts: 0, failed: 0, apiCalls: 0, skippedFields, deferred: 0 };

  const configured = ctx.sources.salesforce;
  if (!configured) throw new ConfigError('Reverting needs the Salesforce source: set SALESFORCE_* credentials (see README)');
  const session = await openSalesforceConnection(salesforceConfigSchema.parse(configured.config), ctx.log.child({ op: 'revert', runId }));
  const today = clock().toISOString().slice(0, 10);
  const limits = await readApiLimits(session.conn);
  const batchSize = Math.min(200, ctx.options.writebackBatchSize);
  const calls = allowance({ max: limits.max, remaining: limits.remaining, share: ctx.options.apiBudgetShare ?? 0.2, usedToday: (await ctx.state.apiCallsOn(today)) + session.calls() });
  const send = changes.slice(0, calls * batchSize);
  // Before any write: the next write-back plans every account (not only the candidates the revert marks).
  await requestFullWriteback(ctx.redis, keys(ctx.prefix));
  const { results, stopped } = await writeAccounts(session.conn, send, batchSize);
  const at = clock().toISOString();
  const byId = new Map(send.map((c) => [c.accountId, c]));
  const reverted: SalesforceAccount[] = [];
  for (const r of results) {
    const change = byId.get(r.accountId);
    const account = accounts.get(r.accountId);
    if (!change || !account) continue;
    const entries: WriteAudit[] = change.diffs.map((d) => ({
      at, runId: `revert:${runId}`, modelVersion: null, field: d.field, old: d.old, new: d.new, outcome: r.success ? 'reverted' : 'failed', error: r.success ? null : `${r.statusCode}: ${r.message}`,
    }));
    await ctx.state.appendWrites(r.accountId, entries);
    if (r.success) reverted.push({ ...account, fields: { ...account.fields, ...change.values } });
  }
  if (reverted.length > 0) {
    await ctx.records.upsert('salesforce.account', reverted);
    // What Tidemark last wrote is now the restored value (so it is not taken for a manual edit).
    await ctx.state.saveLastWritten(reverted.map((a) => [a.id, byId.get(a.id)?.values ?? {}]));
  }
  await ctx.state.addApiCalls(today, session.calls());
  if (stopped) throw new BudgetError(`${stopped.message}; ${reverted.length} of ${changes.length} accounts were reverted, run the revert again later`);
  return { accounts: results.length, failed: results.filter((r) => !r.success).length, apiCalls: session.calls(), skippedFields, deferred: changes.length - send.length };
}
