/**
 * The sandbox: the whole product against the emulators. Loads (or generates) a dataset, starts
 * the emulators, Redis (the one at REDIS_URL or a private one), imports the dataset's survey
 * responses, starts the admin API, workers and schedulers under a prefix derived from the
 * dataset (cleared at start), then asks for one full run.
 */
import { syncOptionsFromEnv } from '../config/sync-options.ts';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Env } from '../config/env.ts';
import { nowFrom } from '../config/env.ts';
import { loadDataset } from './dataset.ts';
import { startEmulators, type EmulatorPorts, type RunningEmulators } from './emulators.ts';
import { ensureRedis, type RedisHandle } from './redis-bootstrap.ts';
import { writeSandboxState, removeSandboxState, sandboxStatePath } from './state-file.ts';
import { generateDataset, DEMO_DATASET } from './generator/index.ts';
import { connectRedis, clearPrefix, bullConnection } from '../store/redis.ts';
import { startServices, type Services } from '../runtime/services.ts';
import { CONNECTORS } from '../registry.ts';
import type { ConfiguredSource } from '../sync/context.ts';
import type { SourceId } from '../contracts/records.ts';
import { importSurveyText } from '../sync/survey-import.ts';
import { requestRun } from '../sync/run.ts';
import { createToken } from '../api/token-store.ts';
import { registerSecret } from '../logging/logger.ts';

export interface SandboxOptions {
  env: Env;
  log: Logger;
  /** A dataset directory; without one the built-in demo dataset is generated under dataDir. */
  datasetDir?: string;
  dataDir: string;
  ports: EmulatorPorts & { api: number };
  /** Overrides the prefix derived from the dataset (tests). */
  prefix?: string;
  /** Write .data/sandbox.json (the CLI reads it). */
  writeStateFile: boolean;
  /** Ask for one full run once everything is up. */
  initialRun: boolean;
  schedule?: string | null;
  /** Run the BullMQ workers in this process (default true); false leaves the jobs to `worker` processes sharing the Redis. */
  workers?: boolean;
}

export interface Sandbox {
  prefix: string;
  redisUrl: string;
  urls: { api: string; salesforce: string; zendesk: string; mixpanel: string };
  emulators: RunningEmulators;
  services: Services;
  datasetDir: string;
  initialRunId: string | null;
  adminToken: string;
  surveySecret: string;
  close(): Promise<void>;
}

export function sandboxPrefix(base: string, datasetDir: string, name: string): string {
  const digest = createHash('sha256').update(`${resolve(datasetDir)}\n${name}`).digest('hex').slice(0, 10);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'dataset';
  return `${base}:sandbox:${slug}-${digest}`;
}

/** Connector settings pointing at the emulators with the documented sandbox credentials. */
export function sandboxSources(urls: RunningEmulators['urls']): Partial<Record<SourceId, ConfiguredSource>> {
  const configs: Record<SourceId, unknown> = {
    salesforce: { loginUrl: urls.salesforce, authFlow: 'client-credentials', clientId: 'sandbox', clientSecret: 'sandbox', apiVersion: '62.0' },
    zendesk: { baseUrl: urls.zendesk, email: 'sandbox@example.com', apiToken: 'sandbox' },
    mixpanel: { projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', region: 'us', exportBaseUrl: urls.mixpanel, queryBaseUrl: urls.mixpanel },
    surveys: {},
  };
  const out: Partial<Record<SourceId, ConfiguredSource>> = {};
  for (const source of Object.keys(configs) as SourceId[]) {
    const connector = CONNECTORS[source];
    out[source] = { connector, config: connector.configSchema.parse(configs[source]) };
  }
  return out;
}

export async function startSandbox(o: SandboxOptions): Promise<Sandbox> {
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    let datasetDir = o.datasetDir ? resolve(o.datasetDir) : resolve(join(o.dataDir, 'demo-dataset'));
    if (!o.datasetDir) {
      await generateDataset({ ...DEMO_DATASET, out: datasetDir, now: nowFrom(o.env) });
    } else if (!existsSync(join(datasetDir, 'manifest.json'))) {
      throw new Error(`${datasetDir} is not a dataset: it has no manifest.json (see docs/sandbox.md for the format)`);
    }
    datasetDir = resolve(datasetDir);
    const dataset = await loadDataset(datasetDir);

    const emulators = await startEmulators(dataset, o.ports, { limits: o.env.SANDBOX_LIMITS, seed: o.env.SANDBOX_SEED });
    cleanups.push(() => emulators.close());

    const redisHandle: RedisHandle = await ensureRedis(o.env.REDIS_URL, o.dataDir);
    cleanups.push(() => redisHandle.stop());
    const prefix = o.prefix ?? sandboxPrefix(o.env.TIDEMARK_PREFIX, datasetDir, dataset.manifest.name);

    const admin = connectRedis(redisHandle.url);
    cleanups.push(async () => {
      admin.disconnect();
    });
    await clearPrefix(admin, prefix);
    const token = await createToken(admin, prefix, 'admin');
    registerSecret(token.token);

    const surveySecret = o.env.TIDEMARK_SURVEY_SECRET ?? randomBytes(24).toString('hex');
    registerSecret(surveySecret);
    const sources = sandboxSources(emulators.urls);
    const services = await startServices({
      redisUrl: redisHandle.url,
      prefix,
      sources,
      log: o.log,
      now: () => nowFrom(o.env),
      roles: { api: true, workers: o.workers ?? true, schedulers: true },
      port: o.ports.api,
      defaultSchedule: o.schedule === undefined ? 'every 1h' : o.schedule,
      options: syncOptionsFromEnv(o.env),
      workerConcurrency: o.env.TIDEMARK_WORKER_CONCURRENCY,
      surveySecret,
    });
    cleanups.push(() => services.close());

    if (dataset.surveys.responsesFile) {
      const result = await importSurveyText(services.ctx, readFileSync(dataset.surveys.responsesFile, 'utf8'), 'jsonl', undefined, 'surveys/responses.jsonl');
      o.log.info({ imported: result.imported, rejected: result.rejected.length }, 'sandbox survey responses imported');
    }

    const urls = { api: services.apiUrl ?? '', ...emulators.urls };
    if (o.writeStateFile) {
      writeSandboxState({ redisUrl: redisHandle.url, prefix, adminToken: token.token, surveySecret, pid: process.pid, startedAt: new Date().toISOString(), dataset: datasetDir, urls });
      cleanups.push(async () => removeSandboxState());
    }
    let initialRunId: string | null = null;
    if (o.initialRun) {
      const run = await requestRun(services.ctx, bullConnection(redisHandle.url), { sources: ['salesforce', 'zendesk', 'mixpanel', 'surveys'], full: true, dryRun: false, trigger: 'sandbox' });
      initialRunId = run.id;
    }
    return { prefix, redisUrl: redisHandle.url, urls, emulators, services, datasetDir, initialRunId, adminToken: token.token, surveySecret, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

export { sandboxStatePath };
