/**
 * A full sandbox sync under injected faults from every emulator (Salesforce 503s and an expired
 * session, Zendesk 429 storms with Retry-After, Mixpanel truncated and reset exports, a malformed
 * export line, an expired Salesforce session): the run still completes through the job error
 * policy, every record kind holds exactly the dataset's entities, and the written fields equal the
 * generator's ground truth. The long variant is tests/reliability/faults-long.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { requestRun, waitForRun } from '../../src/sync/run.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { callsWithStatus, emulatorCalls, expectDatasetCounts, expectTruthFields, injectFaults, useSandbox } from '../helpers/sandbox-truth.ts';

const NOW = '2026-11-20T12:00:00.000Z';
const handle = useSandbox('faults', { env: { TIDEMARK_NOW: NOW } });

describe('sync under faults', () => {
  it('completes with exactly the dataset values', async () => {
    const sandbox = handle.sandbox();
    const { salesforce, zendesk, mixpanel } = sandbox.urls;
    await injectFaults(salesforce, { route: '*', type: 'status', status: 503, count: 3 });
    // An expired session in the middle of the pull: jsforce refreshes it through the same OAuth flow.
    await injectFaults(salesforce, { route: 'GET /services/data/vXX.X/queryAll', type: 'session-expired', count: 1 });
    await injectFaults(zendesk, { faults: [
      { route: 'GET /api/v2/incremental/tickets/cursor', type: 'rate-limit', retryAfterSeconds: 1, count: 3 },
      { route: '*', type: 'status', status: 502, count: 1 },
    ] });
    await injectFaults(mixpanel, { faults: [{ type: 'truncate', count: 1 }, { type: 'reset', count: 1 }, { route: 'GET /api/2.0/export', type: 'malformed', count: 1 }] });

    const connection = bullConnection(sandbox.redisUrl);
    const run = await requestRun(sandbox.services.ctx, connection, { sources: ['salesforce', 'zendesk', 'mixpanel', 'surveys'], full: true, dryRun: false, trigger: 'test' });
    const done = await waitForRun(sandbox.services.ctx, run.id, 120_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');

    const zdCalls = await emulatorCalls(zendesk);
    expect(callsWithStatus(zdCalls, 429)).toBeGreaterThan(0);
    const sfCalls = await emulatorCalls(salesforce);
    expect(callsWithStatus(sfCalls, 503)).toBe(3);
    expect(sfCalls['GET /services/data/vXX.X/queryAll']?.['401']).toBe(1);
    const mpFaults = (await (await fetch(`${mixpanel}/__sandbox/faults`)).json()) as { faults: unknown[] };
    expect(mpFaults.faults).toEqual([]);

    // No duplicates: every record kind holds exactly the dataset's entities.
    await expectDatasetCounts(sandbox.services.ctx, sandbox.datasetDir);
    await expectTruthFields(salesforce, sandbox.datasetDir, ['CS_Active_Users_30d__c', 'CS_Open_Tickets__c', 'CS_Urgent_Tickets_90d__c']);
  }, 150_000);
});
