/** Prometheus text for /metrics: records, matches, stage durations, API calls, write failures, sync freshness. */
import { SOURCES } from '../contracts/records.ts';
import { summarizeRun } from '../sync/run.ts';
import { RESOLVED_KINDS } from '../sync/resolve.ts';
import type { SyncContext } from '../sync/context.ts';

class Lines {
  readonly out: string[] = [];
  metric(name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number]>): void {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
      this.out.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`);
    }
  }
}

export async function renderMetrics(ctx: SyncContext, nowMs = Date.now()): Promise<string> {
  const m = new Lines();
  m.metric('tidemark_up', 'gauge', '1 while the process serves', [[{}, 1]]);
  const runs = await ctx.runs.list(100);
  const lastDone = runs.find((r) => r.status === 'succeeded' || r.status === 'failed');
  if (lastDone) {
    const s = summarizeRun(lastDone);
    m.metric('tidemark_last_run_records', 'gauge', 'Records pulled by the last finished run per source', Object.entries(s.sources).map(([source, v]) => [{ source }, v.records]));
    m.metric('tidemark_last_run_quarantined', 'gauge', 'Records quarantined by the last finished run per source', Object.entries(s.sources).map(([source, v]) => [{ source }, v.quarantined]));
    m.metric('tidemark_last_run_api_calls', 'gauge', 'API calls of the last finished run per upstream', [...Object.entries(s.sources).map(([source, v]): [Record<string, string>, number] => [{ source }, v.apiCalls]), [{ source: 'salesforce-writeback' }, s.writebackApiCalls]]);
    m.metric('tidemark_last_run_unmatched', 'gauge', 'Records left unmatched by the last finished run', [[{}, s.unmatched]]);
    m.metric('tidemark_last_run_fields_written', 'gauge', 'Salesforce fields written by the last finished run', [[{}, s.fieldsWritten]]);
    m.metric('tidemark_last_run_write_failures', 'gauge', 'Accounts whose write failed in the last finished run', [[{}, s.writeFailures]]);
    m.metric('tidemark_last_run_succeeded', 'gauge', '1 when the last finished run succeeded', [[{}, s.status === 'succeeded' ? 1 : 0]]);
    m.metric('tidemark_last_run_duration_seconds', 'gauge', 'Duration of the last finished run', [[{}, (s.durationMs ?? 0) / 1000]]);
    m.metric('tidemark_stage_duration_seconds', 'gauge', 'Duration of each stage job in the last finished run', Object.entries(lastDone.counters).filter(([k]) => k.startsWith('ms.')).map(([k, v]) => [{ stage: k.slice(3) }, v / 1000]));
  }
  const failures = runs.reduce((n, r) => n + (r.counters.writeFailures ?? 0), 0);
  m.metric('tidemark_write_failures_recent', 'gauge', 'Write failures over the last 100 runs', [[{}, failures]]);
  const last = new Map<string, number>();
  for (const r of runs) if (r.status === 'succeeded' && r.finishedAt) for (const s of r.sources) if (!last.has(s)) last.set(s, Date.parse(r.finishedAt));
  m.metric('tidemark_seconds_since_last_successful_sync', 'gauge', 'Seconds since each source last synced successfully (absent: never)', SOURCES.filter((s) => last.has(s)).map((s) => [{ source: s }, Math.round((nowMs - (last.get(s) as number)) / 1000)]));
  const resolved: Array<[Record<string, string>, number]> = [];
  const unmatched: Array<[Record<string, string>, number]> = [];
  for (const kind of RESOLVED_KINDS) {
    if (kind === 'mixpanel.activity') continue;
    let ok = 0;
    let no = 0;
    for await (const batch of ctx.state.scanMatches(kind)) for (const [, match] of batch) if (match.a) ok += 1; else no += 1;
    resolved.push([{ kind }, ok]);
    unmatched.push([{ kind }, no]);
  }
  m.metric('tidemark_records_resolved', 'gauge', 'Records matched to an account, per kind', resolved);
  m.metric('tidemark_records_unmatched', 'gauge', 'Records with no account, per kind', unmatched);
  return `${m.out.join('\n')}\n`;
}
