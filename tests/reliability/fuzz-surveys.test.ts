/** Long fuzz of the survey paths (parsers, signed webhook, `surveys import`): thousands of cases; the fast runs are in tests/connectors/surveys and tests/cli. */
import { describe, it } from 'vitest';
import { checkCliImport, checkSurveyParsers, checkWebhook, useApiHarness } from '../helpers/fuzz-checks.ts';

const harness = useApiHarness('rel-fuzz-webhook');

describe('survey input, long fuzz', () => {
  it('parsers: 5,000 batches and 5,000 garbage files', () => {
    checkSurveyParsers(5_000);
  });
  it('webhook: 2,000 signed batches and 2,000 garbage requests', async () => {
    await checkWebhook(harness(), 2_000);
  });
  it('surveys import: 300 files with junk flags', async () => {
    await checkCliImport(300);
  });
});
