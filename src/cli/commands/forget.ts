/**
 * `forget --email EMAIL`: erases a person's data everywhere Tidemark keeps it: canonical records
 * whose email is theirs (contacts, Zendesk users, Mixpanel profiles, survey responses with their
 * comments), the matches of those records, and every log line that mentions the address.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RECORD_KINDS, type RecordKind } from '../../contracts/records.ts';
import { keys } from '../../store/keys.ts';
import { dropResolved } from '../../sync/resolve.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

const emailSchema = z.email('an email address like jane@acme.com');

function mentions(text: string, email: string): boolean {
  return text.toLowerCase().includes(email);
}

export async function forgetCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { email: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.email) throw new UsageError('usage: forget --email EMAIL');
  const parsed = emailSchema.safeParse(values.email.trim().toLowerCase());
  if (!parsed.success) throw new UsageError(`--email: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const email = parsed.data;
  return withContext(async (ctx, target, redis) => {
    const k = keys(target.prefix);
    const removed: Record<string, number> = {};
    for (const kind of RECORD_KINDS as readonly RecordKind[]) {
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(k.records(kind), cursor, 'COUNT', 2000);
        cursor = next;
        const gone: string[] = [];
        for (let i = 0; i < flat.length; i += 2) if (mentions(flat[i + 1] as string, email)) gone.push(flat[i] as string);
        if (gone.length > 0) {
          await redis.multi().hdel(k.records(kind), ...gone).sadd(k.dirty(kind), ...gone).del(k.identityEpoch).incr(k.recordsVersion).exec();
          // Their matches, lookup keys and account membership go now; their accounts are rescored by the next score.
          await dropResolved(ctx, kind, gone);
          removed[kind] = (removed[kind] ?? 0) + gone.length;
        }
      } while (cursor !== '0');
    }
    let logLines = 0;
    let end = '+';
    for (;;) {
      const batch = (await redis.xrevrange(k.logs, end, '-', 'COUNT', 1000)) as Array<[string, string[]]>;
      if (batch.length === 0) break;
      const gone = batch.filter(([, f]) => mentions(f[1] ?? '', email)).map(([id]) => id);
      if (gone.length > 0) logLines += await redis.xdel(k.logs, ...gone);
      end = `(${(batch[batch.length - 1] as [string, string[]])[0]}`;
      if (batch.length < 1000) break;
    }
    const total = Object.values(removed).reduce((a, b) => a + b, 0);
    print(io, `forgot ${email}: ${total} records (${Object.entries(removed).map(([kk, n]) => `${kk} ${n}`).join(', ') || 'none'}), ${logLines} log lines. Run a sync to refresh the scores that used them.`, { email, records: removed, logLines });
    ctx.log.info({ records: total, logLines }, 'forget done');
    return 0;
  });
}
