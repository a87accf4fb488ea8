/**
 * A connection reset in the middle of a response body (found by tests/reliability/faults-long):
 * jsforce never settled such a request, so the pull hung for ever. Now it fails as transient
 * within the configured timeout, and the next request works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSalesforceConnection } from '../../../connectors/salesforce/connection.ts';
import { salesforceConfigSchema } from '../../../connectors/salesforce/config.ts';
import { TransientError } from '../../../src/contracts/errors.ts';
import { silentLogger } from '../../../src/logging/logger.ts';
import { sfId, startSalesforce, type RunningSalesforce } from './helpers.ts';

let sf: RunningSalesforce;
beforeAll(async () => {
  sf = await startSalesforce({ Account: [{ Id: sfId('001', 1), Name: 'Acme' }] });
});
afterAll(async () => {
  await sf?.close();
});

describe('Salesforce connection under a reset mid-body', () => {
  it('fails the request as transient within timeoutMs instead of hanging', async () => {
    const config = salesforceConfigSchema.parse({ loginUrl: sf.url, clientId: 'sandbox', clientSecret: 'sandbox', timeoutMs: 1500 });
    const { conn } = await openSalesforceConnection(config, silentLogger());
    expect((await sf.control('POST', '/__sandbox/faults', { route: 'GET /services/data/vXX.X/sobjects/{type}/describe', type: 'reset', count: 1 })).status).toBe(201);
    const started = Date.now();
    const failed = await conn.sobject('Account').describe().then(
      () => null,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(TransientError);
    expect(String((failed as Error).message)).toMatch(/no complete answer within 1.5 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await sf.stats())['GET /services/data/vXX.X/sobjects/{type}/describe']?.['0']).toBe(1);
    expect((await conn.sobject('Account').describe()).name).toBe('Account');
  });
});
