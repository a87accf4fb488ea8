/**
 * A run is a BullMQ flow: the pull jobs are children of resolve, resolve of score, score of
 * write-back, so each stage starts only when the one before has finished (all pulls, CRM
 * data included, land before resolve). A failed child fails its parent.
 */
import type { FlowJob } from 'bullmq';
import type { SourceId } from '../src/contracts/records.ts';
import { bullPrefix, pullQueueName, RESOLVE_QUEUE, SCORE_QUEUE, WRITEBACK_QUEUE, DEFAULT_JOB_OPTIONS } from './queues.ts';

/**
 * @param parts pull jobs per source for this run (a source whose backfill is split: its
 *   partitioned stream's days are shared out, part 0 the newest; src/sync/pull.ts). Default 1.
 */
export function buildRunFlow(prefix: string, run: { id: string; sources: SourceId[]; full: boolean; dryRun: boolean }, parts: Partial<Record<SourceId, number>> = {}): FlowJob {
  const opts = { ...DEFAULT_JOB_OPTIONS, failParentOnFailure: true };
  const pulls: FlowJob[] = run.sources
    .filter((s) => s !== 'surveys')
    .flatMap((source) => {
      const count = Math.max(1, parts[source] ?? 1);
      return Array.from({ length: count }, (_, index) => ({
        name: `pull:${source}`,
        queueName: pullQueueName(source),
        data: { runId: run.id, source, full: run.full, ...(count > 1 ? { part: { index, count } } : {}) },
        prefix: bullPrefix(prefix),
        opts: { ...opts, jobId: index === 0 ? `${run.id}-pull-${source}` : `${run.id}-pull-${source}-${index}` },
      }));
    });
  return {
    name: 'writeback',
    queueName: WRITEBACK_QUEUE,
    data: { runId: run.id, dryRun: run.dryRun },
    prefix: bullPrefix(prefix),
    opts: { ...DEFAULT_JOB_OPTIONS, jobId: `${run.id}-writeback` },
    children: [
      {
        name: 'score',
        queueName: SCORE_QUEUE,
        data: { runId: run.id, dryRun: run.dryRun },
        prefix: bullPrefix(prefix),
        opts: { ...opts, jobId: `${run.id}-score` },
        children: [
          {
            name: 'resolve',
            queueName: RESOLVE_QUEUE,
            data: { runId: run.id, dryRun: run.dryRun },
            prefix: bullPrefix(prefix),
            opts: { ...opts, jobId: `${run.id}-resolve` },
            children: pulls,
          },
        ],
      },
    ],
  };
}
