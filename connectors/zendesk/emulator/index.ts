/**
 * Zendesk Support API emulator (sandbox, tests, benchmarks): incremental exports, show routes,
 * satisfaction ratings and the authenticated user, in Zendesk's wire format, with its auth,
 * rate limits and error bodies. Test-only write routes live under /__sandbox/records.
 */
import express from 'express';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { Dataset } from '../../../src/sandbox/dataset.ts';
import { createEmulatorKit, type EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { INCREMENTAL_RATE_LIMIT_BODY, RATE_LIMIT_TEXT, UNAUTHORIZED_BODY, isAuthenticated, sendJson, zendeskErrors } from './errors.ts';
import { cursorExport, timeExport } from './incremental.ts';
import { CountingLimiter, ZENDESK_LIMITS, type ZendeskLimitFamily } from './limits.ts';
import { ratingsFromTickets, satisfactionRatings, showRecord, usersMe } from './resources.ts';
import { ZendeskStore, zendeskResourceSchema, type ZendeskResource } from './store.ts';

export { ZendeskStore, ZENDESK_RESOURCES, type ZendeskResource } from './store.ts';
export { encodeCursor, decodeCursor } from './cursor.ts';
export { ZENDESK_LIMITS } from './limits.ts';
export { SANDBOX_EMAIL, SANDBOX_TOKEN } from './errors.ts';

const optionsSchema = z.object({
  seed: z.number().int().optional(),
  limits: z.enum(['relaxed', 'real']).default('relaxed'),
});

export interface ZendeskEmulatorOptions {
  dataset: Dataset;
  seed?: number;
  /** 'relaxed' (default): 600/min per export family; 'real': 10/min incremental exports, 20/min users cursor export. */
  limits?: 'relaxed' | 'real';
}

export interface ZendeskEmulator {
  app: Express;
  kit: EmulatorKit;
  store: ZendeskStore;
}

const writableResourceSchema = zendeskResourceSchema.extract(['organizations', 'users', 'tickets']);
const recordSchema = z.looseObject({ id: z.number().int().nonnegative() });
const recordsBodySchema = z.union([recordSchema, z.array(recordSchema)]);

export function createZendeskEmulator(options: ZendeskEmulatorOptions): ZendeskEmulator {
  const settings = optionsSchema.parse({ seed: options.seed, limits: options.limits });
  const kit = createEmulatorKit({ name: 'zendesk', seed: settings.seed, errors: zendeskErrors });
  const { app, clock } = kit;
  const now = (): number => clock.now();
  const store = new ZendeskStore(now, Date.parse(options.dataset.manifest.generatedAt));
  const { zendesk } = options.dataset;
  const seeds: Array<[ZendeskResource, Record<string, unknown>[], string]> = [
    ['organizations', zendesk.organizations, 'zendesk/organizations.jsonl'],
    ['users', zendesk.users, 'zendesk/users.jsonl'],
    ['tickets', zendesk.tickets, 'zendesk/tickets.jsonl'],
    ['satisfaction_ratings', zendesk.satisfactionRatings, 'zendesk/satisfaction_ratings.jsonl'],
  ];
  for (const [resource, records, file] of seeds) records.forEach((r, i) => store.load(resource, r, `${file} record ${i + 1}`));
  ratingsFromTickets(store).forEach((r, i) => store.load('satisfaction_ratings', r, `tickets.satisfaction_rating ${i + 1}`));

  const table = ZENDESK_LIMITS[settings.limits];
  const limiters: Record<ZendeskLimitFamily, CountingLimiter> = {
    api: new CountingLimiter(table.api, now),
    incremental: new CountingLimiter(table.incremental, now),
    'users-cursor': new CountingLimiter(table['users-cursor'], now),
  };

  const requireAuth: RequestHandler = (req, res, next) => {
    if (isAuthenticated(req)) next();
    else sendJson(res, 401, UNAUTHORIZED_BODY);
  };

  /** Account-wide limit on every call, plus the export family's own limit; Zendesk's headers on every answer. */
  const limit =
    (family: ZendeskLimitFamily): RequestHandler =>
    (_req, res, next) => {
      const account = limiters.api;
      const accountWait = account.take();
      const familyLimiter = family === 'api' ? null : limiters[family];
      const familyWait = accountWait === 0 && familyLimiter ? familyLimiter.take() : 0;
      res.setHeader('x-rate-limit', String(account.limit));
      res.setHeader('x-rate-limit-remaining', String(account.remaining()));
      res.setHeader('ratelimit-limit', String(account.limit));
      res.setHeader('ratelimit-remaining', String(account.remaining()));
      res.setHeader('ratelimit-reset', String(account.resetsInSeconds()));
      if (family === 'users-cursor' && familyLimiter) {
        res.setHeader(
          'Zendesk-RateLimit-incremental-exports-cursor',
          `total=${familyLimiter.limit}; remaining=${familyLimiter.remaining()}; resets=${familyLimiter.resetsInSeconds()}`,
        );
      }
      const wait = accountWait || familyWait;
      if (wait === 0) {
        next();
        return;
      }
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(wait / 1000))));
      if (accountWait > 0) res.status(429).type('text/plain').send(RATE_LIMIT_TEXT);
      else sendJson(res, 429, INCREMENTAL_RATE_LIMIT_BODY);
    };

  const deps = { store, clock };
  const get = (path: string, family: ZendeskLimitFamily, handler: RequestHandler, auth = true): void => {
    const handlers = auth ? [requireAuth, limit(family), handler] : [limit(family), handler];
    kit.route('get', `${path}{.json}`, `GET ${path}`, ...handlers);
  };
  get('/api/v2/incremental/tickets/cursor', 'incremental', cursorExport('tickets', deps));
  get('/api/v2/incremental/users/cursor', 'users-cursor', cursorExport('users', deps));
  get('/api/v2/incremental/organizations', 'incremental', timeExport('organizations', deps));
  get('/api/v2/incremental/tickets', 'incremental', timeExport('tickets', deps));
  get('/api/v2/incremental/users', 'incremental', timeExport('users', deps));
  get('/api/v2/satisfaction_ratings', 'api', satisfactionRatings(store));
  get('/api/v2/users/me', 'api', usersMe(), false);
  get('/api/v2/users/:id', 'api', showRecord('users', 'user', store));
  get('/api/v2/organizations/:id', 'api', showRecord('organizations', 'organization', store));
  get('/api/v2/tickets/:id', 'api', showRecord('tickets', 'ticket', store));

  const body = express.json({ limit: '50mb' });
  app.post('/__sandbox/records/:resource', body, (req, res) => {
    const resource = writableResourceSchema.safeParse(req.params.resource);
    if (!resource.success) {
      res.status(400).json({ error: 'resource must be organizations, users or tickets' });
      return;
    }
    const parsed = recordsBodySchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'send one record or an array of records, each with a numeric "id"' });
      return;
    }
    const records = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const saved = records.map((r) => store.upsert(resource.data, r));
    res.status(201).json({ [resource.data]: saved });
  });
  app.delete('/__sandbox/records/:resource/:id', (req, res) => {
    const resource = writableResourceSchema.safeParse(req.params.resource);
    const id = z.string().regex(/^\d+$/).safeParse(req.params.id);
    if (!resource.success || !id.success) {
      res.status(400).json({ error: 'use DELETE /__sandbox/records/{organizations|users|tickets}/{numeric id}' });
      return;
    }
    if (!store.remove(resource.data, Number(id.data))) {
      res.status(404).json({ error: `no ${resource.data} record ${id.data}` });
      return;
    }
    res.status(204).end();
  });

  kit.finish();
  return { app, kit, store };
}
