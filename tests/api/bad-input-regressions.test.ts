/** Regressions found by the admin API and webhook fuzzing: parser and router errors are 4xx that say what to fix. */
import { describe, expect, it } from 'vitest';
import { postSigned, useApiHarness } from '../helpers/fuzz-checks.ts';

const harness = useApiHarness('bad-input');

describe('client errors of the body parser and router', () => {
  it('answers a malformed percent-encoding in the path with 400 about the URL (it said "the body is not valid JSON")', async () => {
    const res = await fetch(`${harness().base}/api/rules/%E0%A4%A`, { method: 'DELETE', headers: { authorization: `Bearer ${harness().adminToken}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/URL encoding/);
  });

  it('answers an unknown charset with 415, not 500', async () => {
    const res = await fetch(`${harness().base}/api/writeback/revert`, { method: 'POST', headers: { authorization: `Bearer ${harness().adminToken}`, 'content-type': 'application/json; charset=klingon' }, body: '{"runId":"x"}' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toMatch(/UTF-8/);
    const hook = await postSigned(harness(), '{"id":"a","score":5,"submitted_at":"2026-11-01"}', { 'content-type': 'text/plain; charset=klingon' });
    expect(hook.status).toBe(415);
  });

  it('answers an unknown Content-Encoding with 415 and a bad gzip body with 400, not 500', async () => {
    const unknown = await postSigned(harness(), '{}', { 'content-encoding': 'klingon' });
    expect(unknown.status).toBe(415);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/Content-Encoding/);
    const broken = await postSigned(harness(), 'not gzip at all', { 'content-encoding': 'gzip' });
    expect(broken.status).toBe(400);
  });
});
