/**
 * Identity over what is stored, without saving anything: the rule chain of one record
 * (`resolve --explain`) and counts per method and reason with precision and recall against a
 * ground-truth file (`resolve --report`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { recordKindSchema, type RecordKind } from '../contracts/records.ts';
import { buildIdentityIndex, evaluateTruth, resolveAll, resolveOne, type IdentityIndex, type Parents, type Resolution } from '../identity/index.ts';
import { loadManualRules } from '../store/manual-rule-store.ts';
import type { SyncContext } from './context.ts';

export const EXPLAINABLE = ['zendesk.organization', 'zendesk.user', 'zendesk.ticket', 'mixpanel.profile', 'mixpanel.activity', 'surveys.response'] as const;
type Explainable = (typeof EXPLAINABLE)[number];

export async function loadIndex(ctx: Pick<SyncContext, 'records' | 'redis' | 'prefix'>): Promise<IdentityIndex> {
  const [accounts, contacts, zendeskOrganizations, manualRules] = await Promise.all([
    ctx.records.all('salesforce.account'),
    ctx.records.all('salesforce.contact'),
    ctx.records.all('zendesk.organization'),
    loadManualRules(ctx.redis, ctx.prefix),
  ]);
  return buildIdentityIndex({ accounts, contacts, zendeskOrganizations, manualRules });
}

export function parseRecordRef(ref: string): { kind: Explainable; id: string } {
  const at = ref.indexOf(':');
  const kind = recordKindSchema.safeParse(at > 0 ? ref.slice(0, at) : '');
  const id = at > 0 ? ref.slice(at + 1) : '';
  if (!kind.success || !(EXPLAINABLE as readonly string[]).includes(kind.data) || id === '') {
    throw new Error(`"${ref}" is not KIND:ID; KIND is one of ${EXPLAINABLE.join(', ')} (e.g. zendesk.user:123)`);
  }
  return { kind: kind.data as Explainable, id };
}

/** Resolves one stored record with its rule chain; parents are resolved from the store as needed. */
export async function explainRecord(ctx: Pick<SyncContext, 'records' | 'redis' | 'prefix'>, kind: Explainable, id: string): Promise<{ resolution: Resolution; parents: Resolution[] } | null> {
  const index = await loadIndex(ctx);
  const record = await ctx.records.get(kind, id);
  if (!record) return null;
  const parents: Resolution[] = [];
  const orgs = new Map<string, Resolution | undefined>();
  const users = new Map<string, Resolution | undefined>();
  const profiles = new Map<string, Resolution | undefined>();
  const lookups: Parents = {
    organization: (orgId) => orgs.get(orgId),
    user: (userId) => users.get(userId),
    profile: (distinctId) => profiles.get(distinctId),
  };
  // Parents first (at most two levels: ticket -> requester -> organization).
  const resolveOrg = async (orgId: string | null): Promise<void> => {
    if (!orgId || orgs.has(orgId)) return;
    const org = await ctx.records.get('zendesk.organization', orgId);
    const r = org ? resolveOne(index, org, lookups, false) : undefined;
    orgs.set(orgId, r);
    if (r) parents.push(r);
  };
  if (record.kind === 'zendesk.user') await resolveOrg(record.organizationId);
  if (record.kind === 'zendesk.ticket') {
    await resolveOrg(record.organizationId);
    if (record.requesterId) {
      const requester = await ctx.records.get('zendesk.user', record.requesterId);
      if (requester) {
        await resolveOrg(requester.organizationId);
        const r = resolveOne(index, requester, lookups, false);
        users.set(requester.id, r);
        parents.push(r);
      }
    }
  }
  if (record.kind === 'mixpanel.activity') {
    const profile = await ctx.records.get('mixpanel.profile', record.distinctId);
    if (profile) {
      const r = resolveOne(index, profile, lookups, false);
      profiles.set(profile.id, r);
      parents.push(r);
    }
  }
  return { resolution: resolveOne(index, record, lookups, true), parents };
}

const truthRowSchema = z.object({ kind: z.string(), id: z.string(), accountId: z.string().nullable() });

export interface IdentityReport {
  byKind: Record<string, { matched: number; unmatched: number; byMethod: Record<string, number>; byReason: Record<string, number> }>;
  truth: ReturnType<typeof evaluateTruth> | null;
}

export async function identityReport(ctx: Pick<SyncContext, 'records' | 'redis' | 'prefix'>, truthFile?: string): Promise<IdentityReport> {
  const index = await loadIndex(ctx);
  const set = resolveAll(index, {
    zendeskOrganizations: await ctx.records.all('zendesk.organization'),
    zendeskUsers: await ctx.records.all('zendesk.user'),
    zendeskTickets: await ctx.records.all('zendesk.ticket'),
    mixpanelProfiles: await ctx.records.all('mixpanel.profile'),
    mixpanelActivities: await ctx.records.all('mixpanel.activity'),
    surveyResponses: await ctx.records.all('surveys.response'),
  });
  const byKind: IdentityReport['byKind'] = {};
  for (const kind of EXPLAINABLE) {
    const row = { matched: 0, unmatched: 0, byMethod: {} as Record<string, number>, byReason: {} as Record<string, number> };
    for (const r of set.byKind(kind as RecordKind)) {
      if (r.accountId) {
        row.matched += 1;
        row.byMethod[r.method ?? '?'] = (row.byMethod[r.method ?? '?'] ?? 0) + 1;
      } else {
        row.unmatched += 1;
        row.byReason[r.reason ?? '?'] = (row.byReason[r.reason ?? '?'] ?? 0) + 1;
      }
    }
    byKind[kind] = row;
  }
  let truth: IdentityReport['truth'] = null;
  if (truthFile) {
    const rows = readFileSync(truthFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => {
        const parsed = truthRowSchema.safeParse(JSON.parse(l));
        if (!parsed.success) throw new Error(`${truthFile}:${i + 1}: expected {"kind", "id", "accountId"}`);
        return parsed.data;
      });
    truth = evaluateTruth(set, rows);
  }
  return { byKind, truth };
}
