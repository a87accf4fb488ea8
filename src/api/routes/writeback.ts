/** Write-back: pause, resume, revert a run; field mapping and its pre-flight check against Salesforce. */
import { z } from 'zod';
import { WRITEBACK_PAUSED } from '../../sync/writeback.ts';
import { OWNED_ACCOUNT_FIELDS } from '../../writeback/field-specs.ts';
import type { FieldValue } from '../../writeback/plan.ts';
import { preflightAccountFields, writeAccounts } from '../../../connectors/salesforce/writer.ts';
import { openSalesforceConnection, salesforceConfigSchema } from '../../../connectors/salesforce/index.ts';
import type { WriteAudit } from '../../store/state-store.ts';
import { audit, idSchema, type ApiDeps } from '../deps.ts';
import { HttpError } from '../http-errors.ts';
import type { ApiRoutes } from '../route-kit.ts';

export const MAPPING_SETTING = 'writeback.mapping';
const sfField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,38}__c$/, 'a custom field API name like CS_Health_Score__c');
const mappingSchema = z.record(z.enum(OWNED_ACCOUNT_FIELDS.map((f) => f.name) as [string, ...string[]]), sfField);

async function currentMapping(deps: ApiDeps): Promise<Record<string, string>> {
  const text = await deps.ctx.state.getSetting(MAPPING_SETTING);
  const stored = text ? mappingSchema.parse(JSON.parse(text)) : {};
  return Object.fromEntries(OWNED_ACCOUNT_FIELDS.map((f) => [f.name, stored[f.name] ?? f.name]));
}

async function connection(deps: ApiDeps) {
  const configured = deps.ctx.sources.salesforce;
  if (!configured) throw new HttpError(409, 'not configured', 'Salesforce has no credentials yet: set them on the connectors page first');
  return openSalesforceConnection(salesforceConfigSchema.parse(configured.config), deps.ctx.log.child({ op: 'admin' }));
}

export function writebackRoutes(api: ApiRoutes, deps: ApiDeps): void {
  const { ctx } = deps;
  api.add({ method: 'get', path: '/writeback', tag: 'writeback', role: 'viewer', summary: 'Whether write-back is paused' }, async () => ({ paused: (await ctx.state.getSetting(WRITEBACK_PAUSED)) === 'true' }));

  for (const action of ['pause', 'resume'] as const) {
    api.add({ method: 'post', path: `/writeback/${action}`, tag: 'writeback', role: 'admin', summary: action === 'pause' ? 'Stop all Salesforce writes (runs still compute and log)' : 'Restart Salesforce writes' }, async ({ principal }) => {
      await ctx.state.setSetting(WRITEBACK_PAUSED, action === 'pause' ? 'true' : 'false');
      await audit(deps, principal, `writeback.${action}`, null, '');
      return { paused: action === 'pause' };
    });
  }

  api.add(
    { method: 'post', path: '/writeback/revert', tag: 'writeback', role: 'admin', body: z.object({ runId: idSchema }), summary: 'Write back the values an earlier run replaced' },
    async ({ body, principal }) => {
      const changes: Array<{ accountId: string; values: Record<string, FieldValue> }> = [];
      for await (const batch of ctx.records.scan('salesforce.account')) {
        for (const a of batch) {
          const writes = (await ctx.state.writes(a.id, 500)).filter((w) => w.runId === body.runId && w.outcome === 'written');
          if (writes.length === 0) continue;
          const values: Record<string, FieldValue> = {};
          for (const w of writes) values[w.field] = (w.old ?? null) as FieldValue;
          changes.push({ accountId: a.id, values });
        }
      }
      if (changes.length === 0) throw new HttpError(404, 'not found', `run ${body.runId} wrote nothing that can be reverted`);
      const { conn } = await connection(deps);
      const { results, apiCalls } = await writeAccounts(conn, changes, ctx.options.writebackBatchSize);
      const now = new Date().toISOString();
      const byId = new Map(changes.map((c) => [c.accountId, c]));
      for (const r of results) {
        const change = byId.get(r.accountId);
        if (!change) continue;
        const entries: WriteAudit[] = Object.entries(change.values).map(([field, value]) => ({
          at: now, runId: `revert:${body.runId}`, modelVersion: null, field, old: null, new: value, outcome: r.success ? 'reverted' : 'failed', error: r.success ? null : `${r.statusCode}: ${r.message}`,
        }));
        await ctx.state.appendWrites(r.accountId, entries);
      }
      const failed = results.filter((r) => !r.success).length;
      await audit(deps, principal, 'writeback.revert', body.runId, `${results.length - failed} accounts reverted, ${failed} failed`);
      return { accounts: results.length, failed, apiCalls };
    },
  );

  api.add({ method: 'get', path: '/mapping', tag: 'mapping', role: 'viewer', summary: 'Which Salesforce Account field each Tidemark value is written to' }, async () => {
    const mapping = await currentMapping(deps);
    return { fields: OWNED_ACCOUNT_FIELDS.map((f) => ({ field: f.name, type: f.type, salesforceField: mapping[f.name] })) };
  });

  api.add({ method: 'put', path: '/mapping', tag: 'mapping', role: 'admin', body: z.object({ mapping: mappingSchema }), summary: 'Map Tidemark values to other Salesforce Account fields' }, async ({ body, principal }) => {
    const merged = { ...(await currentMapping(deps)), ...body.mapping };
    const targets = Object.values(merged);
    const dup = targets.find((t, i) => targets.indexOf(t) !== i);
    if (dup) throw new HttpError(400, 'invalid request', `mapping: ${dup} is the target of two values; each Salesforce field can take one`);
    await ctx.state.setSetting(MAPPING_SETTING, JSON.stringify(merged));
    await audit(deps, principal, 'mapping.set', null, Object.entries(body.mapping).map(([k, v]) => `${k} -> ${v}`).join(', '));
    return { mapping: merged };
  });

  api.add({ method: 'post', path: '/mapping/preflight', tag: 'mapping', role: 'admin', summary: 'Check that every mapped Salesforce field exists, is writable and has a compatible type' }, async () => {
    const mapping = await currentMapping(deps);
    const { conn } = await connection(deps);
    const problems = await preflightAccountFields(conn, OWNED_ACCOUNT_FIELDS.map((f) => ({ ...f, name: mapping[f.name] ?? f.name })));
    return { ok: problems.length === 0, problems, apiCalls: 1 };
  });
}
