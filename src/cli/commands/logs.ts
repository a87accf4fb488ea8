import { parseArgs } from 'node:util';
import { LOG_STATUSES, type LogStatus } from '../../store/log-store.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

export async function logsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      run: { type: 'string' }, account: { type: 'string' }, status: { type: 'string' }, source: { type: 'string' },
      record: { type: 'string' }, search: { type: 'string' }, limit: { type: 'string', default: '50' }, json: { type: 'boolean' },
    },
  });
  if (values.status && !(LOG_STATUSES as readonly string[]).includes(values.status)) {
    throw new UsageError(`--status must be one of ${LOG_STATUSES.join(', ')}`);
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  return withContext(async (ctx) => {
    const entries = await ctx.logs.query({
      runId: values.run, accountId: values.account, status: values.status as LogStatus | undefined, source: values.source, recordId: values.record, search: values.search, limit,
    });
    const human = entries.length === 0
      ? 'no log entries match'
      : entries.map((e) => [e.at, e.runId ?? '-', e.status.padEnd(11), e.kind ? `${e.kind}:${e.recordId ?? '-'}` : '', e.accountId ? `account ${e.accountId}` : '', e.message].filter(Boolean).join('  ')).join('\n');
    print(io, human, entries);
    return 0;
  });
}
