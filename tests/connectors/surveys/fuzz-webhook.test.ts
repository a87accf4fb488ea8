/** Fast fuzz of POST /webhooks/surveys over the real app and Redis; the long run is tests/reliability/fuzz-surveys.test.ts. */
import { describe, it } from 'vitest';
import { checkWebhook, useApiHarness } from '../../helpers/fuzz-checks.ts';

const harness = useApiHarness('fuzz-webhook');

describe('survey webhook under fuzzed input', () => {
  it('stores exactly the good responses of a batch, 4xx with reasons for the rest, never 5xx', async () => {
    await checkWebhook(harness(), 40);
  });
});
