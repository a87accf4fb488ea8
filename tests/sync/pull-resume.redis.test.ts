/**
 * Checkpoints record the run that saved them: a full run taken over after a crash resumes from
 * its own checkpoint; a new full run, and an incremental run, behave as before.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Checkpoint, Connector, Page } from '../../src/contracts/connector.ts';
import { fakeConnector } from '../helpers/fake-connector.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { pullSource } from '../../src/sync/pull.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('resume');
afterEach(async () => dropPrefix(redis, prefix));
afterAll(() => redis.disconnect());

interface Call {
  checkpoint: Checkpoint | null;
  full: boolean;
}

/** A stream of three pages; it fails after `failAfter` pages (a crash) and logs how it was called. */
function context(calls: Call[], failAfter: { pages: number }): SyncContext {
  const connector = fakeConnector('zendesk', [
    {
      name: 'users',
      kind: 'zendesk.user',
      async *pull(ctx): AsyncGenerator<Page<'zendesk.user'>> {
        calls.push({ checkpoint: ctx.checkpoint, full: ctx.full });
        const start = typeof ctx.checkpoint?.page === 'number' ? ctx.checkpoint.page : 0;
        for (let page = start + 1; page <= 3; page += 1) {
          if (failAfter.pages === 0) throw new Error('worker killed');
          failAfter.pages -= 1;
          yield { kind: 'zendesk.user', records: [], quarantined: [], checkpoint: { page }, apiCalls: 1 };
        }
      },
    },
  ]);
  return contextWith(connector);
}

/** The org's context with `connector` as its Zendesk source. */
function contextWith(connector: Connector<unknown>): SyncContext {
  return createSyncContext({
    redis,
    prefix,
    log: silentLogger(),
    now: () => new Date('2026-11-01T00:00:00Z'),
    sources: { zendesk: { connector, config: {} } },
    options: { successPlanLookbackDays: 90, writebackBatchSize: 200 },
  });
}

describe('a full pull that is taken over', () => {
  it('resumes from the checkpoint its own run saved', async () => {
    const calls: Call[] = [];
    const budget = { pages: 2 };
    const ctx = context(calls, budget);
    await expect(pullSource(ctx, 'run-a', 'zendesk', { full: true })).rejects.toThrow('worker killed');
    budget.pages = 10;
    const summary = await pullSource(ctx, 'run-a', 'zendesk', { full: true });
    expect(calls).toEqual([
      { checkpoint: null, full: true },
      { checkpoint: { page: 2 }, full: false },
    ]);
    expect(summary.apiCalls).toBe(1);
    expect(await ctx.checkpoints.get('zendesk', 'users')).toEqual({ page: 3 });
    expect(await ctx.checkpoints.savedBy('zendesk', 'users')).toBe('run-a');
  });

  it('starts over in a new full run, and continues in an incremental one', async () => {
    const calls: Call[] = [];
    const ctx = context(calls, { pages: 10 });
    await pullSource(ctx, 'run-a', 'zendesk', { full: true });
    await pullSource(ctx, 'run-b', 'zendesk', { full: true });
    await pullSource(ctx, 'run-c', 'zendesk', { full: false });
    expect(calls).toEqual([
      { checkpoint: null, full: true },
      { checkpoint: null, full: true },
      { checkpoint: { page: 3 }, full: false },
    ]);
  });

  it('skips a stream the run already read to its end when the pull is taken over in a later stream', async () => {
    const reads: string[] = [];
    let failSecond = true;
    const connector = fakeConnector('zendesk', [
      {
        name: 'organizations',
        kind: 'zendesk.organization',
        // Like Mixpanel engage: from its final checkpoint it repeats records (an overlap window).
        async *pull(pc): AsyncGenerator<Page<'zendesk.organization'>> {
          reads.push(`organizations from ${JSON.stringify(pc.checkpoint)}`);
          const org = { kind: 'zendesk.organization' as const, id: 'o1', name: 'O', domainNames: [], externalId: null, updatedAt: '2026-01-01T00:00:00Z' };
          yield { kind: 'zendesk.organization', records: [org], quarantined: [], checkpoint: { latest: 1 }, apiCalls: 1 };
        },
      },
      {
        name: 'users',
        kind: 'zendesk.user',
        async *pull(): AsyncGenerator<Page<'zendesk.user'>> {
          reads.push('users');
          if (failSecond) throw new Error('worker killed');
          yield { kind: 'zendesk.user', records: [], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
        },
      },
    ]);
    const ctx = contextWith(connector);
    const run = await ctx.runs.create({ sources: ['zendesk'], full: true, dryRun: false, trigger: 'test' }, new Date());
    await expect(pullSource(ctx, run.id, 'zendesk', { full: true })).rejects.toThrow('worker killed');
    failSecond = false;
    await pullSource(ctx, run.id, 'zendesk', { full: true });
    expect(reads).toEqual(['organizations from null', 'users', 'users']);
    expect((await ctx.runs.get(run.id))?.counters['records.zendesk']).toBe(1);
    // A new run reads it again.
    const next = await ctx.runs.create({ sources: ['zendesk'], full: false, dryRun: false, trigger: 'test' }, new Date());
    await pullSource(ctx, next.id, 'zendesk', { full: false });
    expect(reads.at(-2)).toBe('organizations from {"latest":1}');
  });

  it('does not read a stream again after its final page, even when the pull is cut off right after that page\'s checkpoint', async () => {
    const reads: string[] = [];
    let crash = true;
    const org = (id: string) => ({ kind: 'zendesk.organization' as const, id, name: id, domainNames: [], externalId: null, updatedAt: '2026-01-01T00:00:00Z' });
    const connector = fakeConnector('zendesk', [
      {
        name: 'organizations',
        kind: 'zendesk.organization',
        // Like a Salesforce lookback or an engage re-read: from its final checkpoint it repeats records.
        async *pull(pc): AsyncGenerator<Page<'zendesk.organization'>> {
          reads.push(`from ${JSON.stringify(pc.checkpoint)}`);
          if (pc.checkpoint === null) yield { kind: 'zendesk.organization', records: [org('o1')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
          yield { kind: 'zendesk.organization', records: [org('o2')], quarantined: [], checkpoint: { page: 2, complete: true }, apiCalls: 1, final: true };
          // The worker dies between the final checkpoint and the end of the stream.
          if (crash) throw new Error('worker killed');
        },
      },
    ]);
    const ctx = contextWith(connector);
    const run = await ctx.runs.create({ sources: ['zendesk'], full: true, dryRun: false, trigger: 'test' }, new Date());
    await expect(pullSource(ctx, run.id, 'zendesk', { full: true })).rejects.toThrow('worker killed');
    crash = false;
    await pullSource(ctx, run.id, 'zendesk', { full: true });
    expect(reads).toEqual(['from null']);
    expect((await ctx.runs.get(run.id))?.counters['records.zendesk']).toBe(2);
  });
});
