/**
 * `writeback revert --run ID`: write back the values an earlier run replaced (from the write
 * audit), record the reverts in the audit, and keep the local copy of the accounts in step.
 */
import { openSalesforceConnection, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import { writeAccounts } from '../../connectors/salesforce/writer.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { SalesforceAccount } from '../contracts/records.ts';
import type { WriteAudit } from '../store/state-store.ts';
import type { FieldValue } from '../writeback/plan.ts';
import type { SyncContext } from './context.ts';

export interface RevertResult {
  accounts: number;
  failed: number;
  apiCalls: number;
}

export class NothingToRevertError extends Error {
  constructor(runId: string) {
    super(`run ${runId} wrote nothing that can be reverted`);
    this.name = 'NothingToRevertError';
  }
}

export async function revertRun(ctx: SyncContext, runId: string): Promise<RevertResult> {
  const changes: Array<{ accountId: string; values: Record<string, FieldValue> }> = [];
  const accounts = new Map<string, SalesforceAccount>();
  for await (const batch of ctx.records.scan('salesforce.account')) {
    for (const a of batch) {
      const writes = (await ctx.state.writes(a.id, 500)).filter((w) => w.runId === runId && w.outcome === 'written');
      if (writes.length === 0) continue;
      const values: Record<string, FieldValue> = {};
      for (const w of writes) values[w.field] = (w.old ?? null) as FieldValue;
      changes.push({ accountId: a.id, values });
      accounts.set(a.id, a);
    }
  }
  if (changes.length === 0) throw new NothingToRevertError(runId);
  const configured = ctx.sources.salesforce;
  if (!configured) throw new ConfigError('Reverting needs the Salesforce source: set SALESFORCE_* credentials (see README)');
  const session = await openSalesforceConnection(salesforceConfigSchema.parse(configured.config), ctx.log.child({ op: 'revert', runId }));
  const { results } = await writeAccounts(session.conn, changes, ctx.options.writebackBatchSize);
  const at = new Date().toISOString();
  const byId = new Map(changes.map((c) => [c.accountId, c]));
  const reverted: SalesforceAccount[] = [];
  for (const r of results) {
    const change = byId.get(r.accountId);
    const account = accounts.get(r.accountId);
    if (!change || !account) continue;
    const entries: WriteAudit[] = Object.entries(change.values).map(([field, value]) => ({
      at, runId: `revert:${runId}`, modelVersion: null, field, old: account.fields[field] ?? null, new: value, outcome: r.success ? 'reverted' : 'failed', error: r.success ? null : `${r.statusCode}: ${r.message}`,
    }));
    await ctx.state.appendWrites(r.accountId, entries);
    if (r.success) reverted.push({ ...account, fields: { ...account.fields, ...change.values } });
  }
  if (reverted.length > 0) await ctx.records.upsert('salesforce.account', reverted);
  await ctx.state.addApiCalls(at.slice(0, 10), session.calls());
  return { accounts: results.length, failed: results.filter((r) => !r.success).length, apiCalls: session.calls() };
}
