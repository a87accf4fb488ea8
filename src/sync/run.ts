/**
 * Run lifecycle: request (queued), start, finish, and the summary printed by `sync --wait`.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { SOURCES, type SourceId } from '../contracts/records.ts';
import { errorMessage } from '../contracts/errors.ts';
import type { RunMeta, RunRequest, RunView } from '../store/run-store.ts';
import type { SyncContext } from './context.ts';
import { OpsAlerts, evaluateRun, evaluateStaleness } from '../alerts/ops-alerts.ts';
import { RUNS_QUEUE, bullPrefix, DEFAULT_JOB_OPTIONS } from '../../jobs/queues.ts';

// Run and log timestamps are wall-clock times; ctx.now() is the scoring "now" (TIDEMARK_NOW may pin it).
export type RunStores = Pick<SyncContext, 'runs' | 'now' | 'state' | 'prefix'>;

/** Sources a run covers: the ones asked for, else every enabled source. */
export async function enabledSources(ctx: Pick<SyncContext, 'state'>, configured: readonly SourceId[]): Promise<SourceId[]> {
  const states = await ctx.state.allSources();
  return SOURCES.filter((s) => configured.includes(s) && states[s]?.enabled !== false);
}

export async function requestRun(ctx: RunStores, connection: ConnectionOptions, request: RunRequest): Promise<RunMeta> {
  const run = await ctx.runs.create(request, new Date());
  const queue = new Queue(RUNS_QUEUE, { connection, prefix: bullPrefix(ctx.prefix), defaultJobOptions: DEFAULT_JOB_OPTIONS });
  try {
    await queue.add('run', { runId: run.id }, { jobId: run.id, attempts: 1 });
  } finally {
    await queue.close();
  }
  return run;
}

/**
 * Waits until the run has finished (and so everything queued before it), reading its record every
 * `pollMs`. Not BullMQ's QueueEvents: closing its blocking XREAD connection took up to 1.7 s now and
 * then (measured in `sync --wait` right after a run), longer than most incremental runs; one read of
 * a small hash every 100 ms costs Redis nothing.
 */
export async function waitForRun(ctx: Pick<SyncContext, 'runs'>, runId: string, timeoutMs = 6 * 3600_000, pollMs = 100): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await ctx.runs.get(runId);
    if (!run) throw new Error(`run ${runId} not found`);
    if (run.status === 'succeeded' || run.status === 'failed') return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise<void>((resolve) => setTimeout(resolve, pollMs));
  }
}

export async function startRun(ctx: SyncContext, runId: string | null, scheduledSources: SourceId[] | null): Promise<RunMeta> {
  let id = runId;
  if (id === null) {
    const run = await ctx.runs.create({ sources: scheduledSources ?? [], full: false, dryRun: false, trigger: 'schedule' }, new Date());
    id = run.id;
  }
  // A run job taken over after its worker died finds the run running: its stage and start stay.
  const current = await ctx.runs.get(id);
  if (current?.status === 'running') return current;
  return ctx.runs.update(id, { status: 'running', stage: 'pull', startedAt: new Date().toISOString() });
}

export function opsAlertsOf(ctx: SyncContext): OpsAlerts {
  return new OpsAlerts(ctx.redis, ctx.prefix, { webhookUrl: ctx.options.alertWebhookUrl, log: ctx.log });
}

export const LAST_SUCCESS = (source: string): string => `last-success:${source}`;

export async function finishRun(ctx: SyncContext, runId: string, err: unknown): Promise<void> {
  const failed = err !== null && err !== undefined;
  const meta = await ctx.runs.update(runId, {
    status: failed ? 'failed' : 'succeeded',
    stage: 'done',
    finishedAt: new Date().toISOString(),
    error: failed ? errorMessage(err) : null,
  });
  if (failed) {
    await ctx.logs.append([{ runId, status: 'error', message: `run failed: ${errorMessage(err)}` }]);
    ctx.log.error({ runId, err: errorMessage(err) }, 'run failed');
  } else {
    ctx.log.info({ runId }, 'run finished');
    for (const source of meta.sources) await ctx.state.setSetting(LAST_SUCCESS(source), new Date().toISOString());
  }
  // Alerts for RevOps: one notification per change of state, plus one on recovery.
  const run = await ctx.runs.get(runId);
  const quarantined = Object.entries(run?.counters ?? {}).filter(([k]) => k.startsWith('quarantined.')).reduce((n, [, v]) => n + v, 0);
  const alerts = opsAlertsOf(ctx);
  await evaluateRun(alerts, { runId, failed, error: failed ? errorMessage(err) : null, sources: meta.sources, quarantined }, { rejectedThreshold: ctx.options.alertRejectedThreshold ?? 50 });
  const states = await ctx.state.allSources();
  const lastSuccess: Record<string, string | null> = {};
  for (const [source, state] of Object.entries(states)) if (state.enabled && source !== 'surveys') lastSuccess[source] = await ctx.state.getSetting(LAST_SUCCESS(source));
  await evaluateStaleness(alerts, lastSuccess, new Date(), ctx.options.alertStaleHours ?? 26);
}

export interface RunSummary {
  runId: string;
  status: RunView['status'];
  error: string | null;
  durationMs: number | null;
  sources: Record<string, { records: number; changed: number; quarantined: number; apiCalls: number }>;
  resolved: number;
  unmatched: number;
  accountsScored: number;
  accountsWritten: number;
  fieldsWritten: number;
  writeFailures: number;
  writebackApiCalls: number;
  apiCalls: number;
  /** The org's daily API requests left after the run, and Tidemark's remaining share (null when write-back did not read /limits). */
  budget: { max: number; remaining: number; tidemarkAllowance: number } | null;
  deferredWrites: number;
  /** What a dry run (or a paused write-back) would have written. */
  planned: { accounts: number; fields: number; apiCalls: number; bulkJobs: number } | null;
  dryRun: boolean;
}

export function summarizeRun(run: RunView): RunSummary {
  const c = run.counters;
  const sources: RunSummary['sources'] = {};
  for (const s of run.sources) {
    sources[s] = { records: c[`records.${s}`] ?? 0, changed: c[`changed.${s}`] ?? 0, quarantined: c[`quarantined.${s}`] ?? 0, apiCalls: c[`apiCalls.${s}`] ?? 0 };
  }
  const pullCalls = Object.values(sources).reduce((n, s) => n + s.apiCalls, 0);
  const started = run.startedAt ? Date.parse(run.startedAt) : NaN;
  const finished = run.finishedAt ? Date.parse(run.finishedAt) : NaN;
  return {
    runId: run.id,
    status: run.status,
    error: run.error,
    durationMs: Number.isNaN(started) || Number.isNaN(finished) ? null : finished - started,
    sources,
    resolved: c.resolved ?? 0,
    unmatched: c.unmatched ?? 0,
    accountsScored: c.accountsScored ?? 0,
    accountsWritten: c.accountsWritten ?? 0,
    fieldsWritten: c.fieldsWritten ?? 0,
    writeFailures: c.writeFailures ?? 0,
    writebackApiCalls: c['apiCalls.writeback'] ?? 0,
    apiCalls: pullCalls + (c['apiCalls.writeback'] ?? 0),
    budget: c['budget.max'] === undefined ? null : { max: c['budget.max'], remaining: c['budget.remaining'] ?? 0, tidemarkAllowance: c['budget.allowance'] ?? 0 },
    deferredWrites: c.deferredWrites ?? 0,
    planned: c.plannedWrites === undefined ? null : { accounts: c.plannedWrites, fields: c.plannedFields ?? 0, apiCalls: c.plannedApiCalls ?? 0, bulkJobs: c.plannedBulkJobs ?? 0 },
    dryRun: run.dryRun,
  };
}

export function formatSummary(s: RunSummary): string {
  const lines = [
    `${s.runId} ${s.status}${s.durationMs === null ? '' : ` in ${(s.durationMs / 1000).toFixed(1)} s`}${s.dryRun ? ' (dry run: nothing written)' : ''}`,
  ];
  for (const [source, v] of Object.entries(s.sources)) {
    lines.push(`  ${source}: ${v.records} records pulled (${v.changed} changed, ${v.quarantined} quarantined), ${v.apiCalls} API calls`);
  }
  lines.push(`  resolve: ${s.resolved} records matched to accounts, ${s.unmatched} unmatched`);
  lines.push(`  score: ${s.accountsScored} accounts scored`);
  lines.push(`  write-back: ${s.fieldsWritten} fields written on ${s.accountsWritten} accounts, ${s.writeFailures} failed, ${s.writebackApiCalls} API calls`);
  if (s.planned) lines.push(`  would write: ${s.planned.fields} fields on ${s.planned.accounts} accounts, about ${s.planned.apiCalls} API calls${s.planned.bulkJobs ? ' (one Bulk API job)' : ''}`);
  if (s.deferredWrites > 0) lines.push(`  deferred to the next run (API budget): ${s.deferredWrites} accounts`);
  lines.push(`  API calls in all: ${s.apiCalls}${s.budget ? `; Salesforce daily budget left ${s.budget.remaining} of ${s.budget.max} (Tidemark's share left ${s.budget.tidemarkAllowance})` : ''}`);
  if (s.error) lines.push(`  error: ${s.error}`);
  return lines.join('\n');
}
