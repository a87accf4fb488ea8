import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { salesforceConfigSchema } from '../../connectors/salesforce/config.ts';
import { createSyncContext } from '../../src/sync/context.ts';
import { withMappedWriteFields } from '../../src/sync/pull.ts';
import { MAPPING_SETTING } from '../../src/writeback/mapping.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('mapping');
afterEach(async () => dropPrefix(redis, prefix));
afterAll(() => redis.disconnect());

describe('the Account pull follows the field mapping', () => {
  it('reads back the mapped fields write-back sends', async () => {
    const ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
    const config = salesforceConfigSchema.parse({ loginUrl: 'http://127.0.0.1:1', clientId: 'sandbox', clientSecret: 'sandbox' });
    expect(await withMappedWriteFields(ctx, config)).toBe(config);
    await ctx.state.setSetting(MAPPING_SETTING, JSON.stringify({ CS_Health_Score__c: 'Health_Score_2__c' }));
    const mapped = salesforceConfigSchema.parse(await withMappedWriteFields(ctx, config));
    expect(mapped.accountWriteFields).toContain('Health_Score_2__c');
    expect(mapped.accountWriteFields).toContain('CS_Health_Band__c');
  });
});
