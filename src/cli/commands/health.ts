import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backtestModel, previewModel } from '../../sync/health-evaluation.ts';
import { readModelFile } from '../../health/model-file.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

export async function healthCommand(argv: string[], io: CliIO): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { model: { type: 'string' }, truth: { type: 'string' }, json: { type: 'boolean' } } });
  const action = positionals[0];
  if (action !== 'preview' && action !== 'backtest') throw new UsageError('usage: health preview --model FILE | health backtest [--model FILE] [--truth truth/accounts.jsonl]');
  if (action === 'preview' && !values.model) throw new UsageError('health preview needs --model FILE (JSON or YAML, the shape of src/health/models/default.json)');
  for (const f of [values.model, values.truth]) if (f && !existsSync(f)) throw new UsageError(`${f} does not exist`);
  const model = values.model ? readModelFile(values.model) : undefined;
  return withContext(async (ctx) => {
    if (action === 'preview' && model) {
      const r = await previewModel(ctx, model);
      const human = [
        `model ${r.modelVersion} (current ${r.currentVersion}) over ${r.accounts} accounts; nothing is written`,
        `bands: ${Object.entries(r.bands).map(([b, n]) => `${b} ${n}`).join(', ')} (now: ${Object.entries(r.currentBands).map(([b, n]) => `${b} ${n}`).join(', ')})`,
        `scores: ${r.histogram.map((n, i) => `${i * 10}-${i * 10 + 9}: ${n}`).join('  ')}`,
        `${r.changes.length} accounts would change band${r.changes.length ? ':' : ''}`,
        ...r.changes.map((c) => `  ${c.name} (${c.accountId}): ${c.from ?? 'no score'} ${c.scoreFrom ?? '-'} -> ${c.to ?? 'no score'} ${c.scoreTo ?? '-'}`),
      ].join('\n');
      print(io, human, r);
      return 0;
    }
    const r = await backtestModel(ctx, model, values.truth);
    const human = [
      `model ${r.modelVersion}: ${r.renewed} renewed, ${r.churned} churned (latest renewal opportunity Closed Won vs Closed Lost), scored as of each renewal's close date`,
      `AUC renewed vs churned: ${r.auc === null ? 'not computable (needs both outcomes)' : r.auc.toFixed(3)}`,
      ...(r.cohorts ? [`AUC healthy (${r.cohorts.healthy}) vs declining, support-heavy and detractor cohorts (${r.cohorts.atRisk}): ${r.cohorts.auc === null ? 'not computable' : r.cohorts.auc.toFixed(3)}`] : []),
    ].join('\n');
    print(io, human, r);
    return 0;
  });
}
