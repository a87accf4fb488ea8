/**
 * The Salesforce emulator (sandbox, tests, benchmarks), in Salesforce's wire format: OAuth2 token
 * endpoint, REST query/queryAll/queryMore over a SOQL evaluator, describe, sObject Collections,
 * single-record routes, /limits with a decreasing daily budget and Sforce-Limit-Info, Bulk API 2.0
 * ingest, Salesforce's error arrays; test controls under /__sandbox.
 */
import express, { type ErrorRequestHandler, type Express } from 'express';
import { z } from 'zod';
import type { Dataset } from '../../../src/sandbox/dataset.ts';
import { createEmulatorKit, type EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { registerBulkIngest } from './bulk-ingest.ts';
import { DescribeRegistry } from './describe.ts';
import { salesforceErrors, sendError } from './errors.ts';
import { ApiBudget, registerIdentity, registerOAuth, restGuard, TokenRegistry } from './oauth.ts';
import { registerQueryRoutes } from './query-routes.ts';
import { registerRecordRoutes } from './record-routes.ts';
import { registerReplicationRoutes } from './replication-routes.ts';
import { describeSwitchSchema, registerSandboxRoutes } from './sandbox-routes.ts';
import { SalesforceStore } from './store.ts';
import type { RecordFault } from './writes.ts';

export { SalesforceStore } from './store.ts';
export { DescribeRegistry, type FieldDescribe } from './describe.ts';
export { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, ORG_ID, INTEGRATION_USER_ID, JWT_BEARER } from './oauth.ts';
export { toSalesforceDateTime } from './datetime.ts';

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 7200;
export const REAL_DAILY_API_REQUESTS = 15_000;
export const RELAXED_DAILY_API_REQUESTS = 1_000_000;

const bodyErrorSchema = z.object({ type: z.enum(['entity.parse.failed', 'entity.too.large']), message: z.string() });

const optionsSchema = z.object({
  seed: z.number().int().optional(),
  limits: z.enum(['relaxed', 'real']).default('relaxed'),
  tokenLifetimeSeconds: z.number().positive().default(DEFAULT_TOKEN_LIFETIME_SECONDS),
  dailyApiRequests: z.number().int().positive().optional(),
  describe: describeSwitchSchema.default({}),
});

export interface SalesforceEmulatorOptions {
  dataset: Dataset;
  seed?: number;
  /** 'relaxed' (default): 1,000,000 API requests a day; 'real': dailyApiRequests ?? 15,000. An explicit dailyApiRequests applies in both. */
  limits?: 'relaxed' | 'real';
  /** Access tokens expire after this many seconds on the emulator clock (default 7200). */
  tokenLifetimeSeconds?: number;
  dailyApiRequests?: number;
  /** "Object.Field" names to leave out of describe (missing) or to make not updateable (read-only). */
  describe?: { missingFields?: string[]; readOnlyFields?: string[] };
}

export interface SalesforceEmulator {
  app: Express;
  kit: EmulatorKit;
  store: SalesforceStore;
  describe: DescribeRegistry;
}

/** A body that does not parse gets Salesforce's JSON_PARSER_ERROR array instead of the kit's 500. */
const bodyErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  const parsed = bodyErrorSchema.safeParse(err);
  if (!parsed.success) return next(err);
  if (parsed.data.type === 'entity.too.large') return sendError(res, 413, 'Request body too large', 'REQUEST_TOO_LARGE');
  sendError(res, 400, `Unexpected character: ${parsed.data.message}`, 'JSON_PARSER_ERROR');
};

export function createSalesforceEmulator(options: SalesforceEmulatorOptions): SalesforceEmulator {
  const settings = optionsSchema.parse({
    seed: options.seed,
    limits: options.limits,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    dailyApiRequests: options.dailyApiRequests,
    describe: options.describe,
  });
  const kit = createEmulatorKit({ name: 'salesforce', seed: settings.seed, errors: salesforceErrors });
  const { app, clock } = kit;
  const store = new SalesforceStore(options.dataset.salesforce, options.dataset.manifest.generatedAt, () => clock.date());
  const describe = new DescribeRegistry(new Map(store.objectNames().map((o) => [o, store.getAll(o)])), settings.describe);
  const tokens = new TokenRegistry(clock, settings.tokenLifetimeSeconds * 1000);
  const budget = new ApiBudget(settings.dailyApiRequests ?? (settings.limits === 'real' ? REAL_DAILY_API_REQUESTS : RELAXED_DAILY_API_REQUESTS));
  const recordFaults: RecordFault[] = [];
  const guard = restGuard(tokens, budget);

  app.use('/services', express.urlencoded({ extended: false, limit: '1mb' }), express.json({ limit: '50mb' }));
  app.use('/services', bodyErrors);
  registerOAuth(kit, tokens);
  registerIdentity(kit, tokens);
  registerQueryRoutes(kit, guard, { store, describe, now: () => clock.now() });
  registerReplicationRoutes(kit, guard, { store, describe, generatedAt: options.dataset.manifest.generatedAt });
  registerRecordRoutes(kit, guard, { store, describe, budget, recordFaults });
  registerBulkIngest(kit, guard, { store, describe, recordFaults });
  registerSandboxRoutes(app, { store, describe, budget, recordFaults });

  kit.finish();
  return { app, kit, store, describe };
}
