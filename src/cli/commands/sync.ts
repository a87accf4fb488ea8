import { parseArgs } from 'node:util';
import { sourceIdSchema, type SourceId } from '../../contracts/records.ts';
import { bullConnection } from '../../store/redis.ts';
import { enabledSources, formatSummary, requestRun, summarizeRun, waitForRun } from '../../sync/run.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

export async function syncCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { full: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false }, wait: { type: 'boolean', default: false }, json: { type: 'boolean' } },
  });
  const asked: SourceId[] = positionals.map((p) => {
    const parsed = sourceIdSchema.safeParse(p);
    if (!parsed.success) throw new UsageError(`unknown source "${p}": use salesforce, zendesk, mixpanel or surveys`);
    return parsed.data;
  });
  return withContext(async (ctx, target) => {
    const registered = Object.keys(await ctx.state.allSources()) as SourceId[];
    if (registered.length === 0) {
      throw new UsageError(`no sources are registered under prefix "${target.prefix}": start the server first (npm start), or set TIDEMARK_PREFIX / REDIS_URL to the server's`);
    }
    const enabled = await enabledSources(ctx, registered);
    const sources = asked.length > 0 ? asked : enabled;
    const notEnabled = sources.filter((s) => !enabled.includes(s));
    if (notEnabled.length > 0) throw new UsageError(`source ${notEnabled.join(', ')} is not enabled: enable it first`);
    const connection = bullConnection(target.redisUrl);
    const run = await requestRun(ctx, connection, { sources, full: values.full ?? false, dryRun: values['dry-run'] ?? false, trigger: 'cli' });
    if (!values.wait) {
      print(io, `${run.id} queued (${sources.join(', ')}${run.full ? ', full' : ''}${run.dryRun ? ', dry run' : ''}); follow it with: npm run tidemark -- logs --run ${run.id}`, { runId: run.id, status: run.status, sources });
      return 0;
    }
    const finished = await waitForRun(ctx, run.id);
    const summary = summarizeRun(finished);
    print(io, formatSummary(summary), summary);
    return finished.status === 'succeeded' ? 0 : 1;
  });
}
