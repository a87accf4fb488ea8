/** Connectors: list with status, credentials (sealed, never returned), test, enable/pause, schedule, sync now. */
import { z } from 'zod';
import { loadStoredSources } from '../../sync/stored-credentials.ts';
import { SOURCES, sourceIdSchema, type SourceId } from '../../contracts/records.ts';
import { CONNECTORS } from '../../registry.ts';
import { parseSchedule, syncSchedulers } from '../../../jobs/schedulers.ts';
import { requestRun } from '../../sync/run.ts';
import { registerSecret, scrubSecrets } from '../../logging/logger.ts';
import { errorMessage } from '../../contracts/errors.ts';
import type { SourceState } from '../../store/state-store.ts';
import { describeConfig, SECRET_FIELD } from '../credential-store.ts';
import { audit, type ApiDeps } from '../deps.ts';
import { HttpError, zodIssues } from '../http-errors.ts';
import type { ApiRoutes } from '../route-kit.ts';

const sourceParam = z.object({ id: sourceIdSchema });
const checkResult = z.object({ ok: z.boolean(), message: z.string() });
const runQueued = z.object({ runId: z.string(), status: z.string(), sources: z.array(z.string()) });

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const scheduleBody = z
  .object({
    schedule: z.string().max(100).nullable().describe('"every 30m", "every 1h", a cron pattern (5 or 6 fields), or null for manual only'),
    tz: z.string().max(64).default('UTC').refine(validTimeZone, 'not a known IANA time zone, e.g. "Europe/Paris" or "UTC"'),
  })
  .superRefine((v, ctx) => {
    if (v.schedule === null) return;
    try {
      parseSchedule(v.schedule, v.tz);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: errorMessage(err) });
    }
  });

function secretValues(config: unknown): void {
  if (typeof config !== 'object' || config === null) return;
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) if (SECRET_FIELD.test(k) && typeof v === 'string') registerSecret(v);
}

/** Loads sealed credentials into the running context (sources configured through the API). */
export async function loadStoredCredentials(deps: ApiDeps): Promise<void> {
  const configured = new Set(Object.keys(deps.ctx.sources) as SourceId[]);
  await loadStoredSources(deps.ctx, deps.credentials, configured);
}

/** The settings a connector takes, from its zod schema (for the console's form). */
export function configFields(id: SourceId): Array<{ name: string; type: string; required: boolean; secret: boolean }> {
  try {
    const js = z.toJSONSchema(CONNECTORS[id].configSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { type?: string }>; required?: string[] };
    return Object.entries(js.properties ?? {}).map(([name, prop]) => ({ name, type: typeof prop.type === 'string' ? prop.type : 'string', required: (js.required ?? []).includes(name), secret: SECRET_FIELD.test(name) }));
  } catch {
    return [];
  }
}

async function lastSuccess(deps: ApiDeps): Promise<Map<string, { runId: string; at: string }>> {
  const out = new Map<string, { runId: string; at: string }>();
  for (const run of await deps.ctx.runs.list(100)) {
    if (run.status !== 'succeeded' || !run.finishedAt) continue;
    for (const s of run.sources) if (!out.has(s)) out.set(s, { runId: run.id, at: run.finishedAt });
  }
  return out;
}

export async function connectorStatus(deps: ApiDeps) {
  const states = await deps.ctx.state.allSources();
  const checkpoints = await deps.ctx.checkpoints.all();
  const stored = new Set(await deps.credentials.sources());
  const last = await lastSuccess(deps);
  const running = (await deps.ctx.runs.list(10)).find((r) => r.status === 'running' || r.status === 'queued');
  return SOURCES.map((id) => {
    const configured = deps.ctx.sources[id];
    const state = states[id] ?? null;
    return {
      id,
      title: CONNECTORS[id].title,
      configured: Boolean(configured),
      credentialsStored: stored.has(id),
      credentials: describeConfig(configured?.config ?? null),
      configFields: configFields(id),
      enabled: state?.enabled ?? false,
      schedule: state?.schedule ?? null,
      tz: state?.tz ?? 'UTC',
      lastSuccessfulSync: last.get(id) ?? null,
      running: running && running.sources.includes(id) ? { runId: running.id, status: running.status, stage: running.stage } : null,
      checkpoints: Object.fromEntries(Object.entries(checkpoints).filter(([k]) => k.startsWith(`${id}:`))),
    };
  });
}

async function resync(deps: ApiDeps, states: Partial<Record<SourceId, SourceState>>): Promise<void> {
  await syncSchedulers(deps.ctx.prefix, deps.connection, states);
}

export function connectorRoutes(api: ApiRoutes, deps: ApiDeps): void {
  const { ctx } = deps;

  api.add({ method: 'get', path: '/connectors', tag: 'connectors', role: 'viewer', summary: 'Every connector: configured, enabled, schedule, last successful sync, running run, checkpoints (never credentials)' }, async () => ({
    connectors: await connectorStatus(deps),
  }));

  api.add(
    { method: 'put', path: '/connectors/:id/credentials', tag: 'connectors', role: 'admin', params: sourceParam, body: z.object({ config: z.record(z.string(), z.unknown()) }), summary: 'Set the credentials and settings of a source (sealed with AES-256-GCM, never returned)' },
    async ({ params, body, principal }) => {
      const connector = CONNECTORS[params.id];
      // Blank fields keep the current value, so a secret need not be typed again to change another field.
      const current = ctx.sources[params.id]?.config;
      const given = Object.fromEntries(Object.entries(body.config).filter(([, v]) => v !== '' && v !== null));
      const merged = typeof current === 'object' && current !== null ? { ...(current as Record<string, unknown>), ...given } : given;
      const parsed = connector.configSchema.safeParse(merged);
      if (!parsed.success) throw new HttpError(400, 'invalid credentials', `fix these ${params.id} settings: ${zodIssues(parsed.error).map((i) => `config.${i}`).join('; ')}`);
      secretValues(parsed.data);
      await deps.credentials.save(params.id, parsed.data);
      ctx.sources[params.id] = { connector, config: parsed.data };
      const existing = await ctx.state.getSource(params.id);
      if (!existing) await ctx.state.setSource(params.id, { enabled: true, schedule: null, tz: 'UTC' });
      await audit(deps, principal, 'credentials.set', params.id, `fields ${Object.keys(body.config).sort().join(', ')}`);
      return { id: params.id, configured: true, credentials: describeConfig(parsed.data) };
    },
  );

  api.add(
    { method: 'post', path: '/connectors/:id/test', tag: 'connectors', role: 'admin', params: sourceParam, body: z.object({ config: z.record(z.string(), z.unknown()).optional() }), response: checkResult, summary: 'Test the connection with the given or the stored settings' },
    async ({ params, body }) => {
      const connector = CONNECTORS[params.id];
      let config: unknown = ctx.sources[params.id]?.config;
      if (body.config) {
        const parsed = connector.configSchema.safeParse(body.config);
        if (!parsed.success) throw new HttpError(400, 'invalid credentials', `fix these ${params.id} settings: ${zodIssues(parsed.error).map((i) => `config.${i}`).join('; ')}`);
        secretValues(parsed.data);
        config = parsed.data;
      }
      if (config === undefined) throw new HttpError(409, 'not configured', `${params.id} has no credentials yet: set them first (PUT /api/connectors/${params.id}/credentials)`);
      try {
        const result = await connector.check(config, ctx.log.child({ source: params.id, op: 'check' }));
        return { ok: result.ok, message: scrubSecrets(result.message) };
      } catch (err) {
        return { ok: false, message: scrubSecrets(errorMessage(err)) };
      }
    },
  );

  api.add(
    { method: 'put', path: '/connectors/:id/enabled', tag: 'connectors', role: 'admin', params: sourceParam, body: z.object({ enabled: z.boolean() }), summary: 'Enable or pause the sync of a source' },
    async ({ params, body, principal }) => {
      if (body.enabled && !ctx.sources[params.id]) throw new HttpError(409, 'not configured', `${params.id} has no credentials yet: set them before enabling it`);
      const state = (await ctx.state.getSource(params.id)) ?? { enabled: false, schedule: null, tz: 'UTC' };
      const next = { ...state, enabled: body.enabled };
      await ctx.state.setSource(params.id, next);
      await resync(deps, await ctx.state.allSources());
      await audit(deps, principal, body.enabled ? 'connector.enable' : 'connector.pause', params.id, '');
      return { id: params.id, ...next };
    },
  );

  api.add(
    { method: 'put', path: '/connectors/:id/schedule', tag: 'connectors', role: 'admin', params: sourceParam, body: scheduleBody, summary: 'Set the schedule of a source, with its time zone (cron patterns run in that zone)' },
    async ({ params, body, principal }) => {
      if (params.id === 'surveys' && body.schedule !== null) throw new HttpError(400, 'invalid request', 'surveys arrive by webhook or import and have no schedule: send "schedule": null');
      const state = (await ctx.state.getSource(params.id)) ?? { enabled: false, schedule: null, tz: 'UTC' };
      const next = { ...state, schedule: body.schedule, tz: body.tz };
      await ctx.state.setSource(params.id, next);
      await resync(deps, await ctx.state.allSources());
      await audit(deps, principal, 'connector.schedule', params.id, `${body.schedule ?? 'manual only'} (${body.tz})`);
      return { id: params.id, ...next };
    },
  );

  const syncBody = z.object({ full: z.boolean().default(false) });
  for (const [path, forceFull] of [['/connectors/:id/sync', false], ['/connectors/:id/resync', true]] as const) {
    api.add(
      { method: 'post', path, tag: 'connectors', role: 'admin', params: sourceParam, body: syncBody, response: runQueued, status: 202, summary: forceFull ? 'Full re-sync of a source (ignores checkpoints)' : 'Sync a source now' },
      async ({ params, body, principal }) => {
        if (!ctx.sources[params.id]) throw new HttpError(409, 'not configured', `${params.id} has no credentials yet: set them first`);
        const state = await ctx.state.getSource(params.id);
        if (state && !state.enabled) throw new HttpError(409, 'paused', `${params.id} is paused: enable it first`);
        const run = await requestRun(ctx, deps.connection, { sources: [params.id], full: forceFull || body.full, dryRun: false, trigger: 'api' });
        await audit(deps, principal, forceFull || body.full ? 'sync.full' : 'sync.now', params.id, run.id);
        return { runId: run.id, status: run.status, sources: run.sources };
      },
    );
  }

  api.add(
    {
      method: 'post', path: '/runs', tag: 'runs', role: 'admin', status: 202, response: runQueued,
      body: z.object({ sources: z.array(sourceIdSchema).optional(), full: z.boolean().default(false), dryRun: z.boolean().default(false) }),
      summary: 'Ask for a run (all enabled sources by default); dryRun computes and logs what would be written and writes nothing',
    },
    async ({ body, principal }) => {
      const states = await ctx.state.allSources();
      const enabled = SOURCES.filter((s) => ctx.sources[s] && states[s]?.enabled !== false);
      const sources = body.sources ?? enabled;
      const off = sources.filter((s) => !enabled.includes(s));
      if (off.length > 0) throw new HttpError(409, 'not enabled', `${off.join(', ')} is not configured and enabled`);
      if (sources.length === 0) throw new HttpError(409, 'nothing to sync', 'no source is configured and enabled');
      const run = await requestRun(ctx, deps.connection, { sources, full: body.full, dryRun: body.dryRun, trigger: 'api' });
      await audit(deps, principal, body.dryRun ? 'sync.dry-run' : 'sync.now', sources.join(','), run.id);
      return { runId: run.id, status: run.status, sources: run.sources };
    },
  );
}
