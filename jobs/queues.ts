/** Queue names, job data schemas and default job options: BullMQ wiring only. */
import { z } from 'zod';
import type { DefaultJobOptions } from 'bullmq';
import { sourceIdSchema, type SourceId } from '../src/contracts/records.ts';

export const RUNS_QUEUE = 'runs';
export const RESOLVE_QUEUE = 'resolve';
export const SCORE_QUEUE = 'score';
export const WRITEBACK_QUEUE = 'writeback';
export const pullQueueName = (source: SourceId): string => `pull-${source}`;

/** BullMQ keys live under the org's prefix, so `reset` and the sandbox clear them too. */
export const bullPrefix = (prefix: string): string => `${prefix}:q`;

export const runJobSchema = z.union([
  z.object({ runId: z.string() }),
  z.object({ scheduled: z.object({ sources: z.array(sourceIdSchema).min(1) }) }),
]);
export const pullPartSchema = z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }).refine((p) => p.index < p.count, 'part index must be below the part count');
export const pullJobSchema = z.object({ runId: z.string(), source: sourceIdSchema, full: z.boolean(), part: pullPartSchema.optional() });
export const stageJobSchema = z.object({ runId: z.string(), dryRun: z.boolean().default(false) });

/** Bounded retention; transient failures retry with exponential backoff and jitter. */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};
