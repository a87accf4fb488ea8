/** Long fuzz of every /api route (the fast run is tests/api/fuzz-admin-api.test.ts). */
import { describe, it } from 'vitest';
import { checkAdminApi, useApiHarness } from '../helpers/fuzz-checks.ts';

const harness = useApiHarness('rel-fuzz-admin');

describe('admin API, long fuzz', () => {
  it('5,000 garbage requests: never 5xx, every 4xx says what to fix, no secret echoed', async () => {
    await checkAdminApi(harness(), 5_000);
  });
});
