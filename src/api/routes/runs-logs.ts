/** Runs (list, detail with per-stage counts, API calls, duration, errors), record-level logs and the audit log. */
import { z } from 'zod';
import { summarizeRun } from '../../sync/run.ts';
import { LOG_STATUSES } from '../../store/log-store.ts';
import { idParam, idSchema, type ApiDeps } from '../deps.ts';
import { notFound } from '../http-errors.ts';
import type { ApiRoutes } from '../route-kit.ts';

const logQuery = z.object({
  run: idSchema.optional(),
  source: z.string().max(32).optional(),
  account: z.string().max(64).optional(),
  record: z.string().max(200).optional(),
  status: z.enum(LOG_STATUSES).optional(),
  reason: z.string().max(100).optional().describe('an unmatched or quarantine reason (matched in the message)'),
  search: z.string().max(200).optional().describe('text searched in the messages, case-insensitive'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function runLogRoutes(api: ApiRoutes, deps: ApiDeps): void {
  const { ctx } = deps;
  api.add(
    { method: 'get', path: '/runs', tag: 'runs', role: 'viewer', query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }), summary: 'Runs, newest first, with their summary' },
    async ({ query }) => ({ runs: (await ctx.runs.list(query.limit)).map((r) => ({ ...summarizeRun(r), stage: r.stage, trigger: r.trigger, full: r.full, requestedAt: r.requestedAt, startedAt: r.startedAt, finishedAt: r.finishedAt, sourcesAsked: r.sources })) }),
  );
  api.add({ method: 'get', path: '/runs/:id', tag: 'runs', role: 'viewer', params: idParam, summary: 'One run: stage, per-stage counts and durations, API calls, errors' }, async ({ params }) => {
    const run = await ctx.runs.get(params.id);
    if (!run) throw notFound(`run ${params.id}`);
    const stageMs = Object.fromEntries(Object.entries(run.counters).filter(([k]) => k.startsWith('ms.')).map(([k, v]) => [k.slice(3), v]));
    const errors = await ctx.logs.query({ runId: run.id, status: 'failed', limit: 50 });
    const runErrors = await ctx.logs.query({ runId: run.id, status: 'error', limit: 20 });
    return { run, summary: summarizeRun(run), stageMs, errors: [...runErrors, ...errors] };
  });
  api.add({ method: 'get', path: '/logs', tag: 'logs', role: 'viewer', query: logQuery, summary: 'Record-level sync logs, newest first, filtered' }, async ({ query }) => {
    const needle = query.reason?.toLowerCase();
    const logs = await ctx.logs.query({ runId: query.run, accountId: query.account, source: query.source, recordId: query.record, status: query.status, search: query.search, limit: needle ? 10_000 : query.limit });
    return { logs: (needle ? logs.filter((l) => l.message.toLowerCase().includes(needle)) : logs).slice(0, query.limit) };
  });
  api.add({ method: 'get', path: '/audit', tag: 'audit', role: 'viewer', query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }), summary: 'Admin actions (credentials, mapping, model, schedule, rules, write-back), newest first' }, async ({ query }) => ({
    audit: await deps.audit.list(query.limit),
  }));
}
