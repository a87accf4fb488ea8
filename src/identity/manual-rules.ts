/** RevOps' manual identity rules: applied before the automatic rules, audited (who, when, why). */
import { z } from 'zod';
import { RECORD_KINDS } from '../contracts/records.ts';

export const MANUAL_RULE_TYPES = ['pin-domain', 'pin-organization', 'pin-record', 'exclude-domain', 'exclude-account'] as const;

export const manualRuleSchema = z
  .object({
    id: z.string().min(1),
    type: z.enum(MANUAL_RULE_TYPES),
    domain: z.string().min(1).optional(),
    organizationId: z.string().min(1).optional(),
    recordKind: z.enum(RECORD_KINDS).optional(),
    recordId: z.string().min(1).optional(),
    accountId: z.string().min(15).max(18).optional(),
    createdBy: z.string().min(1),
    createdAt: z.string(),
    reason: z.string().min(1, 'say why (it is shown in resolve --explain)'),
  })
  .superRefine((r, ctx) => {
    const need = (field: keyof typeof r, why: string): void => {
      if (r[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: why });
    };
    if (r.type.startsWith('pin-') || r.type === 'exclude-account') need('accountId', `${r.type} needs the Salesforce Account Id`);
    if (r.type === 'pin-domain' || r.type === 'exclude-domain') need('domain', `${r.type} needs a domain`);
    if (r.type === 'pin-organization') need('organizationId', 'pin-organization needs the Zendesk organization id');
    if (r.type === 'pin-record') {
      need('recordKind', 'pin-record needs the record kind (e.g. zendesk.user)');
      need('recordId', 'pin-record needs the record id');
    }
  });
export type ManualRule = z.infer<typeof manualRuleSchema>;
