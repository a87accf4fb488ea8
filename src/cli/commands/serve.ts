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
import { z } from 'zod';
import { startSandbox, sandboxSources, sandboxStatePath } from '../../sandbox/sandbox.ts';
import { readSandboxState, removeSandboxState, type SandboxState } from '../../sandbox/state-file.ts';
import { startServices } from '../../runtime/services.ts';
import { exitWithParent, startWorkerProcesses } from '../../sandbox/worker-processes.ts';
import { ConfigError } from '../../contracts/errors.ts';
import { ensureRedis } from '../../sandbox/redis-bootstrap.ts';
import { formatSummary, summarizeRun, waitForRun } from '../../sync/run.ts';
import { UsageError, type CliIO } from '../cli-context.ts';
import type { SourceId } from '../../contracts/records.ts';
import type { ConfiguredSource } from '../../sync/context.ts';

const sandboxUrlsSchema = z.object({ salesforce: z.string(), zendesk: z.string(), mixpanel: z.string() });

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
  const { values } = parseArgs({
    args: argv,
    options: { dataset: { type: 'string' }, workers: { type: 'string', default: '1' }, 'no-run': { type: 'boolean', default: false }, schedule: { type: 'string' }, json: { type: 'boolean' } },
  });
  const inProcess = values.workers === 'in-process';
  const workerProcesses = inProcess ? 0 : Number(values.workers);
  if (!inProcess && !(/^\d+$/.test(values.workers) && workerProcesses <= 8)) {
    throw new UsageError('--workers must be a number of worker processes from 0 to 8 (default 1; 0: none, start `worker` processes yourself) or "in-process" (workers inside the sandbox process)');
  }
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
    initialRun: !values['no-run'],
    // "none": no job schedulers (benchmarks and scripted runs ask for every run themselves).
    ...(values.schedule === undefined ? {} : { schedule: values.schedule === 'none' ? null : values.schedule }),
    workers: inProcess,
  });
  const children = workerProcesses > 0 ? startWorkerProcesses(workerProcesses, log) : null;
  io.out(
    [
      'Tidemark sandbox is running.',
      `  admin API and console  ${sandbox.urls.api}   (admin token in ${sandboxStatePath()})`,
      `  Salesforce emulator    ${sandbox.urls.salesforce}   (client id "sandbox", secret "sandbox")`,
      `  Zendesk emulator       ${sandbox.urls.zendesk}   (sandbox@example.com/token, token "sandbox")`,
      `  Mixpanel emulator      ${sandbox.urls.mixpanel}   (service account "sandbox", secret "sandbox", project 1)`,
      `  Redis                  ${sandbox.redisUrl}  prefix ${sandbox.prefix}`,
      `  dataset                ${sandbox.datasetDir}`,
      sandbox.initialRunId ? `First full run ${sandbox.initialRunId} started; from another shell: npm run tidemark -- sync --wait` : 'No run asked for (--no-run); from another shell: npm run tidemark -- sync --full --wait',
      inProcess
        ? '  workers                in this process (--workers in-process)'
        : workerProcesses > 0
          ? `  workers                ${workerProcesses} process${workerProcesses === 1 ? '' : 'es'} (pid ${children?.pids.join(', ')}); more with npm run tidemark -- worker`
          : '  workers                none (--workers 0): start them with npm run tidemark -- worker (each joins this sandbox)',
    ].join('\n'),
  );
  if (sandbox.initialRunId) {
    const runId = sandbox.initialRunId;
    void waitForRun(sandbox.services.ctx, runId)
      .then((run) => io.out(formatSummary(summarizeRun(run))))
      .catch((err: unknown) => log.error({ err: (err as Error).message }, 'initial run did not finish'));
  }
  return untilSignal(log, async () => {
    await children?.close();
    await sandbox.close();
  });
}

export async function startCommand(argv: string[], io: CliIO): Promise<number> {
  const env = loadEnv();
  if (!hasSourceCredentials(env)) return sandboxCommand(argv, io);
  return serveCommand(env, { api: true, workers: true, schedulers: true }, io);
}

/** A running sandbox that workers join instead of the environment's Redis, prefix and sources. */
interface JoinedSandbox {
  redisUrl: string;
  prefix: string;
  sources: Partial<Record<SourceId, ConfiguredSource>>;
}

export async function serveCommand(env: Env, roles: { api: boolean; workers: boolean; schedulers: boolean }, io: CliIO, sandbox?: JoinedSandbox): Promise<number> {
  protectSecrets(env);
  const log = createLogger({ level: env.LOG_LEVEL });
  if (!sandbox) removeSandboxState();
  const redis = await ensureRedis(sandbox?.redisUrl ?? env.REDIS_URL, resolve('.data'));
  const prefix = sandbox?.prefix ?? env.TIDEMARK_PREFIX;
  const services = await startServices({
    redisUrl: redis.url,
    prefix,
    sources: sandbox?.sources ?? sourcesFromEnv(env),
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
  io.out(`Tidemark ${Object.entries(roles).filter(([, on]) => on).map(([r]) => r).join(' + ')} running${services.apiUrl ? ` at ${services.apiUrl}` : ''}${sandbox ? ' for the running sandbox' : ''} (prefix ${prefix}, Redis ${redis.url})`);
  return untilSignal(log, async () => {
    await services.close();
    await redis.stop();
  });
}

/** A sandbox that is running (its state file names a live process), or null. */
function runningSandbox(): SandboxState | null {
  const state = readSandboxState();
  if (!state) return null;
  try {
    process.kill(state.pid, 0);
    return state;
  } catch {
    return null;
  }
}

/**
 * `worker`: workers only. With no source credentials and no explicit TIDEMARK_PREFIX while a
 * sandbox runs (its .data/sandbox.json), the worker joins that sandbox: its Redis, prefix and
 * emulators; so `sandbox --workers 0` plus N `worker` processes scales the sandbox out.
 */
export async function workerCommand(argv: string[], io: CliIO): Promise<number> {
  // --join-sandbox (the sandbox's own worker processes): join it whatever the environment says, and stop with it.
  const { values } = parseArgs({ args: argv, options: { 'join-sandbox': { type: 'boolean', default: false }, json: { type: 'boolean' } } });
  const env = loadEnv();
  const force = values['join-sandbox'];
  const sandbox = force || (!hasSourceCredentials(env) && !process.env.TIDEMARK_PREFIX) ? runningSandbox() : null;
  if (force && !sandbox) throw new ConfigError(`--join-sandbox: no running sandbox in ${process.cwd()} (${sandboxStatePath()} is missing or names a process that is gone)`);
  if (force) {
    process.channel?.unref();
    exitWithParent(() => process.kill(process.pid, 'SIGTERM'));
  }
  const joined = sandbox ? { redisUrl: sandbox.redisUrl, prefix: sandbox.prefix, sources: sandboxSources(sandboxUrlsSchema.parse(sandbox.urls)) } : undefined;
  return serveCommand(env, { api: false, workers: true, schedulers: false }, io, joined);
}

export async function apiCommand(_argv: string[], io: CliIO): Promise<number> {
  return serveCommand(loadEnv(), { api: true, workers: false, schedulers: true }, io);
}
