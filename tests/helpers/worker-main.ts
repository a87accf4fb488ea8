/**
 * A worker process for the crash tests: the real BullMQ workers (startServices, workers role only)
 * on the sandbox sources at the emulator URLs given as JSON in TIDEMARK_TEST_EMULATORS. The rest of
 * the environment is read as by `tidemark worker` (REDIS_URL, TIDEMARK_PREFIX, TIDEMARK_NOW,
 * TIDEMARK_JOB_LOCK_MS, TIDEMARK_WRITEBACK_BATCH, ...). Prints "ready" once the workers listen.
 * Started with spawnTs, so a SIGKILL sent to the child's PID kills this very process.
 */
import { z } from 'zod';
import { loadEnv, nowFrom } from '../../src/config/env.ts';
import { syncOptionsFromEnv } from '../../src/config/sync-options.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { startServices } from '../../src/runtime/services.ts';
import { sandboxSources } from '../../src/sandbox/sandbox.ts';

const urls = z
  .object({ salesforce: z.url(), zendesk: z.url(), mixpanel: z.url() })
  .parse(JSON.parse(process.env.TIDEMARK_TEST_EMULATORS ?? 'null'));
const env = loadEnv();
const sources = sandboxSources(urls);
// Small Zendesk pages when asked for (ZENDESK_PAGE_SIZE), so a pull has many checkpoints.
if (process.env.ZENDESK_PAGE_SIZE && sources.zendesk) sources.zendesk = { ...sources.zendesk, config: { ...(sources.zendesk.config as object), perPage: env.ZENDESK_PAGE_SIZE } };
const services = await startServices({
  redisUrl: env.REDIS_URL,
  prefix: env.TIDEMARK_PREFIX,
  sources,
  log: createLogger({ level: env.LOG_LEVEL }),
  now: () => nowFrom(env),
  roles: { api: false, workers: true, schedulers: false },
  port: 0,
  defaultSchedule: null,
  options: syncOptionsFromEnv(env),
  workerConcurrency: env.TIDEMARK_WORKER_CONCURRENCY,
  lockDurationMs: env.TIDEMARK_JOB_LOCK_MS,
});
process.stdout.write('ready\n');
const stop = (): void => {
  void services.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
