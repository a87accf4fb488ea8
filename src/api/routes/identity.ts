/** The unmatched queue (by source and reason, with candidate accounts) and RevOps' manual identity rules. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RESOLVED_KINDS } from '../../sync/resolve.ts';
import { deleteManualRule, loadManualRules, saveManualRule } from '../../store/manual-rule-store.ts';
import { manualRuleSchema } from '../../identity/manual-rules.ts';
import { audit, idParam, type ApiDeps } from '../deps.ts';
import { HttpError, notFound, zodIssues } from '../http-errors.ts';
import type { ApiRoutes } from '../route-kit.ts';

const unmatchedQuery = z.object({
  source: z.enum(['zendesk', 'mixpanel', 'surveys']).optional(),
  reason: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

const domain = z.string().trim().toLowerCase().regex(/^(?=.{3,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a domain like acme.com, without scheme or path');
const reason = z.string().trim().min(3, 'say why (at least 3 characters): it is kept in the audit').max(500);
const accountId = z.string().regex(/^[A-Za-z0-9]{15,18}$/, 'a Salesforce Account id (15 or 18 characters)');

export const newRuleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pin-domain'), domain, accountId, reason }),
  z.object({ type: z.literal('exclude-domain'), domain, reason }),
  z.object({ type: z.literal('pin-organization'), organizationId: z.string().min(1).max(64), accountId, reason }),
  z.object({ type: z.literal('pin-record'), kind: z.enum(RESOLVED_KINDS), recordId: z.string().min(1).max(200), accountId, reason }),
  z.object({ type: z.literal('exclude-account'), accountId, reason }),
]);

function domainOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const r = record as Record<string, unknown>;
  for (const k of ['domain', 'emailDomain']) if (typeof r[k] === 'string' && r[k]) return r[k];
  if (Array.isArray(r.domains) && typeof r.domains[0] === 'string') return r.domains[0];
  if (typeof r.email === 'string' && r.email.includes('@')) return r.email.split('@')[1]?.toLowerCase() ?? null;
  return null;
}

function labelOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const r = record as Record<string, unknown>;
  for (const k of ['name', 'email', 'subject', 'distinctId']) if (typeof r[k] === 'string' && r[k]) return r[k];
  return null;
}

export function identityRoutes(api: ApiRoutes, deps: ApiDeps): void {
  const { ctx } = deps;
  api.add({ method: 'get', path: '/unmatched', tag: 'identity', role: 'viewer', query: unmatchedQuery, summary: 'Unmatched records by source and reason, with candidate accounts and the domain to pin' }, async ({ query }) => {
    const names = new Map<string, string>();
    for await (const batch of ctx.records.scan('salesforce.account')) for (const a of batch) names.set(a.id, a.name);
    const counts: Record<string, number> = {};
    const rows: Array<{ kind: string; id: string; source: string; reason: string | null; label: string | null; domain: string | null; candidates: Array<{ id: string; name: string | null }> }> = [];
    let total = 0;
    for (const kind of RESOLVED_KINDS) {
      if (kind === 'mixpanel.activity') continue;
      const source = kind.split('.')[0] as string;
      if (query.source && source !== query.source) continue;
      for await (const batch of ctx.state.scanMatches(kind)) {
        for (const [id, m] of batch) {
          if (m.a || (query.reason && m.r !== query.reason)) continue;
          total += 1;
          const key = `${source}|${m.r ?? 'unknown'}`;
          counts[key] = (counts[key] ?? 0) + 1;
          if (rows.length >= query.limit) continue;
          const record = await ctx.records.get(kind, id);
          rows.push({ kind, id, source, reason: m.r, label: labelOf(record), domain: domainOf(record), candidates: (m.c ?? []).map((c) => ({ id: c, name: names.get(c) ?? null })) });
        }
      }
    }
    const groups = Object.entries(counts).map(([k, count]) => {
      const [source, why] = k.split('|');
      return { source, reason: why, count };
    });
    return { total, groups, unmatched: rows };
  });

  api.add({ method: 'get', path: '/rules', tag: 'identity', role: 'viewer', summary: 'Manual identity rules' }, async () => ({ rules: await loadManualRules(ctx.redis, ctx.prefix) }));

  api.add({ method: 'post', path: '/rules', tag: 'identity', role: 'admin', status: 201, body: newRuleSchema, summary: 'Add a manual identity rule (applies from the next run)' }, async ({ body, principal }) => {
    if ('accountId' in body && body.type !== 'exclude-account' && !(await ctx.records.get('salesforce.account', body.accountId))) {
      throw new HttpError(400, 'invalid request', `accountId: no Salesforce Account ${body.accountId} has been synced`);
    }
    const parsed = manualRuleSchema.safeParse({ ...body, id: `rule-${randomBytes(5).toString('hex')}`, createdBy: principal.actor, createdAt: new Date().toISOString() });
    if (!parsed.success) throw new HttpError(400, 'invalid request', `fix these fields: ${zodIssues(parsed.error).join('; ')}`);
    await saveManualRule(ctx.redis, ctx.prefix, parsed.data);
    await audit(deps, principal, 'rule.create', parsed.data.id, `${body.type}${'domain' in body ? ` ${body.domain}` : ''}${'accountId' in body ? ` -> ${body.accountId}` : ''}: ${body.reason}`);
    return { rule: parsed.data };
  });

  api.add({ method: 'delete', path: '/rules/:id', tag: 'identity', role: 'admin', params: idParam, summary: 'Remove a manual identity rule' }, async ({ params, principal }) => {
    if (!(await deleteManualRule(ctx.redis, ctx.prefix, params.id))) throw notFound(`rule ${params.id}`);
    await audit(deps, principal, 'rule.delete', params.id, '');
    return { deleted: params.id };
  });
}
