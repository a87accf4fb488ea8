/** Fast fuzz of the survey parsers (CSV, JSON Lines, webhook payloads); the long run is tests/reliability/fuzz-surveys.test.ts. */
import { describe, it } from 'vitest';
import { checkSurveyParsers } from '../../helpers/fuzz-checks.ts';

describe('survey import under fuzzed input', () => {
  it('keeps every good row, reports every bad one by line and reason, never throws', () => {
    checkSurveyParsers(150);
  });
});
