/**
 * A run is a BullMQ flow: the pull jobs are children of resolve, resolve of score, score of
 * write-back, so each stage starts only when the one before has finished (all pulls, CRM
 * data included, land before resolve). A failed child fails its parent.
 */
import type { FlowJob } from 'bullmq';
import type { SourceId } from '../src/contracts/records.ts';
import { bullPrefix, pullQueueName, RESOLVE_QUEUE, SCORE_QUEUE, WRITEBACK_QUEUE, DEFAULT_JOB_OPTIONS } from './queues.ts';

export function buildRunFlow(prefix: string, run: { id: string; sources: SourceId[]; full: boolean; dryRun: boolean }): FlowJob {
  const opts = { ...DEFAULT_JOB_OPTIONS, failParentOnFailure: true };
  const pulls: FlowJob[] = run.sources
    .filter((s) => s !== 'surveys')
    .map((source) => ({
      name: `pull:${source}`,
      queueName: pullQueueName(source),
      data: { runId: run.id, source, full: run.full },
      prefix: bullPrefix(prefix),
      opts: { ...opts, jobId: `${run.id}-pull-${source}` },
    }));
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
