/**
 * The admin API (JSON under /api: bearer tokens or the console session, roles, zod-validated,
 * OpenAPI at /api/openapi.json), the console under /, bull-board at /admin/queues, the survey
 * webhook, and the unauthenticated probes /healthz, /readyz and /metrics.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Queue, type ConnectionOptions } from 'bullmq';
import type { SyncContext } from '../sync/context.ts';
import { errorMessage } from '../contracts/errors.ts';
import { scrubSecrets } from '../logging/logger.ts';
import { RUNS_QUEUE, bullPrefix } from '../../jobs/queues.ts';
import { surveyWebhookRouter } from './survey-webhook.ts';
import { ApiRoutes } from './route-kit.ts';
import { AuditLog } from './audit-log.ts';
import { CredentialStore } from './credential-store.ts';
import { ephemeralKeyRing, parseKeyRing } from './secret-box.ts';
import { authenticate } from './auth.ts';
import { errorHandler } from './http-errors.ts';
import { renderMetrics } from './metrics.ts';
import { bullBoard, BULL_BOARD_PATH } from './bull-board.ts';
import type { ApiDeps } from './deps.ts';
import { connectorRoutes, loadStoredCredentials } from './routes/connectors.ts';
import { runLogRoutes } from './routes/runs-logs.ts';
import { identityRoutes } from './routes/identity.ts';
import { accountRoutes } from './routes/accounts.ts';
import { writebackRoutes } from './routes/writeback.ts';
import { alertRoutes } from './routes/alerts.ts';
import { consoleRouter } from '../console/console-router.ts';

export interface ApiAppOptions {
  surveySecret?: string;
  /** BullMQ connection (sync now, bull-board); default: the context's Redis. */
  connection?: ConnectionOptions;
  /** Key ring for credentials at rest; default TIDEMARK_SECRET_KEY, else a key for this process only. */
  secretKey?: string;
}

const closers = new WeakMap<express.Express, () => Promise<void>>();

/** Closes what the app opened (bull-board's queue connections). */
export async function closeApiApp(app: express.Express): Promise<void> {
  await closers.get(app)?.();
}

function connectionOf(ctx: SyncContext): ConnectionOptions {
  const o = ctx.redis.options;
  return { host: o.host, port: o.port, db: o.db, username: o.username, password: o.password, tls: o.tls, maxRetriesPerRequest: null };
}

export function createApiApp(ctx: SyncContext, options: ApiAppOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const keyText = options.secretKey ?? process.env.TIDEMARK_SECRET_KEY;
  const ring = keyText ? parseKeyRing(keyText) : ephemeralKeyRing();
  if (!keyText) ctx.log.warn('TIDEMARK_SECRET_KEY is not set: credentials entered in the console are sealed with a key that lives only as long as this process');
  const deps: ApiDeps = {
    ctx,
    connection: options.connection ?? connectionOf(ctx),
    audit: new AuditLog(ctx.redis, ctx.prefix),
    credentials: new CredentialStore(ctx.redis, ctx.prefix, ring),
  };
  const loaded = loadStoredCredentials(deps).catch((err: unknown) => ctx.log.warn({ err: scrubSecrets(errorMessage(err)) }, 'could not load stored credentials'));

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      if (req.path === '/healthz' || req.path === '/readyz') return;
      ctx.log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'http');
    });
    next();
  });

  // bull-board ships its own inline bootstrap; it gets helmet without a CSP, admins only.
  let board: ReturnType<typeof bullBoard> | null = null;
  closers.set(app, async () => {
    await board?.close();
    board = null;
  });
  app.use(BULL_BOARD_PATH, helmet({ contentSecurityPolicy: false }), authenticate(ctx.redis, ctx.prefix, 'admin'), (req, res, next) => {
    const origin = req.headers.origin;
    if (req.method !== 'GET' && origin && origin !== `${req.protocol}://${req.headers.host}`) {
      res.status(403).json({ error: 'forbidden', message: 'cross-origin request refused' });
      return;
    }
    board ??= bullBoard(ctx.prefix, deps.connection);
    board.router(req, res, next);
  });

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'default-src': ["'self'"], 'script-src': ["'self'"], 'style-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"], 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null },
      },
    }),
  );
  app.use(surveyWebhookRouter(ctx, options.surveySecret));
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await ctx.redis.ping();
      const queue = new Queue(RUNS_QUEUE, { connection: deps.connection, prefix: bullPrefix(ctx.prefix) });
      try {
        const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'failed');
        res.json({ status: 'ready', queues: { runs: counts } });
      } finally {
        await queue.close();
      }
    } catch (err) {
      res.status(503).json({ status: 'not ready', error: scrubSecrets(errorMessage(err)) });
    }
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type('text/plain; version=0.0.4').send(await renderMetrics(ctx));
    } catch (err) {
      next(err);
    }
  });

  const api = new ApiRoutes(ctx.redis, ctx.prefix);
  connectorRoutes(api, deps);
  runLogRoutes(api, deps);
  identityRoutes(api, deps);
  accountRoutes(api, deps);
  writebackRoutes(api, deps);
  alertRoutes(api, deps);
  api.add({ method: 'post', path: '/credentials/rotate', tag: 'connectors', role: 'admin', summary: 'Re-seal stored credentials with the newest key of TIDEMARK_SECRET_KEY' }, async ({ principal }) => {
    const rotated = await deps.credentials.rotate();
    await deps.audit.record({ at: new Date().toISOString(), actor: principal.actor, action: 'credentials.rotate', target: null, detail: `${rotated} re-sealed` });
    return { rotated };
  });
  const openapi = api.openapi({ title: 'Tidemark admin API', version: '1' });
  api.router.get('/openapi.json', authenticate(ctx.redis, ctx.prefix, 'viewer'), (_req, res) => {
    res.json(openapi);
  });
  app.use(
    '/api',
    async (_req, _res, next) => {
      await loaded;
      next();
    },
    api.router,
    (_req: Request, res: Response) => {
      res.status(404).json({ error: 'not found', message: 'no such API route: see /api/openapi.json' });
    },
  );
  app.use(consoleRouter(ctx));
  app.use(errorHandler(ctx.log));
  return app;
}
