/**
 * `surveys import FILE` with a column mapping: good rows land, bad rows are reported by line. Flag
 * handling found by fuzzing: inherited names are no fields, a column may contain "=", a directory is no file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { RecordStore } from '../../src/store/record-store.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';
import { runCli } from '../helpers/fuzz-checks.ts';

const redis = testRedis();
const prefix = uniquePrefix('surveys');
const dir = mkdtempSync(join(tmpdir(), 'tm-surveys-'));
afterAll(async () => {
  await dropPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('surveys import', () => {
  it('maps columns, keeps the good rows and reports the bad ones by line (exit 1)', async () => {
    const file = join(dir, 'nps.csv');
    writeFileSync(file, 'response_id,respondent,nps,when\nq1,a@acme.com,10,2026-11-01T00:00:00Z\nq2,b@acme.com,eleven,2026-11-01T00:00:00Z\nq3,c@acme.com,3,2026-11-02T00:00:00Z\n');
    const out: string[] = [];
    const saved = { REDIS_URL: process.env.REDIS_URL, TIDEMARK_PREFIX: process.env.TIDEMARK_PREFIX };
    Object.assign(process.env, { REDIS_URL: TEST_REDIS_URL, TIDEMARK_PREFIX: prefix });
    try {
      const code = await main(['surveys', 'import', file, '--map', 'id=response_id', '--map', 'email=respondent', '--map', 'score=nps', '--map', 'submittedAt=when'], { json: false, out: (t) => out.push(t), err: (t) => out.push(t) });
      expect(code).toBe(1);
      expect(out.join('\n')).toMatch(/2 responses imported, 0 unchanged, 1 rejected\n {2}line 3: score/);
      expect(await new RecordStore(redis, prefix).count('surveys.response')).toBe(2);
      const bad = await main(['surveys', 'import', file, '--map', 'colour=x'], { json: false, out: () => undefined, err: (t) => out.push(t) });
      expect(bad).toBe(2);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

const run = (args: string[]): Promise<{ code: number; text: string }> => runCli(prefix, args);

describe('surveys import flags', () => {
  const file = join(dir, 'flags.csv');
  writeFileSync(file, 'id,a=b,submitted_at\nq1,9,2026-11-01T00:00:00Z\n');

  it('refuses inherited object names as fields (toString, __proto__, constructor)', async () => {
    for (const field of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await run(['surveys', 'import', file, '--map', `${field}=x`]);
      expect(r.code, field).toBe(2);
      expect(r.text).toMatch(/give FIELD=COLUMN with FIELD one of id, email, score/);
    }
  });

  it('keeps everything after the first "=" as the column name', async () => {
    const r = await run(['surveys', 'import', file, '--map', 'score=a=b']);
    expect(r.text).toMatch(/1 responses imported/);
    expect(r.code).toBe(0);
    expect((await new RecordStore(redis, prefix).get('surveys.response', 'q1'))?.score).toBe(9);
  });

  it('refuses a directory with a usage error', async () => {
    const r = await run(['surveys', 'import', dir]);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/is not a file/);
  });
});
