/** Small admin commands: reset, writeback pause|resume, tokens create, writes, unmatched, surveys import. */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { clearPrefix } from '../../store/redis.ts';
import { WRITEBACK_PAUSED } from '../../sync/writeback.ts';
import { createToken, ROLES, type Role } from '../../api/token-store.ts';
import { importSurveyText } from '../../sync/survey-import.ts';
import { DEFAULT_COLUMNS, type ColumnMapping } from '../../../connectors/surveys/index.ts';
import { RESOLVED_KINDS } from '../../sync/resolve.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

export async function resetCommand(argv: string[], io: CliIO): Promise<number> {
  parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  return withContext(async (_ctx, target, redis) => {
    const removed = await clearPrefix(redis, target.prefix);
    print(io, `cleared ${removed} keys under prefix ${target.prefix}`, { prefix: target.prefix, removed });
    return 0;
  });
}

export async function writebackCommand(argv: string[], io: CliIO): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { run: { type: 'string' }, json: { type: 'boolean' } } });
  const action = positionals[0];
  if (action === 'revert') {
    if (!values.run) throw new UsageError('usage: writeback revert --run RUN_ID');
    const runId = values.run;
    // Reverting writes to Salesforce, so it needs the credentials of this process's environment.
    const { sourcesFromEnv } = await import('../../config/sources-from-env.ts');
    const { loadEnv } = await import('../../config/env.ts');
    const { revertRun } = await import('../../sync/writeback-revert.ts');
    return withContext(async (ctx) => {
      ctx.sources = sourcesFromEnv(loadEnv());
      const result = await revertRun(ctx, runId);
      const paused = (await ctx.state.getSetting(WRITEBACK_PAUSED)) === 'true';
      print(
        io,
        `${result.accounts - result.failed} accounts reverted to the values before ${runId}, ${result.failed} failed, ${result.apiCalls} API calls` +
          (result.skippedFields > 0 ? `\n${result.skippedFields} fields left as they are: written again after ${runId} (by a later run, a revert or a person)` : '') +
          (result.deferred > 0 ? `\n${result.deferred} accounts not reverted yet: the API budget is spent; run the revert again later` : '') +
          (paused ? '' : '\nwrite-back is not paused: the next run writes the computed values again (npm run tidemark -- writeback pause keeps the reverted ones)'),
        { ...result, writebackPaused: paused },
      );
      return result.failed > 0 || result.deferred > 0 ? 1 : 0;
    });
  }
  if (action !== 'pause' && action !== 'resume') throw new UsageError('usage: writeback pause | writeback resume | writeback revert --run RUN_ID');
  return withContext(async (ctx) => {
    await ctx.state.setSetting(WRITEBACK_PAUSED, action === 'pause' ? 'true' : 'false');
    print(io, action === 'pause' ? 'write-back paused: runs compute but write nothing to Salesforce' : 'write-back resumed', { paused: action === 'pause' });
    return 0;
  });
}

export async function tokensCommand(argv: string[], io: CliIO): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { role: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals[0] !== 'create' || !values.role || !(ROLES as readonly string[]).includes(values.role)) {
    throw new UsageError('usage: tokens create --role admin|viewer');
  }
  return withContext(async (ctx) => {
    const t = await createToken(ctx.redis, ctx.prefix, values.role as Role, ctx.now());
    print(io, `${t.token}\n(shown once; it is stored hashed. Role: ${t.role})`, t);
    return 0;
  });
}

export async function writesCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { account: { type: 'string' }, limit: { type: 'string', default: '100' }, json: { type: 'boolean' } } });
  if (!values.account) throw new UsageError('usage: writes --account ACCOUNT_ID');
  const account = values.account;
  return withContext(async (ctx) => {
    const writes = await ctx.state.writes(account, Number(values.limit));
    const human = writes.length === 0
      ? `no writes recorded for ${account}`
      : writes.map((w) => `${w.at}  ${w.runId}  model ${w.modelVersion ?? '-'}  ${w.outcome.padEnd(7)}  ${w.field}: ${JSON.stringify(w.old)} -> ${JSON.stringify(w.new)}${w.error ? `  (${w.error})` : ''}`).join('\n');
    print(io, human, writes);
    return 0;
  });
}

export async function unmatchedCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { source: { type: 'string' }, reason: { type: 'string' }, limit: { type: 'string', default: '200' }, json: { type: 'boolean' } } });
  return withContext(async (ctx) => {
    const rows: Array<{ kind: string; id: string; reason: string | null; candidates: string[] }> = [];
    const counts: Record<string, number> = {};
    for (const kind of RESOLVED_KINDS) {
      if (values.source && !kind.startsWith(`${values.source}.`)) continue;
      for await (const batch of ctx.state.scanMatches(kind)) {
        for (const [id, m] of batch) {
          if (m.a || (values.reason && m.r !== values.reason)) continue;
          counts[`${kind} ${m.r}`] = (counts[`${kind} ${m.r}`] ?? 0) + 1;
          if (rows.length < Number(values.limit)) rows.push({ kind, id, reason: m.r, candidates: m.c ?? [] });
        }
      }
    }
    const human = [
      ...Object.entries(counts).sort().map(([k, n]) => `${String(n).padStart(6)}  ${k}`),
      '',
      ...rows.map((r) => `${r.kind}:${r.id}  ${r.reason}${r.candidates.length ? `  candidates: ${r.candidates.join(', ')}` : ''}`),
    ].join('\n');
    print(io, rows.length === 0 ? 'no unmatched records' : human, { counts, records: rows });
    return 0;
  });
}

export async function surveysCommand(argv: string[], io: CliIO): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: 'string' }, map: { type: 'string', multiple: true }, json: { type: 'boolean' } } });
  const file = positionals[1];
  const usage = 'usage: surveys import FILE [--format csv|jsonl] [--map FIELD=COLUMN ...] (fields: id, email, score, comment, submittedAt, accountId)';
  if (positionals[0] !== 'import' || !file) throw new UsageError(usage);
  if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
  if (!statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
  const format = (values.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl')) as 'csv' | 'jsonl';
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
  const mapping: Partial<ColumnMapping> = {};
  for (const pair of values.map ?? []) {
    const eq = pair.indexOf('=');
    const field = eq > 0 ? pair.slice(0, eq) : '';
    const column = eq > 0 ? pair.slice(eq + 1) : '';
    // Object.hasOwn: "toString" or "__proto__" are in every object, and are no fields.
    if (!field || !column || !Object.hasOwn(DEFAULT_COLUMNS, field)) throw new UsageError(`--map ${pair}: give FIELD=COLUMN with FIELD one of ${Object.keys(DEFAULT_COLUMNS).join(', ')}`);
    mapping[field as keyof ColumnMapping] = column;
  }
  return withContext(async (ctx) => {
    const result = await importSurveyText(ctx, readFileSync(file, 'utf8'), format, mapping, file);
    const human = [
      `${result.imported} responses imported, ${result.unchanged} unchanged, ${result.rejected.length} rejected`,
      ...result.rejected.map((r) => `  line ${r.line}: ${r.reason}`),
    ].join('\n');
    print(io, human, result);
    return result.rejected.length > 0 ? 1 : 0;
  });
}
