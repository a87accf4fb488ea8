/**
 * A source's streams are pulled side by side (src/sync/pull.ts): one stream's wait is another's
 * work, every stream ends before the pull does, and the failure reported is the one that decides
 * the job's fate first (a setting to fix, then a limit to wait for, then a transient error).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Page } from '../../src/contracts/connector.ts';
import { ConfigError, RateLimitError, TransientError } from '../../src/contracts/errors.ts';
import type { ZendeskOrganization, ZendeskUser } from '../../src/contracts/records.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { pullSource } from '../../src/sync/pull.ts';
import { fakeConnector } from '../helpers/fake-connector.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('pull-streams');
afterEach(async () => dropPrefix(redis, prefix));
afterAll(() => redis.disconnect());

const user = (id: string): ZendeskUser => ({ kind: 'zendesk.user', id, name: null, email: `${id}@example.com`, organizationId: null, externalId: null, role: 'end-user', active: true, updatedAt: '2026-11-01T00:00:00Z' });
const org = (id: string): ZendeskOrganization => ({ kind: 'zendesk.organization', id, name: id, domainNames: [], externalId: null, updatedAt: '2026-11-01T00:00:00Z' });

function context(streams: Parameters<typeof fakeConnector>[1]): SyncContext {
  return createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date('2026-11-02T00:00:00Z'), sources: { zendesk: { connector: fakeConnector('zendesk', streams), config: {} } }, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
}

/** A promise and its resolver. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('the streams of a source', () => {
  it('are read side by side: a stream may wait for another one\'s page', async () => {
    const usersLanded = latch();
    const ctx = context([
      {
        name: 'organizations',
        kind: 'zendesk.organization',
        async *pull(): AsyncGenerator<Page<'zendesk.organization'>> {
          // Read one after the other, this stream would wait for ever: the users come after it.
          await usersLanded.promise;
          yield { kind: 'zendesk.organization', records: [org('o1')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
        },
      },
      {
        name: 'users',
        kind: 'zendesk.user',
        async *pull(): AsyncGenerator<Page<'zendesk.user'>> {
          yield { kind: 'zendesk.user', records: [user('u1')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
          usersLanded.open();
          yield { kind: 'zendesk.user', records: [user('u2')], quarantined: [], checkpoint: { page: 2 }, apiCalls: 1 };
        },
      },
    ]);
    const summary = await pullSource(ctx, 'run-1', 'zendesk', { full: true });
    expect(summary).toMatchObject({ records: 3, apiCalls: 3 });
    expect((await ctx.records.all('zendesk.organization')).map((o) => o.id)).toEqual(['o1']);
    expect(await ctx.checkpoints.get('zendesk', 'users')).toEqual({ page: 2 });
  });

  it('all end before the pull fails, which reports the failure that decides first', async () => {
    const rateLimited = latch();
    const ctx = context([
      {
        name: 'organizations',
        kind: 'zendesk.organization',
        async *pull(): AsyncGenerator<Page<'zendesk.organization'>> {
          yield { kind: 'zendesk.organization', records: [org('o1')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
          throw new TransientError('connection reset');
        },
      },
      {
        name: 'users',
        kind: 'zendesk.user',
        async *pull(): AsyncGenerator<Page<'zendesk.user'>> {
          yield { kind: 'zendesk.user', records: [user('u1')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
          rateLimited.open();
          throw new RateLimitError('zendesk', 30_000);
        },
      },
      {
        name: 'tickets',
        kind: 'zendesk.user',
        async *pull(): AsyncGenerator<Page<'zendesk.user'>> {
          // Still reading when the others have failed: it lands its page before the pull reports.
          await rateLimited.promise;
          yield { kind: 'zendesk.user', records: [user('u9')], quarantined: [], checkpoint: { page: 1 }, apiCalls: 1 };
        },
      },
    ]);
    await expect(pullSource(ctx, 'run-2', 'zendesk', { full: true })).rejects.toBeInstanceOf(RateLimitError);
    expect((await ctx.records.all('zendesk.user')).map((u) => u.id).sort()).toEqual(['u1', 'u9']);
    expect(await ctx.runs.streamDone('run-2', 'zendesk:tickets')).toBe(true);
    expect(await ctx.runs.streamDone('run-2', 'zendesk:users')).toBe(false);

    const config = context([
      { name: 'organizations', kind: 'zendesk.organization', async *pull(): AsyncGenerator<Page<'zendesk.organization'>> { yield* []; throw new RateLimitError('zendesk', 1000); } },
      { name: 'users', kind: 'zendesk.user', async *pull(): AsyncGenerator<Page<'zendesk.user'>> { yield* []; throw new ConfigError('ZENDESK_SUBDOMAIN is wrong'); } },
    ]);
    await expect(pullSource(config, 'run-3', 'zendesk', { full: true })).rejects.toBeInstanceOf(ConfigError);
  });
});
