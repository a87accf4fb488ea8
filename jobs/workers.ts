/**
 * Thin workers: each parses its job data with zod and calls one src/ function. The runs queue
 * processes one run at a time per org (global concurrency 1): a run asked for during another
 * waits behind it.
 */
import { FlowProducer, Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { SourceId } from '../src/contracts/records.ts';
import { SOURCES } from '../src/contracts/records.ts';
import type { SyncContext } from '../src/sync/context.ts';
import { pullSource } from '../src/sync/pull.ts';
import { resolveRun } from '../src/sync/resolve.ts';
import { scoreRun } from '../src/sync/score.ts';
import { writebackRun } from '../src/sync/writeback.ts';
import { startRun, finishRun, opsAlertsOf } from '../src/sync/run.ts';
import { errorMessage } from '../src/contracts/errors.ts';
import { withErrorPolicy, type OutcomeListener, type ProgressProbe } from './error-policy.ts';
import { keyRingFromEnv, loadStoredSources } from '../src/sync/stored-credentials.ts';
import { CredentialStore } from '../src/api/credential-store.ts';
import { buildRunFlow } from './run-flow.ts';
import { mixpanelConfigSchema } from '../connectors/mixpanel/config.ts';
import {
  bullPrefix, pullQueueName, pullJobSchema, RESOLVE_QUEUE, RUNS_QUEUE, runJobSchema, SCORE_QUEUE, stageJobSchema, WRITEBACK_QUEUE, DEFAULT_JOB_OPTIONS,
} from './queues.ts';

/**
 * Parts of a split backfill one process pulls at once: its parts overlap their waits for the
 * source (and more processes take more parts).
 */
export const PARTITIONED_PULL_CONCURRENCY = 2;

/**
 * Pull jobs per source for a run: a Mixpanel backfill (a full sync, or a first one: no activities
 * checkpoint yet) is split into `backfillParts` jobs, which workers pull in parallel.
 */
export async function backfillParts(ctx: SyncContext, run: { sources: SourceId[]; full: boolean }): Promise<Partial<Record<SourceId, number>>> {
  const configured = ctx.sources.mixpanel;
  if (!configured || !run.sources.includes('mixpanel')) return {};
  const parsed = mixpanelConfigSchema.safeParse(configured.config);
  if (!parsed.success || parsed.data.backfillParts <= 1) return {};
  const backfill = run.full || (await ctx.checkpoints.get('mixpanel', 'activities')) === null;
  return backfill ? { mixpanel: parsed.data.backfillParts } : {};
}

/** How often a job may be found stalled (its worker died) and taken over before it fails. */
export const MAX_STALLS = 5;

export interface Workers {
  close(): Promise<void>;
}

export async function startWorkers(ctx: SyncContext, connection: ConnectionOptions, options: { concurrency?: number; lockDurationMs?: number; maxStalls?: number } = {}): Promise<Workers> {
  const prefix = bullPrefix(ctx.prefix);
  const queues = new Map<string, Queue>();
  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      queues.set(name, q);
    }
    return q;
  };
  const flows = new FlowProducer({ connection, prefix });
  const writebackEvents = new QueueEvents(WRITEBACK_QUEUE, { connection, prefix });
  await writebackEvents.waitUntilReady();
  await queue(RUNS_QUEUE).setGlobalConcurrency(1);

  // A source stopped by its credentials or settings, or paused by rate limits or budget, raises
  // an alert for RevOps; the next successful run of that source clears it.
  const alerts = opsAlertsOf(ctx);
  const onOutcome: OutcomeListener = async (queueName, outcome, err, waitMs) => {
    const source = queueName.startsWith('pull-') ? queueName.slice(5) : queueName === WRITEBACK_QUEUE ? 'salesforce' : null;
    if (!source || outcome === 'retry') return;
    if (outcome === 'unrecoverable') await alerts.raise(`source:${source}`, 'error', `${source} stopped: ${errorMessage(err)}`);
    else await alerts.raise(`source:${source}`, 'warning', `${source} paused for ${Math.ceil(waitMs / 1000)} s by ${queueName === WRITEBACK_QUEUE ? 'the API budget' : 'rate limits or the API budget'}: ${errorMessage(err)}`);
  };

  const workers: Worker[] = [];
  const add = <T>(name: string, processor: (job: Job<T>, signal?: AbortSignal) => Promise<unknown>, concurrency = 1, progressOf?: ProgressProbe<T>): Worker => {
    const worker = new Worker(name, withErrorPolicy(queue(name), ctx.log, processor, onOutcome, progressOf), {
      connection,
      prefix,
      concurrency,
      autorun: true,
      // A killed worker's job is taken over once its lock expires (stalled-job check at the same pace).
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.lockDurationMs ?? 30_000,
      // The run job waits for the whole flow, so every worker death on the way stalls it once.
      maxStalledCount: options.maxStalls ?? MAX_STALLS,
    });
    worker.on('error', (err) => ctx.log.error({ queue: name, err: errorMessage(err) }, 'worker error'));
    // A job whose lock could not be renewed (this process was stalled longer than the lock: GC,
    // a blocked event loop) may already run in another worker: its processor gets an abort
    // signal and stops at the next page or batch, so two workers never keep writing the same stage.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) {
        ctx.log.warn({ queue: name, jobId: id }, 'job lock lost: stopping this copy of the job');
        worker.cancelJob(id, 'job lock lost');
      }
    });
    workers.push(worker);
    return worker;
  };

  // Credentials an admin saved in the console reach workers in other processes through Redis.
  const ring = keyRingFromEnv();
  const credentials = ring ? new CredentialStore(ctx.redis, ctx.prefix, ring) : null;
  const fromEnvironment = new Set(Object.keys(ctx.sources) as SourceId[]);
  // Each process refreshes them before a stage that calls a source (stages may run on different workers).
  const refreshCredentials = async (): Promise<void> => {
    if (credentials) await loadStoredSources(ctx, credentials, fromEnvironment);
  };

  const runsWorker = add(RUNS_QUEUE, async (job: Job<unknown>) => {
    const data = runJobSchema.parse(job.data);
    await refreshCredentials();
    const run = await startRun(ctx, 'runId' in data ? data.runId : null, 'scheduled' in data ? data.scheduled.sources : null);
    // A scheduled run's job taken over after a crash continues the same run (same flow job ids).
    if (!('runId' in data)) await job.updateData({ runId: run.id });
    try {
      const flow = await flows.add(buildRunFlow(ctx.prefix, run, await backfillParts(ctx, run)));
      await flow.job.waitUntilFinished(writebackEvents);
      await finishRun(ctx, run.id, null);
    } catch (err) {
      await finishRun(ctx, run.id, err);
    }
    return { runId: run.id };
  });
  // A run job that failed outside its processor (stalled more than MAX_STALLS times: BullMQ fails
  // it in the next worker that takes it, and that worker emits 'failed') fails its run.
  runsWorker.on('failed', (job, err) => {
    const parsed = runJobSchema.safeParse(job?.data);
    if (!parsed.success || !('runId' in parsed.data)) return;
    const runId = parsed.data.runId;
    void ctx.runs
      .get(runId)
      .then((run) => (run && run.status !== 'succeeded' && run.status !== 'failed' ? finishRun(ctx, runId, err) : undefined))
      .catch((e: unknown) => ctx.log.error({ runId, err: errorMessage(e) }, 'could not mark the run failed'));
  });
  for (const source of SOURCES) {
    if (source === 'surveys') continue;
    add(pullQueueName(source), async (job: Job<unknown>, signal?: AbortSignal) => {
      const data = pullJobSchema.parse(job.data);
      await refreshCredentials();
      await ctx.runs.update(data.runId, { stage: 'pull' });
      return pullSource(ctx, data.runId, data.source as SourceId, { full: data.full, signal, part: data.part });
    }, source === 'mixpanel' ? PARTITIONED_PULL_CONCURRENCY : 1, async (job) => {
      // A pull's progress: the checkpoints its streams saved (a retry resumes from them).
      const parsed = pullJobSchema.safeParse(job.data);
      return parsed.success ? ctx.checkpoints.ofSource(parsed.data.source, parsed.data.part?.index) : '';
    });
  }
  add(RESOLVE_QUEUE, async (job: Job<unknown>) => resolveRun(ctx, stageJobSchema.parse(job.data).runId));
  add(SCORE_QUEUE, async (job: Job<unknown>, signal?: AbortSignal) => scoreRun(ctx, stageJobSchema.parse(job.data).runId, signal), options.concurrency ?? 1);
  add(WRITEBACK_QUEUE, async (job: Job<unknown>, signal?: AbortSignal) => {
    const data = stageJobSchema.parse(job.data);
    await refreshCredentials();
    return writebackRun(ctx, data.runId, { dryRun: data.dryRun, signal });
  });

  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await writebackEvents.close();
      await flows.close();
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
