/** `rules list | add | delete`: RevOps' manual identity rules, audited (who, when, why); applied from the next run. */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { MANUAL_RULE_TYPES, manualRuleSchema } from '../../identity/manual-rules.ts';
import { deleteManualRule, loadManualRules, saveManualRule } from '../../store/manual-rule-store.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

const USAGE = `usage: rules list
       rules add --type ${MANUAL_RULE_TYPES.join('|')} [--domain D] [--organization ZENDESK_ORG_ID] [--record KIND:ID] [--account ACCOUNT_ID] --reason TEXT [--by WHO]
       rules delete RULE_ID`;

export async function rulesCommand(argv: string[], io: CliIO): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string' }, domain: { type: 'string' }, organization: { type: 'string' }, record: { type: 'string' }, account: { type: 'string' },
      reason: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  const action = positionals[0];
  if (action === 'list') {
    return withContext(async (ctx) => {
      const rules = (await loadManualRules(ctx.redis, ctx.prefix)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const human = rules.length === 0
        ? 'no manual rules'
        : rules.map((r) => `${r.id}  ${r.type.padEnd(16)} ${r.domain ?? r.organizationId ?? (r.recordKind ? `${r.recordKind}:${r.recordId}` : '')}${r.accountId ? ` -> ${r.accountId}` : ''}  by ${r.createdBy} ${r.createdAt.slice(0, 10)}: ${r.reason}`).join('\n');
      print(io, human, rules);
      return 0;
    });
  }
  if (action === 'add') {
    const at = values.record?.indexOf(':') ?? -1;
    const candidate = {
      id: `rule-${randomBytes(4).toString('hex')}`,
      type: values.type,
      domain: values.domain?.trim().toLowerCase(),
      organizationId: values.organization,
      recordKind: values.record && at > 0 ? values.record.slice(0, at) : undefined,
      recordId: values.record && at > 0 ? values.record.slice(at + 1) : undefined,
      accountId: values.account,
      createdBy: values.by ?? `cli:${userInfo().username}`,
      createdAt: new Date().toISOString(),
      reason: values.reason ?? '',
    };
    const parsed = manualRuleSchema.safeParse(candidate);
    if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`).join('; ')}\n${USAGE}`);
    return withContext(async (ctx) => {
      await saveManualRule(ctx.redis, ctx.prefix, parsed.data);
      print(io, `${parsed.data.id} saved; the next run applies it (npm run tidemark -- sync --wait)`, parsed.data);
      return 0;
    });
  }
  if (action === 'delete' && positionals[1]) {
    const id = positionals[1];
    return withContext(async (ctx) => {
      const removed = await deleteManualRule(ctx.redis, ctx.prefix, id);
      print(io, removed ? `${id} deleted` : `no rule ${id}`, { id, removed });
      return removed ? 0 : 1;
    });
  }
  throw new UsageError(USAGE);
}
