import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { explainRecord, identityReport, parseRecordRef } from '../../sync/identity-report.ts';
import { print, UsageError, withContext, type CliIO } from '../cli-context.ts';

export async function resolveCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { explain: { type: 'string' }, report: { type: 'boolean' }, truth: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.explain && !values.report) throw new UsageError('usage: resolve --explain KIND:ID | resolve --report [--truth FILE]');
  if (values.truth && !existsSync(values.truth)) throw new UsageError(`${values.truth} does not exist`);
  return withContext(async (ctx) => {
    if (values.explain) {
      let ref: ReturnType<typeof parseRecordRef>;
      try {
        ref = parseRecordRef(values.explain);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const result = await explainRecord(ctx, ref.kind, ref.id);
      if (!result) {
        print(io, `${values.explain} is not among the stored records (has it been synced?)`, { error: 'not found' });
        return 1;
      }
      const r = result.resolution;
      const human = [
        `${r.kind}:${r.id} -> ${r.accountId ? `${r.accountId} (by ${r.method})` : `unmatched: ${r.reason}${r.candidates.length ? ` (candidates ${r.candidates.join(', ')})` : ''}`}`,
        ...(result.parents.length ? ['parents:', ...result.parents.map((p) => `  ${p.kind}:${p.id} -> ${p.accountId ?? `unmatched: ${p.reason}`}${p.method ? ` (by ${p.method})` : ''}`)] : []),
        'rule chain:',
        ...(r.steps ?? []).map((s, i) => `  ${i + 1}. ${s.rule.padEnd(13)} ${s.outcome.padEnd(10)} ${s.detail}`),
      ].join('\n');
      print(io, human, result);
      return 0;
    }
    const report = await identityReport(ctx, values.truth);
    const lines: string[] = [];
    for (const [kind, row] of Object.entries(report.byKind)) {
      lines.push(`${kind}: ${row.matched} matched, ${row.unmatched} unmatched`);
      for (const [m, n] of Object.entries(row.byMethod).sort()) lines.push(`    by ${m}: ${n}`);
      for (const [r, n] of Object.entries(row.byReason).sort()) lines.push(`    unmatched ${r}: ${n}`);
    }
    if (report.truth) {
      const t = report.truth;
      lines.push(`against ${values.truth}: precision ${(t.precision * 100).toFixed(2)}% (${t.truePositives} right, ${t.falsePositives} wrong), recall ${(t.recall * 100).toFixed(2)}% of ${t.resolvable} resolvable (${t.falseNegatives} missed), ${t.evaluated} records compared`);
    }
    print(io, lines.join('\n'), report);
    return 0;
  });
}
