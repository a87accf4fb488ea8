/** A survey file as large as the 20,000-account benchmark's (100,000+ responses) lands whole, and again unchanged. */
import { afterAll, expect, it } from 'vitest';
import type { SurveyResponse } from '../../src/contracts/records.ts';
import { RecordStore } from '../../src/store/record-store.ts';
import { storeSurveyResponses } from '../../src/sync/survey-import.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('survey-large');
afterAll(async () => {
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

it('stores 150,000 responses from one file', async () => {
  const records: SurveyResponse[] = Array.from({ length: 150_000 }, (_, i) => ({
    kind: 'surveys.response', id: `nps-${i}`, email: `p${i}@acme${i % 500}.com`, score: i % 11, comment: null, submittedAt: '2026-11-01T00:00:00Z', accountId: null,
  }));
  const store = new RecordStore(redis, prefix);
  expect(await storeSurveyResponses({ records: store }, records)).toEqual({ imported: 150_000, unchanged: 0 });
  expect(await store.count('surveys.response')).toBe(150_000);
  expect(await storeSurveyResponses({ records: store }, records)).toEqual({ imported: 0, unchanged: 150_000 });
}, 60_000);
