/** Fast fuzz of every /api route; the long run is tests/reliability/fuzz-admin-api.test.ts. */
import { describe, it } from 'vitest';
import { checkAdminApi, useApiHarness } from '../helpers/fuzz-checks.ts';

const harness = useApiHarness('fuzz-admin');

describe('admin API under fuzzed input', () => {
  it('answers garbage paths, queries and bodies with a 4xx that says what to fix, never 5xx, no secret echoed', async () => {
    await checkAdminApi(harness(), 150);
  });
});
