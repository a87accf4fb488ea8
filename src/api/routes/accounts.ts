/** Accounts: list with score and band; one account with signals, score history, drivers, plan and the values written by which run. */
import { z } from 'zod';
import { computeAccountHealth } from '../../health/account-health.ts';
import { defaultHealthModel, healthModelSchema } from '../../health/model.ts';
import { buildBundles } from '../../sync/account-bundles.ts';
import { audit, idParam, type ApiDeps } from '../deps.ts';
import { HttpError, notFound, zodIssues } from '../http-errors.ts';
import type { ApiRoutes } from '../route-kit.ts';

const PLAN_FIELDS = ['CS_Success_Plan_Stage__c', 'CS_Next_Milestone__c', 'CS_Next_Milestone_Due__c', 'CS_Onboarding_Overdue__c', 'CS_Success_Plan__c', 'CS_Success_Plan_Review__c'];

export function accountRoutes(api: ApiRoutes, deps: ApiDeps): void {
  const { ctx } = deps;
  api.add({ method: 'get', path: '/accounts', tag: 'accounts', role: 'viewer', query: z.object({ q: z.string().max(100).optional() }), summary: 'Accounts with their current score and band' }, async ({ query }) => {
    const desired = await ctx.state.allDesired();
    const needle = query.q?.toLowerCase();
    const accounts = [];
    for await (const batch of ctx.records.scan('salesforce.account')) {
      for (const a of batch) {
        if (a.isDeleted || (needle && !a.name.toLowerCase().includes(needle))) continue;
        const d = desired.get(a.id);
        accounts.push({ id: a.id, name: a.name, score: d?.fields.CS_Health_Score__c ?? null, band: d?.fields.CS_Health_Band__c ?? null, trend: d?.fields.CS_Health_Trend__c ?? null });
      }
    }
    accounts.sort((x, y) => x.name.localeCompare(y.name));
    return { accounts };
  });

  api.add({ method: 'get', path: '/accounts/:id', tag: 'accounts', role: 'viewer', params: idParam, summary: 'One account: signals, score history, drivers, success plan, values written and by which run' }, async ({ params }) => {
    const account = await ctx.records.get('salesforce.account', params.id);
    if (!account) throw notFound(`account ${params.id}`);
    const desired = await ctx.state.getDesired(params.id);
    const [bundle] = await buildBundles(ctx, params.id);
    const health = bundle ? computeAccountHealth(bundle, ctx.now(), defaultHealthModel(), null) : null;
    const fields = desired?.fields ?? {};
    const drivers = typeof fields.CS_Health_Drivers__c === 'string' ? fields.CS_Health_Drivers__c : (health?.drivers ?? '');
    return {
      account: { id: account.id, name: account.name, fields: account.fields },
      modelVersion: desired?.modelVersion ?? null,
      health: { score: fields.CS_Health_Score__c ?? null, band: fields.CS_Health_Band__c ?? null, trend: fields.CS_Health_Trend__c ?? null, drivers: drivers.split('\n').filter(Boolean) },
      signals: health?.signals ?? null,
      plan: Object.fromEntries(PLAN_FIELDS.filter((f) => f in fields).map((f) => [f, fields[f]])),
      desired: fields,
      scoreHistory: await ctx.state.scoreHistory(params.id),
      writes: await ctx.state.writes(params.id, 100),
    };
  });

  api.add(
    { method: 'post', path: '/health/preview', tag: 'health', role: 'admin', body: z.object({ model: z.unknown() }), summary: 'Score every account with a candidate health model, next to the current scores (nothing stored or written)' },
    async ({ body, principal }) => {
      const parsed = healthModelSchema.safeParse(body.model);
      if (!parsed.success) throw new HttpError(400, 'invalid model', `fix the model: ${zodIssues(parsed.error).map((i) => `model.${i}`).join('; ')}`);
      const now = ctx.now();
      const current = defaultHealthModel();
      const rows = (await buildBundles(ctx)).map((b) => {
        const before = computeAccountHealth(b, now, current, null).result;
        const after = computeAccountHealth(b, now, parsed.data, null).result;
        return { id: b.account.id, name: b.account.name, current: { score: before.score, band: before.band }, preview: { score: after.score, band: after.band } };
      });
      const moved = rows.filter((r) => r.current.band !== r.preview.band).length;
      await audit(deps, principal, 'model.preview', null, `${rows.length} accounts, ${moved} change band`);
      return { accounts: rows, bandChanges: moved };
    },
  );
}
