/**
 * A run's flow splits a Mixpanel backfill (a full sync, or a first one: no activities checkpoint
 * yet) into `backfillParts` pull jobs; an incremental run, another source and backfillParts 1 get
 * one job. Every pull job stays a child of resolve.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { FlowJob } from 'bullmq';
import { backfillParts } from '../../jobs/workers.ts';
import { buildRunFlow } from '../../jobs/run-flow.ts';
import { pullJobSchema } from '../../jobs/queues.ts';
import { mixpanelConnector } from '../../connectors/mixpanel/index.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  redis.disconnect();
});

function org(config: Record<string, unknown>): SyncContext {
  const prefix = uniquePrefix('flow-parts');
  prefixes.push(prefix);
  const mixpanel = { projectId: '1', serviceAccountUser: 'u', serviceAccountSecret: 's', ...config };
  return createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: { mixpanel: { connector: mixpanelConnector as never, config: mixpanel } }, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
}

/** The pull jobs of a flow (writeback <- score <- resolve <- pulls). */
const pullsOf = (flow: FlowJob): FlowJob[] => flow.children?.[0]?.children?.[0]?.children ?? [];

describe('pull jobs of a run', () => {
  it('split a Mixpanel backfill into backfillParts jobs, part 0 keeping the source\'s job id', async () => {
    const ctx = org({ backfillParts: 3 });
    const run = { id: 'r1', sources: ['salesforce', 'mixpanel'] as const, full: false, dryRun: false };
    // A first sync: no activities checkpoint yet.
    const parts = await backfillParts(ctx, { ...run, sources: [...run.sources] });
    expect(parts).toEqual({ mixpanel: 3 });
    const pulls = pullsOf(buildRunFlow(ctx.prefix, { ...run, sources: [...run.sources] }, parts));
    expect(pulls.map((p) => [p.queueName, p.opts?.jobId, pullJobSchema.parse(p.data).part ?? null])).toEqual([
      ['pull-salesforce', 'r1-pull-salesforce', null],
      ['pull-mixpanel', 'r1-pull-mixpanel', { index: 0, count: 3 }],
      ['pull-mixpanel', 'r1-pull-mixpanel-1', { index: 1, count: 3 }],
      ['pull-mixpanel', 'r1-pull-mixpanel-2', { index: 2, count: 3 }],
    ]);
    expect(pulls.every((p) => p.opts?.failParentOnFailure)).toBe(true);

    // Once the activities have a checkpoint, an incremental run reads on from it in one job; a full one splits again.
    await ctx.checkpoints.set('mixpanel', 'activities', { completeThrough: '2026-11-20' }, 'r1');
    expect(await backfillParts(ctx, { sources: ['mixpanel'], full: false })).toEqual({});
    expect(await backfillParts(ctx, { sources: ['mixpanel'], full: true })).toEqual({ mixpanel: 3 });
    expect(pullsOf(buildRunFlow(ctx.prefix, { id: 'r2', sources: ['mixpanel'], full: false, dryRun: false }, {})).map((p) => p.data)).toEqual([{ runId: 'r2', source: 'mixpanel', full: false }]);
  });

  it('stay one job with backfillParts 1 or without Mixpanel in the run', async () => {
    expect(await backfillParts(org({ backfillParts: 1 }), { sources: ['mixpanel'], full: true })).toEqual({});
    expect(await backfillParts(org({}), { sources: ['zendesk'], full: true })).toEqual({});
    expect(await backfillParts(org({}), { sources: ['mixpanel'], full: true })).toEqual({ mixpanel: 2 });
  });

  it('refuse part data that does not add up', () => {
    expect(pullJobSchema.safeParse({ runId: 'r', source: 'mixpanel', full: true, part: { index: 2, count: 2 } }).success).toBe(false);
  });
});
