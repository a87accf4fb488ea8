import { describe, expect, it } from 'vitest';
import { parseSurveyFile, parseSurveyPayload } from '../../../connectors/surveys/index.ts';
import { parseCsv } from '../../../connectors/surveys/csv.ts';

describe('survey CSV import', () => {
  it('keeps good rows and reports each bad row by line and reason', () => {
    const csv = [
      'id,email,score,comment,submitted_at,account_id',
      'r1, Ann@Acme.com ,9,"Great, really",2026-11-01T10:00:00Z,',
      'r2,bob@acme.com,11,too high,2026-11-01T10:00:00Z,',
      'r3,cy@acme.com,7,"multi',
      'line ""quoted""",2026-11-02T10:00:00Z,001000000000001AAA',
      ',x@acme.com,5,,2026-11-01T10:00:00Z,',
      'r5,x@acme.com,5,,yesterday,',
      'r6,x@acme.com,5',
    ].join('\r\n');
    const { records, errors } = parseSurveyFile(csv, 'csv');
    expect(records.map((r) => r.id)).toEqual(['r1', 'r3']);
    expect(records[0]).toMatchObject({ email: 'Ann@Acme.com', score: 9, comment: 'Great, really', accountId: null, submittedAt: '2026-11-01T10:00:00.000Z' });
    expect(records[1]?.comment).toBe('multi\r\nline "quoted"');
    expect(records[1]?.accountId).toBe('001000000000001AAA');
    expect(errors.map((e) => e.line)).toEqual([3, 6, 7, 8]);
    expect(errors[0]?.reason).toMatch(/score must be a whole number from 0 to 10/);
    expect(errors[1]?.reason).toMatch(/id/);
    expect(errors[2]?.reason).toMatch(/submitted_at must be an ISO-8601/);
    expect(errors[3]?.reason).toMatch(/expected 6 columns, found 3/);
  });

  it('honours a column mapping and names a missing column', () => {
    const csv = 'response_id,respondent,nps,when\nq1,a@b.com,10,2026-11-01T00:00:00Z\n';
    const mapped = parseSurveyFile(csv, 'csv', { id: 'response_id', email: 'respondent', score: 'nps', submittedAt: 'when' });
    expect(mapped.records).toHaveLength(1);
    expect(parseSurveyFile(csv, 'csv').errors[0]?.reason).toMatch(/missing column "id"/);
  });

  it('reports an unterminated quote', () => {
    expect(parseCsv('a,b\n"open,2\n').errors[0]?.reason).toMatch(/unterminated/);
  });
});

describe('survey JSONL and webhook payloads', () => {
  it('parses JSON Lines with bad lines reported', () => {
    const text = '{"id":"r1","email":"a@b.com","score":0,"submitted_at":"2026-11-01T00:00:00Z"}\nnot json\n[1]\n{"id":"r2","score":"x","submitted_at":"2026-11-01T00:00:00Z"}\n';
    const { records, errors } = parseSurveyFile(text, 'jsonl');
    expect(records.map((r) => r.score)).toEqual([0]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it('accepts one response or an array', () => {
    const one = { id: 7, score: 10, submitted_at: '2026-11-01T00:00:00Z' };
    expect(parseSurveyPayload(one).records[0]?.id).toBe('7');
    expect(parseSurveyPayload([one, 'x']).errors).toEqual([{ line: 2, reason: 'expected a survey response object' }]);
  });
});
