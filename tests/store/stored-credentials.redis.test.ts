/** Credentials saved through the console reach every process that shares TIDEMARK_SECRET_KEY. */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src/api/credential-store.ts';
import { parseKeyRing } from '../../src/api/secret-box.ts';
import { createSyncContext } from '../../src/sync/context.ts';
import { loadStoredSources } from '../../src/sync/stored-credentials.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { CONNECTORS } from '../../src/registry.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('creds');
afterEach(async () => dropPrefix(redis, prefix));
afterAll(() => redis.disconnect());

const context = () => createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
const zendesk = { baseUrl: 'http://127.0.0.1:1', email: 'admin@acme.com', apiToken: 'secret-token-123' };

describe('stored credentials', () => {
  it('loads what the console saved, unless the environment configures that source', async () => {
    const ring = parseKeyRing('a-long-enough-passphrase-for-tests');
    await new CredentialStore(redis, prefix, ring).save('zendesk', zendesk);
    const worker = context();
    expect(await loadStoredSources(worker, new CredentialStore(redis, prefix, ring), new Set())).toEqual(['zendesk']);
    expect(worker.sources.zendesk?.config).toMatchObject({ email: 'admin@acme.com', apiToken: 'secret-token-123' });
    const pinned = context();
    pinned.sources.zendesk = { connector: CONNECTORS.zendesk, config: { from: 'env' } };
    expect(await loadStoredSources(pinned, new CredentialStore(redis, prefix, ring), new Set(['zendesk']))).toEqual([]);
    expect(pinned.sources.zendesk?.config).toEqual({ from: 'env' });
  });

  it('skips credentials sealed with another key (a worker without the API key)', async () => {
    await new CredentialStore(redis, prefix, parseKeyRing('a-long-enough-passphrase-for-tests')).save('zendesk', zendesk);
    const worker = context();
    expect(await loadStoredSources(worker, new CredentialStore(redis, prefix, parseKeyRing('another-long-passphrase-entirely')), new Set())).toEqual([]);
    expect(worker.sources.zendesk).toBeUndefined();
    expect(await redis.hget(`${prefix}:credentials`, 'zendesk')).not.toContain('secret-token-123');
  });
});
