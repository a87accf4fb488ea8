/** Regressions found by the survey fuzzing: every rejected row says what to fix, and dates are ISO-8601 only. */
import { describe, expect, it } from 'vitest';
import { isoDateTime, parseSurveyFile, parseSurveyPayload } from '../../../connectors/surveys/index.ts';

describe('survey row reasons', () => {
  it('names the field and what it takes instead of zod\'s "Invalid input"', () => {
    const { errors } = parseSurveyPayload([{ id: null, score: {}, submitted_at: 5 }, { id: 'a', score: 'ten', submitted_at: '2026-11-01' }, { id: 'b', score: 1, email: { x: 1 }, submitted_at: '2026-11-01' }]);
    expect(errors.map((e) => e.reason)).toEqual([
      'id: id is empty: give each response a non-empty id (text or number); score: score must be a whole number from 0 to 10; submittedAt: submitted_at must be an ISO-8601 date-time',
      'score: score must be a whole number from 0 to 10',
      'email: must be text, a number or empty',
    ]);
    for (const e of errors) expect(e.reason).not.toMatch(/Invalid input/);
  });

  it('refuses dates that Date.parse would guess (a shifted column), impossible days, and reads zone-less times as UTC', () => {
    for (const bad of ['1', '7', 'Nov 1 2026', '2026-02-30', '2026-11-01T25:00:00Z', '11/01/2026']) expect(isoDateTime(bad), bad).toBeNull();
    expect(isoDateTime('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(isoDateTime('2026-11-01 10:00:00')).toBe('2026-11-01T10:00:00.000Z');
    expect(isoDateTime('2026-11-01T10:00:00.5+02:00')).toBe('2026-11-01T08:00:00.500Z');
    const csv = 'id,score,submitted_at\nr1,5,1\nr2,5,2026-11-01T10:00:00Z\n';
    const parsed = parseSurveyFile(csv, 'csv');
    expect(parsed.records.map((r) => r.id)).toEqual(['r2']);
    expect(parsed.errors).toEqual([{ line: 2, reason: 'submittedAt: submitted_at must be an ISO-8601 date-time' }]);
  });
});
