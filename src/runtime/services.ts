/**
 * Starts the long-running parts of a Tidemark process: the admin API, the workers and the job
 * schedulers, over one org's prefix. Used by `start` (real accounts), `sandbox`, `worker`, `api`.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { SourceId } from '../contracts/records.ts';
import { connectRedis, bullConnection } from '../store/redis.ts';
import { createSyncContext, type ConfiguredSource, type SyncContext } from '../sync/context.ts';
import { startWorkers, type Workers } from '../../jobs/workers.ts';
import { syncSchedulers } from '../../jobs/schedulers.ts';
import { createApiApp, closeApiApp } from '../api/app.ts';
import { listen, closeServer } from '../sandbox/emulator-kit/index.ts';
import type { SourceState } from '../store/state-store.ts';

export interface ServicesOptions {
  redisUrl: string;
  prefix: string;
  sources: Partial<Record<SourceId, ConfiguredSource>>;
  log: Logger;
  now: () => Date;
  roles: { api: boolean; workers: boolean; schedulers: boolean };
  port: number;
  defaultSchedule: string | null;
  options: SyncContext['options'];
  workerConcurrency?: number;
  lockDurationMs?: number;
  surveySecret?: string;
}

export interface Services {
  ctx: SyncContext;
  apiUrl: string | null;
  close(): Promise<void>;
}

/** Registers each configured source (enabled unless an admin paused it) and returns the states. */
export async function registerSources(ctx: SyncContext, defaultSchedule: string | null): Promise<Partial<Record<SourceId, SourceState>>> {
  const states: Partial<Record<SourceId, SourceState>> = {};
  for (const source of Object.keys(ctx.sources) as SourceId[]) {
    const existing = await ctx.state.getSource(source);
    const state: SourceState = existing ?? { enabled: true, schedule: source === 'surveys' ? null : defaultSchedule, tz: 'UTC' };
    await ctx.state.setSource(source, state);
    states[source] = state;
  }
  return states;
}

export async function startServices(o: ServicesOptions): Promise<Services> {
  const redis = connectRedis(o.redisUrl);
  redis.on('error', (err) => o.log.error({ err: err.message }, 'redis error'));
  const ctx = createSyncContext({ redis, prefix: o.prefix, log: o.log, now: o.now, sources: o.sources, options: o.options });
  const states = await registerSources(ctx, o.defaultSchedule);
  const connection = bullConnection(o.redisUrl);
  let workers: Workers | null = null;
  let server: Server | null = null;
  let apiUrl: string | null = null;
  let apiApp: ReturnType<typeof createApiApp> | null = null;
  if (o.roles.workers) workers = await startWorkers(ctx, connection, { concurrency: o.workerConcurrency, lockDurationMs: o.lockDurationMs });
  if (o.roles.schedulers) await syncSchedulers(o.prefix, connection, states);
  if (o.roles.api) {
    apiApp = createApiApp(ctx, { surveySecret: o.surveySecret, connection });
    const started = await listen(apiApp, o.port);
    server = started.server;
    apiUrl = started.url;
  }
  return {
    ctx,
    apiUrl,
    async close() {
      if (server) await closeServer(server);
      if (apiApp) await closeApiApp(apiApp);
      if (workers) await workers.close();
      redis.disconnect();
    },
  };
}
