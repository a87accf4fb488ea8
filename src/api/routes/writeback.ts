/** Write-back: pause, resume, revert a run; field mapping and its pre-flight check against Salesforce. */
import { z } from 'zod';
import { revertRun, NothingToRevertError } from '../../sync/writeback-revert.ts';
import { WRITEBACK_PAUSED } from '../../sync/writeback.ts';
import { OWNED_ACCOUNT_FIELDS } from '../../writeback/field-specs.ts';
import { preflightAccountFields } from '../../../connectors/salesforce/writer.ts';
import { openSalesforceConnection, salesforceConfigSchema } from '../../../connectors/salesforce/index.ts';
import { audit, idSchema, type ApiDeps } from '../deps.ts';
import { HttpError } from '../http-errors.ts';
import type { ApiRoutes } from '../route-kit.ts';

import { MAPPING_SETTING } from '../../writeback/mapping.ts';
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
      try {
        const result = await revertRun(ctx, body.runId);
        await audit(deps, principal, 'writeback.revert', body.runId, `${result.accounts - result.failed} accounts reverted, ${result.failed} failed`);
        return result;
      } catch (err) {
        if (err instanceof NothingToRevertError) throw new HttpError(404, 'not found', err.message);
        throw err;
      }
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
