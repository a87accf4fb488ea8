/**
 * `start`, `sandbox`, `worker`, `api`: the long-running commands. `start` with no source
 * credentials is the sandbox; with credentials it serves the configured real accounts.
 */
import { syncOptionsFromEnv } from '../../config/sync-options.ts';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { hasSourceCredentials, loadEnv, nowFrom, SECRET_SETTINGS, type Env } from '../../config/env.ts';
import { sourcesFromEnv } from '../../config/sources-from-env.ts';
import { createLogger, registerSecret, type Logger } from '../../logging/logger.ts';
import { startSandbox, sandboxStatePath } from '../../sandbox/sandbox.ts';
import { removeSandboxState } from '../../sandbox/state-file.ts';
import { startServices } from '../../runtime/services.ts';
import { ensureRedis } from '../../sandbox/redis-bootstrap.ts';
import { formatSummary, summarizeRun, waitForRun } from '../../sync/run.ts';
import { bullConnection } from '../../store/redis.ts';
import type { CliIO } from '../cli-context.ts';

function protectSecrets(env: Env): void {
  for (const name of SECRET_SETTINGS) registerSecret(env[name]);
}

/** Resolves when SIGINT or SIGTERM arrives, then runs the shutdown once. */
function untilSignal(log: Logger, shutdown: () => Promise<void>): Promise<number> {
  return new Promise((done) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down: finishing active jobs');
      shutdown()
        .then(() => done(0))
        .catch((err: unknown) => {
          log.error({ err: (err as Error).message }, 'shutdown failed');
          done(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export async function sandboxCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { dataset: { type: 'string' }, json: { type: 'boolean' } } });
  const env = loadEnv();
  protectSecrets(env);
  const log = createLogger({ level: env.LOG_LEVEL });
  const sandbox = await startSandbox({
    env,
    log,
    datasetDir: values.dataset,
    dataDir: resolve('.data'),
    ports: { api: env.TIDEMARK_PORT, salesforce: env.SANDBOX_SALESFORCE_PORT, zendesk: env.SANDBOX_ZENDESK_PORT, mixpanel: env.SANDBOX_MIXPANEL_PORT },
    writeStateFile: true,
    initialRun: true,
  });
  io.out(
    [
      'Tidemark sandbox is running.',
      `  admin API and console  ${sandbox.urls.api}   (admin token in ${sandboxStatePath()})`,
      `  Salesforce emulator    ${sandbox.urls.salesforce}   (client id "sandbox", secret "sandbox")`,
      `  Zendesk emulator       ${sandbox.urls.zendesk}   (sandbox@example.com/token, token "sandbox")`,
      `  Mixpanel emulator      ${sandbox.urls.mixpanel}   (service account "sandbox", secret "sandbox", project 1)`,
      `  Redis                  ${sandbox.redisUrl}  prefix ${sandbox.prefix}`,
      `  dataset                ${sandbox.datasetDir}`,
      `First full run ${sandbox.initialRunId ?? ''} started; from another shell: npm run tidemark -- sync --wait`,
    ].join('\n'),
  );
  if (sandbox.initialRunId) {
    const runId = sandbox.initialRunId;
    void waitForRun(sandbox.services.ctx, bullConnection(sandbox.redisUrl), runId)
      .then((run) => io.out(formatSummary(summarizeRun(run))))
      .catch((err: unknown) => log.error({ err: (err as Error).message }, 'initial run did not finish'));
  }
  return untilSignal(log, () => sandbox.close());
}

export async function startCommand(argv: string[], io: CliIO): Promise<number> {
  const env = loadEnv();
  if (!hasSourceCredentials(env)) return sandboxCommand(argv, io);
  return serveCommand(env, { api: true, workers: true, schedulers: true }, io);
}

export async function serveCommand(env: Env, roles: { api: boolean; workers: boolean; schedulers: boolean }, io: CliIO): Promise<number> {
  protectSecrets(env);
  const log = createLogger({ level: env.LOG_LEVEL });
  removeSandboxState();
  const redis = await ensureRedis(env.REDIS_URL, resolve('.data'));
  const services = await startServices({
    redisUrl: redis.url,
    prefix: env.TIDEMARK_PREFIX,
    sources: sourcesFromEnv(env),
    log,
    now: () => nowFrom(env),
    roles,
    port: env.TIDEMARK_PORT,
    defaultSchedule: env.TIDEMARK_SCHEDULE ?? 'every 1h',
    options: syncOptionsFromEnv(env),
    workerConcurrency: env.TIDEMARK_WORKER_CONCURRENCY,
    lockDurationMs: env.TIDEMARK_JOB_LOCK_MS,
    surveySecret: env.TIDEMARK_SURVEY_SECRET,
  });
  io.out(`Tidemark ${Object.entries(roles).filter(([, on]) => on).map(([r]) => r).join(' + ')} running${services.apiUrl ? ` at ${services.apiUrl}` : ''} (prefix ${env.TIDEMARK_PREFIX}, Redis ${redis.url})`);
  return untilSignal(log, async () => {
    await services.close();
    await redis.stop();
  });
}

export async function workerCommand(_argv: string[], io: CliIO): Promise<number> {
  return serveCommand(loadEnv(), { api: false, workers: true, schedulers: false }, io);
}

export async function apiCommand(_argv: string[], io: CliIO): Promise<number> {
  return serveCommand(loadEnv(), { api: true, workers: false, schedulers: true }, io);
}
