/**
 * Sync contexts on the test Redis for tests of the stages: one unique key prefix per org, every
 * prefix dropped after each test, the connection closed after the file.
 */
import { afterAll, afterEach } from 'vitest';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { dropPrefix, testRedis, uniquePrefix } from './redis.ts';

export interface TestOrgOptions {
  now?: () => Date;
  options?: Partial<SyncContext['options']>;
  sources?: SyncContext['sources'];
  /** Register Mixpanel, Zendesk and surveys as enabled sources (their counts are then 0, not null). */
  enableSources?: boolean;
}

export function useTestOrgs(now: () => Date): { redis: ReturnType<typeof testRedis>; org(label: string, o?: TestOrgOptions): Promise<SyncContext> } {
  const redis = testRedis();
  const used: string[] = [];
  afterEach(async () => {
    for (const p of used.splice(0)) await dropPrefix(redis, p);
  });
  afterAll(() => redis.disconnect());
  return {
    redis,
    async org(label, o = {}) {
      const prefix = uniquePrefix(label);
      used.push(prefix);
      const ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: o.now ?? now, sources: o.sources ?? {}, options: { successPlanLookbackDays: 30, writebackBatchSize: 200, ...o.options } });
      if (o.enableSources) for (const source of ['mixpanel', 'zendesk', 'surveys']) await ctx.state.setSource(source, { enabled: true, schedule: null, tz: 'UTC' });
      return ctx;
    },
  };
}
