/**
 * RevOps' manual identity rules: pin a domain, a Zendesk organization or one record to an
 * account; exclude a domain (the vendor's own staff, test accounts) or an account. Applied before
 * the automatic rules, audited (who, when, why) and shown by `resolve --explain`.
 */
import { z } from 'zod';
import { RECORD_KINDS } from '../contracts/records.ts';
import { registrableDomain } from './domains.ts';
import { isAccountId } from './salesforce-id.ts';

export const MANUAL_RULE_TYPES = ['pin-domain', 'pin-organization', 'pin-record', 'exclude-domain', 'exclude-account'] as const;
export type ManualRuleType = (typeof MANUAL_RULE_TYPES)[number];

export const manualRuleSchema = z
  .object({
    id: z.string().min(1),
    type: z.enum(MANUAL_RULE_TYPES),
    domain: z.string().min(1).optional(),
    organizationId: z.string().min(1).optional(),
    recordKind: z.enum(RECORD_KINDS).optional(),
    recordId: z.string().min(1).optional(),
    accountId: z.string().refine(isAccountId, 'must be a Salesforce Account Id (15 or 18 characters starting with 001)').optional(),
    createdBy: z.string().min(1, 'say who made the rule'),
    createdAt: z.iso.datetime({ offset: true, message: 'createdAt must be an ISO-8601 date-time' }),
    reason: z.string().trim().min(1, 'say why (it is shown in resolve --explain)'),
  })
  .superRefine((r, ctx) => {
    const need = (field: keyof typeof r, why: string): void => {
      if (r[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: why });
    };
    if (r.type.startsWith('pin-') || r.type === 'exclude-account') need('accountId', `${r.type} needs the Salesforce Account Id`);
    if (r.type === 'pin-domain' || r.type === 'exclude-domain') {
      need('domain', `${r.type} needs a domain`);
      if (r.domain !== undefined && registrableDomain(r.domain) === null) {
        ctx.addIssue({ code: 'custom', path: ['domain'], message: `"${r.domain}" has no registrable domain (expected e.g. acme.com)` });
      }
    }
    if (r.type === 'pin-organization') need('organizationId', 'pin-organization needs the Zendesk organization id');
    if (r.type === 'pin-record') {
      need('recordKind', 'pin-record needs the record kind (e.g. zendesk.user)');
      need('recordId', 'pin-record needs the record id');
    }
  });
export type ManualRule = z.infer<typeof manualRuleSchema>;

/** One line for `resolve --explain` and logs: what the rule does, who made it, when and why. */
export function describeRule(rule: ManualRule): string {
  const target = rule.domain ?? rule.organizationId ?? (rule.recordKind ? `${rule.recordKind}:${rule.recordId ?? ''}` : '');
  const arrow = rule.accountId && rule.type !== 'exclude-account' ? ` -> ${rule.accountId}` : '';
  const subject = rule.type === 'exclude-account' ? ` ${rule.accountId ?? ''}` : ` ${target}`;
  return `rule ${rule.id} (${rule.type}${subject}${arrow}) by ${rule.createdBy} on ${rule.createdAt.slice(0, 10)}: ${rule.reason}`;
}
