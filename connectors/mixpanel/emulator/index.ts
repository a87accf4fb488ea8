/**
 * Mixpanel emulator (sandbox, tests, benchmarks): raw event export (JSON Lines, gzip) and engage
 * profile queries, with Mixpanel's auth (service account + project_id, or project secret), rate
 * limits and JSON errors. One server answers for the US, EU and IN hosts: the Host header the
 * client used is echoed in X-Sandbox-Host / X-Sandbox-Residency and counted at GET /__sandbox/hosts.
 */
import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Dataset } from '../../../src/sandbox/dataset.ts';
import { createEmulatorKit, createRng, type EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { engageHandler } from './engage.ts';
import { PLAN_ERROR_BODY, credentialOf, errorBody, mixpanelErrors, sendError } from './errors.ts';
import { indexEventsFile, type EventIndex } from './event-index.ts';
import { exportHandler, type TerminateEarly } from './export.ts';
import { CountingLimiter, MIXPANEL_LIMITS } from './limits.ts';
import { MixpanelStore, rawEventSchema, rawProfileSchema } from './store.ts';

export { MixpanelStore } from './store.ts';
export { MIXPANEL_LIMITS } from './limits.ts';
export { parseWhere, evaluateWhere, WhereError } from './where.ts';

export interface MixpanelEmulatorOptions {
  dataset: Dataset;
  seed?: number;
  /** 'relaxed' (default) or Mixpanel's real limits: export 60/hour and 3/s, query API 60/hour and 5 concurrent. */
  limits?: 'relaxed' | 'real';
  /** The project the service account may read (default 1). */
  projectId?: number;
  /** false: every API call answers 402 "Your plan does not allow API calls". */
  planAllowsApi?: boolean;
  /** The next `count` exports end after `afterLines` lines with the body line "terminated early". */
  terminateEarly?: { count: number; afterLines?: number };
  /** zlib level of gzip answers (default 6, zlib's). */
  gzipLevel?: number;
}

export interface MixpanelEmulator {
  app: Express;
  kit: EmulatorKit;
  store: MixpanelStore;
  /**
   * Indexes the dataset's events file by day now instead of on the first export (benchmarks call
   * it before they measure). Resolves with why the file is served line by line, or null.
   */
  indexEvents(): Promise<string | null>;
}

const optionsSchema = z.object({
  seed: z.number().int().optional(),
  limits: z.enum(['relaxed', 'real']).default('relaxed'),
  projectId: z.number().int().positive().default(1),
  planAllowsApi: z.boolean().default(true),
  terminateEarly: z.object({ count: z.number().int().nonnegative(), afterLines: z.number().int().nonnegative().default(0) }).optional(),
  gzipLevel: z.number().int().min(1).max(9).default(6),
});

const terminateBodySchema = z.object({ count: z.number().int().nonnegative().default(1), afterLines: z.number().int().nonnegative().default(0) });
const profilesBodySchema = z.union([rawProfileSchema, z.array(rawProfileSchema)]);

const RESIDENCY: Record<string, 'us' | 'eu' | 'in'> = {
  'data.mixpanel.com': 'us',
  'mixpanel.com': 'us',
  'api.mixpanel.com': 'us',
  'data-eu.mixpanel.com': 'eu',
  'eu.mixpanel.com': 'eu',
  'api-eu.mixpanel.com': 'eu',
  'data-in.mixpanel.com': 'in',
  'in.mixpanel.com': 'in',
  'api-in.mixpanel.com': 'in',
};

export function residencyOf(host: string): 'us' | 'eu' | 'in' {
  return RESIDENCY[host.replace(/:\d+$/, '').toLowerCase()] ?? 'us';
}

const RATE_DOC = 'For more information, please consult our documentation at https://help.mixpanel.com/hc/en-us/articles/115004602563-Rate-Limits-for-Export-API-Endpoints';

export function createMixpanelEmulator(options: MixpanelEmulatorOptions): MixpanelEmulator {
  const settings = optionsSchema.parse({
    seed: options.seed,
    limits: options.limits,
    projectId: options.projectId,
    planAllowsApi: options.planAllowsApi,
    terminateEarly: options.terminateEarly,
    gzipLevel: options.gzipLevel,
  });
  const kit = createEmulatorKit({ name: 'mixpanel', seed: settings.seed, errors: mixpanelErrors });
  const { app, clock } = kit;
  const now = (): number => clock.now();
  const store = new MixpanelStore(options.dataset.mixpanel.profiles);
  const terminateEarly: TerminateEarly = { count: settings.terminateEarly?.count ?? 0, afterLines: settings.terminateEarly?.afterLines ?? 0 };
  const random = createRng(settings.seed ?? 1);
  const nextSessionId = (): string => `${Math.floor(now() / 1000)}-${Math.floor(random() * 1e9).toString(36).toUpperCase()}`;
  const table = MIXPANEL_LIMITS[settings.limits];
  const hosts = new Map<string, Map<string, number>>();

  /** Residency headers and per-host counts, before anything can fail. */
  app.use((req, res, next) => {
    const host = req.headers.host ?? '';
    res.setHeader('X-Sandbox-Host', host);
    res.setHeader('X-Sandbox-Residency', residencyOf(host));
    if (!req.path.startsWith('/__sandbox')) {
      const byRoute = hosts.get(host) ?? new Map<string, number>();
      const key = `${req.method} ${req.path}`;
      byRoute.set(key, (byRoute.get(key) ?? 0) + 1);
      hosts.set(host, byRoute);
    }
    next();
  });

  /** Rate limits (window per hour and per second, concurrency) ahead of the kit's routes, so latency faults count as running queries. */
  const limiter = (label: string, perHour: number, perSecond: number | null, concurrent: number): RequestHandler => {
    const hour = new CountingLimiter(perHour, 3_600_000, now);
    const second = perSecond === null ? null : new CountingLimiter(perSecond, 1000, now);
    let running = 0;
    return (req: Request, res: Response, next: NextFunction) => {
      res.locals.statsLabel = `${req.method} ${label}`;
      const wait = running >= concurrent ? 1000 : (second?.take() ?? 0) || hour.take();
      if (wait > 0) {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(wait / 1000))));
        const message = `Query rate limit exceeded for project_id: ${settings.projectId}. ${running}/${concurrent} queries running concurrently and ${hour.count()}/${perHour} queries running in the last hour. ${RATE_DOC}`;
        res.status(429).type('application/json').send(JSON.stringify(errorBody(req, message)));
        return;
      }
      running += 1;
      let done = false;
      res.on('close', () => {
        if (!done) running -= 1;
        done = true;
      });
      next();
    };
  };
  app.use('/api/2.0/export', limiter('/api/2.0/export', table.exportPerHour, table.exportPerSecond, table.exportConcurrent));
  const queryLimiter = limiter('/api/query/engage', table.queryPerHour, null, table.queryConcurrent);
  app.use('/api/query/engage', queryLimiter);
  app.use('/api/2.0/engage', queryLimiter);

  const requireAuth: RequestHandler = (req, res, next) => {
    if (!settings.planAllowsApi) {
      res.status(402).type('application/json').send(JSON.stringify(PLAN_ERROR_BODY));
      return;
    }
    const credential = credentialOf(req);
    if (!credential) return sendError(req, res, 401, 'Unable to authenticate request');
    const projectId = typeof req.query.project_id === 'string' ? req.query.project_id : undefined;
    if (credential.kind === 'service-account') {
      if (projectId === undefined) return sendError(req, res, 400, "'project_id' is a required parameter when authenticating with a service account");
      if (projectId !== String(settings.projectId)) return sendError(req, res, 403, `service account is not a member of project ${projectId}`);
    } else if (projectId !== undefined && projectId !== String(settings.projectId)) {
      return sendError(req, res, 403, `project secret does not belong to project ${projectId}`);
    }
    next();
  };

  const eventsFile = options.dataset.mixpanel.eventsFile;
  let indexing: Promise<EventIndex> | null = null;
  const eventIndex = (): Promise<EventIndex | null> => {
    if (!eventsFile) return Promise.resolve(null);
    indexing ??= indexEventsFile(eventsFile).catch((err: unknown) => ({ ok: false as const, reason: (err as Error).message }));
    return indexing;
  };
  // Indexed from the start, in the background: a sandbox is up before its first sync, so the first
  // export does not wait for the whole file to be read (1M events: seconds of this process's CPU,
  // which the first Mixpanel pull of a sandbox used to wait for).
  void eventIndex();
  const exportRoute = exportHandler({ store, clock, eventsFile, terminateEarly, eventIndex, gzipLevel: settings.gzipLevel });
  kit.route('get', '/api/2.0/export{/}', 'GET /api/2.0/export', requireAuth, exportRoute);
  const form = express.urlencoded({ extended: false, limit: '1mb' });
  const engage = engageHandler(store, nextSessionId);
  kit.route('post', '/api/query/engage', 'POST /api/query/engage', form, requireAuth, engage);
  kit.route('get', '/api/2.0/engage{/}', 'GET /api/2.0/engage', requireAuth, engage);
  kit.route('post', '/api/2.0/engage{/}', 'POST /api/2.0/engage', form, requireAuth, engage);

  const json = express.json({ limit: '50mb' });
  app.get('/__sandbox/hosts', (_req, res) => {
    res.json({ hosts: Object.fromEntries([...hosts].map(([host, byRoute]) => [host, Object.fromEntries(byRoute)])) });
  });
  app.post('/__sandbox/events', json, (req, res) => {
    const parsed = z.array(rawEventSchema).safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'send a JSON array of raw events: {"event": name, "properties": {"time": unix seconds, "distinct_id": ...}}' });
      return;
    }
    store.appendEvents(parsed.data);
    res.status(201).json({ appended: parsed.data.length });
  });
  app.post('/__sandbox/profiles', json, (req, res) => {
    const parsed = profilesBodySchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'send one profile or an array of profiles: {"$distinct_id": ..., "$properties": {...}}' });
      return;
    }
    const profiles = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const raw: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    // As Mixpanel does for $set: $last_seen becomes the time of the update, unless the update
    // carries "$ignore_time": true (next to $distinct_id).
    const stamp = new Date(now()).toISOString().slice(0, 19);
    profiles.forEach((profile, i) => {
      const ignoreTime = (raw[i] as { $ignore_time?: unknown } | undefined)?.$ignore_time === true;
      store.upsertProfile(ignoreTime ? profile : { ...profile, $properties: { ...profile.$properties, $last_seen: stamp } });
    });
    res.status(201).json({ upserted: profiles.length });
  });
  app.post('/__sandbox/export/terminate-early', json, (req, res) => {
    const parsed = terminateBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: 'send {"count": n, "afterLines": m}' });
      return;
    }
    terminateEarly.count = parsed.data.count;
    terminateEarly.afterLines = parsed.data.afterLines;
    res.status(201).json(terminateEarly);
  });

  kit.finish();
  const indexEvents = async (): Promise<string | null> => {
    const index = await eventIndex();
    return index === null || index.ok ? null : index.reason;
  };
  return { app, kit, store, indexEvents };
}
