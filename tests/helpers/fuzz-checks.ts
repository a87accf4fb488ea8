/**
 * The bad-input properties, run with few cases in `npm test` (tests/connectors/surveys,
 * tests/api, tests/config, tests/cli) and with thousands in `npm run test:reliability`
 * (tests/reliability/fuzz-*.test.ts). Each takes its number of runs.
 */
import type { Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Redis } from 'ioredis';
import { parseSurveyFile, parseSurveyPayload } from '../../connectors/surveys/index.ts';
import { surveyResponseSchema } from '../../src/contracts/records.ts';
import { createApiApp, closeApiApp } from '../../src/api/app.ts';
import { signSurveyPayload } from '../../src/api/survey-webhook.ts';
import { createToken } from '../../src/api/token-store.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { envSchema, loadEnv, SECRET_SETTINGS } from '../../src/config/env.ts';
import { sourcesFromEnv } from '../../src/config/sources-from-env.ts';
import { ConfigError } from '../../src/contracts/errors.ts';
import { readSandboxState } from '../../src/sandbox/state-file.ts';
import { readModelFile } from '../../src/health/model-file.ts';
import { main } from '../../src/cli/main.ts';
import { RecordStore } from '../../src/store/record-store.ts';
import { BAD_REASON, anyBody, buildCsv, buildJsonl, buildWebhookBatch, envMap, messyText, surveyBatch, type BatchItem, type BuiltFile } from './arbitraries.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from './redis.ts';

/** Every bad row reported once, at its line, with its reason; exactly the good rows kept, as built. */
export function expectParsed(result: { records: unknown[]; errors: Array<{ line: number; reason: string }> }, built: BuiltFile): void {
  expect(result.errors.map((e) => e.line)).toEqual(built.bad.map((b) => b.line));
  result.errors.forEach((e, i) => expect(e.reason).toMatch(BAD_REASON[built.bad[i]?.kind ?? 'score']));
  expect(result.records).toEqual(built.good.map((g) => ({ kind: 'surveys.response', ...g })));
}

/** The survey file parsers (CSV with any column order and line endings, JSON Lines, webhook payloads). */
export function checkSurveyParsers(numRuns: number): void {
  fc.assert(
    fc.property(surveyBatch(), fc.boolean(), fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }), (items, crlf, order) => {
      const csv = buildCsv(items, { crlf, order });
      expectParsed(parseSurveyFile(csv.text, 'csv'), csv);
      const jsonl = buildJsonl(items);
      expectParsed(parseSurveyFile(jsonl.text, 'jsonl'), jsonl);
      const hook = buildWebhookBatch(items);
      expectParsed(parseSurveyPayload(JSON.parse(hook.text)), hook);
    }),
    { numRuns },
  );
  // Arbitrary text: never a throw; whatever is kept is a valid record, whatever is refused has a line and a reason.
  fc.assert(
    fc.property(fc.oneof(messyText(400), fc.array(messyText(30), { maxLength: 20 }).map((cells) => `id,score,submitted_at\n${cells.join(',')}`)), fc.constantFrom('csv' as const, 'jsonl' as const), (text, format) => {
      const { records, errors } = parseSurveyFile(text, format);
      for (const r of records) expect(surveyResponseSchema.safeParse(r).success).toBe(true);
      for (const e of errors) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.reason.length).toBeGreaterThan(5);
      }
    }),
    { numRuns },
  );
}

export interface ApiHarness {
  redis: Redis;
  prefix: string;
  ctx: SyncContext;
  base: string;
  adminToken: string;
  surveySecret: string;
  secretKey: string;
  close(): Promise<void>;
}

/** The real express app on a free port, over the real Redis under a fresh prefix. */
export async function startApiHarness(label: string): Promise<ApiHarness> {
  const redis = testRedis();
  const prefix = uniquePrefix(label);
  const surveySecret = 'survey-secret-never-echoed-7f3a';
  const secretKey = 'fuzz-secret-key-passphrase-long-enough';
  const ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
  const app = createApiApp(ctx, { surveySecret, secretKey });
  const { server, url } = await listen(app, 0);
  const adminToken = (await createToken(redis, prefix, 'admin')).token;
  return {
    redis, prefix, ctx, base: url, adminToken, surveySecret, secretKey,
    async close() {
      await closeServer(server as Server);
      await closeApiApp(app);
      await dropPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** The harness for the tests of one file: started before them, closed after. */
export function useApiHarness(label: string): () => ApiHarness {
  let h: ApiHarness | undefined;
  beforeAll(async () => {
    h = await startApiHarness(label);
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error('the API harness is not started');
    return h;
  };
}

/** Runs the CLI's main with REDIS_URL and TIDEMARK_PREFIX set for the call (restored afterwards), collecting its output. */
export async function runCli(prefix: string, args: string[]): Promise<{ code: number; text: string }> {
  const out: string[] = [];
  const saved = { REDIS_URL: process.env.REDIS_URL, TIDEMARK_PREFIX: process.env.TIDEMARK_PREFIX };
  Object.assign(process.env, { REDIS_URL: TEST_REDIS_URL, TIDEMARK_PREFIX: prefix });
  try {
    const code = await main(args, { json: false, out: (t) => out.push(t), err: (t) => out.push(t) });
    return { code, text: out.join('\n') };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export async function postSigned(h: Pick<ApiHarness, 'base' | 'surveySecret'>, body: string, headers: Record<string, string> = {}): Promise<Response> {
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${h.base}/webhooks/surveys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tidemark-timestamp': String(ts), 'x-tidemark-signature': signSurveyPayload(h.surveySecret, ts, body), ...headers },
    body,
  });
}

function tagged(items: BatchItem[], tag: string): BatchItem[] {
  return items.map((item) => ('good' in item ? { good: { fields: { ...item.good.fields, id: `${tag}${item.good.fields.id}` }, expected: { ...item.good.expected, id: `${tag}${item.good.fields.id}`.trim() } } } : item));
}

/** A 4xx answer is JSON that says what to fix, and names no secret. */
async function expectClientError(res: Response, secrets: string[]): Promise<void> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  const text = await res.text();
  const body = JSON.parse(text) as { message?: unknown; rejected?: unknown };
  expect(typeof body.message === 'string' || Array.isArray(body.rejected)).toBe(true);
  for (const s of secrets) expect(text).not.toContain(s);
}

/**
 * The signed webhook: a batch of good and bad responses stores exactly the good ones (read back
 * from Redis) and rejects each bad one by item number and reason; any other body, header or
 * signature gets a 4xx that names no secret; never a 5xx.
 */
export async function checkWebhook(h: ApiHarness, numRuns: number): Promise<void> {
  let seq = 0;
  let stored = await h.ctx.records.count('surveys.response');
  await fc.assert(
    fc.asyncProperty(surveyBatch(40), fc.boolean(), async (raw, single) => {
      seq += 1;
      const items = tagged(raw, `w${seq}-`);
      const built = buildWebhookBatch(items);
      const first: unknown = (JSON.parse(built.text) as unknown[])[0];
      const body = single && items.length === 1 && typeof first === 'object' && first !== null && !Array.isArray(first) ? JSON.stringify(first) : built.text;
      const res = await postSigned(h, body);
      const answer = (await res.json()) as { accepted?: number; new?: number; rejected: Array<{ line: number; reason: string }> };
      if (built.good.length === 0 && built.bad.length > 0) expect(res.status).toBe(400);
      else {
        expect(res.status).toBe(202);
        expect([answer.accepted, answer.new]).toEqual([built.good.length, built.good.length]);
      }
      expect(answer.rejected.map((r) => r.line)).toEqual(built.bad.map((b) => b.line));
      answer.rejected.forEach((r, i) => expect(r.reason).toMatch(BAD_REASON[built.bad[i]?.kind ?? 'score']));
      stored += built.good.length;
      expect(await h.ctx.records.count('surveys.response')).toBe(stored);
      for (const g of built.good) expect(await h.ctx.records.get('surveys.response', g.id)).toEqual({ kind: 'surveys.response', ...g });
    }),
    { numRuns },
  );
  const secrets = [h.surveySecret, h.secretKey, h.adminToken];
  await fc.assert(
    fc.asyncProperty(
      anyBody,
      fc.constantFrom('good', 'bad-signature', 'stale', 'no-headers', 'garbage-headers'),
      fc.record({ ts: messyText(14), sig: messyText(70), encoding: fc.constantFrom(undefined, 'gzip', 'br', 'identity', 'klingon') }),
      async (body, auth, junk) => {
        const now = Math.floor(Date.now() / 1000);
        const headers: Record<string, string> = { 'content-type': body.contentType };
        const printable = (v: string): string => v.replace(/[^\x20-\x7e]/g, '');
        if (auth === 'good' || auth === 'bad-signature') {
          headers['x-tidemark-timestamp'] = String(now);
          headers['x-tidemark-signature'] = auth === 'good' ? signSurveyPayload(h.surveySecret, now, body.text) : signSurveyPayload('wrong', now, body.text);
        } else if (auth === 'stale') {
          headers['x-tidemark-timestamp'] = String(now - 3600);
          headers['x-tidemark-signature'] = signSurveyPayload(h.surveySecret, now - 3600, body.text);
        } else if (auth === 'garbage-headers') {
          headers['x-tidemark-timestamp'] = printable(junk.ts);
          headers['x-tidemark-signature'] = printable(junk.sig);
        }
        if (junk.encoding && auth !== 'good') headers['content-encoding'] = junk.encoding;
        const res = await fetch(`${h.base}/webhooks/surveys`, { method: 'POST', headers, body: body.text });
        if (res.status === 202) {
          expect(auth).toBe('good');
          return;
        }
        // The body is read before the signature is checked: an unreadable one (charset, encoding) may answer first.
        if (auth !== 'good' && !junk.encoding && !body.contentType.includes('charset=klingon')) expect(res.status).toBe(401);
        await expectClientError(res, secrets);
      },
    ),
    { numRuns },
  );
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** Every /api route (path parameters as :name). */
export const API_ROUTES: ReadonlyArray<[Method, string]> = [
  ['GET', '/connectors'], ['PUT', '/connectors/:id/credentials'], ['POST', '/connectors/:id/test'], ['PUT', '/connectors/:id/enabled'],
  ['PUT', '/connectors/:id/schedule'], ['POST', '/connectors/:id/sync'], ['POST', '/connectors/:id/resync'], ['POST', '/runs'],
  ['GET', '/runs'], ['GET', '/runs/:id'], ['GET', '/logs'], ['GET', '/audit'], ['GET', '/unmatched'], ['GET', '/rules'], ['POST', '/rules'],
  ['DELETE', '/rules/:id'], ['GET', '/accounts'], ['GET', '/accounts/:id'], ['POST', '/health/preview'], ['GET', '/writeback'],
  ['POST', '/writeback/pause'], ['POST', '/writeback/resume'], ['POST', '/writeback/revert'], ['GET', '/mapping'], ['PUT', '/mapping'],
  ['POST', '/mapping/preflight'], ['GET', '/alerts'], ['POST', '/credentials/rotate'], ['GET', '/openapi.json'],
];

const pathSegment = fc.oneof(
  fc.constantFrom('salesforce', 'zendesk', 'mixpanel', 'surveys', 'run-1', '001000000000001AAA', 'rule-abc'),
  messyText(20).map(encodeURIComponent),
  fc.constantFrom('%', '%E0%A4%A', '%zz', '..', '%2e%2e', '%00', 'a%2Fb'),
);

/** Plausible fields of the admin bodies with bad values, so the fuzz reaches past "not an object". */
const adminBody = fc.oneof(
  anyBody,
  fc
    .record(
      {
        config: fc.oneof(fc.dictionary(fc.constantFrom('subdomain', 'email', 'apiToken', 'loginUrl', 'clientId', 'clientSecret', 'projectId', 'region', 'x'), fc.oneof(messyText(20), fc.integer(), fc.constant(null))), fc.jsonValue()),
        enabled: fc.oneof(fc.boolean(), messyText(5)),
        schedule: fc.oneof(fc.constantFrom('every 30m', 'every 0m', 'every 99999h', '* * * * *', '61 * * * *', '*/0 * * * *', 'every', ''), messyText(20), fc.constant(null)),
        tz: fc.oneof(fc.constantFrom('UTC', 'Europe/Paris', 'Mars/Olympus', ''), messyText(10)),
        full: fc.oneof(fc.boolean(), fc.jsonValue()),
        dryRun: fc.boolean(),
        sources: fc.oneof(fc.array(fc.constantFrom('salesforce', 'zendesk', 'nope'), { maxLength: 3 }), fc.jsonValue()),
        type: fc.constantFrom('pin-domain', 'exclude-domain', 'pin-organization', 'pin-record', 'exclude-account', 'x'),
        domain: fc.oneof(fc.domain(), messyText(20)),
        accountId: fc.oneof(fc.constantFrom('001000000000001AAA', '001'), messyText(18)),
        organizationId: messyText(10),
        kind: fc.constantFrom('zendesk.user', 'mixpanel.profile', 'x'),
        recordId: messyText(10),
        reason: messyText(20),
        runId: fc.oneof(fc.constantFrom('run-1', '1', ''), messyText(20)),
        mapping: fc.dictionary(fc.constantFrom('CS_Health_Score__c', 'CS_Health_Band__c', 'Nope__c'), fc.oneof(fc.constantFrom('CS_Health_Score__c', 'Other__c', 'Name'), messyText(10))),
        model: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => ({ text: JSON.stringify(v), contentType: 'application/json' })),
);

/**
 * Every admin route with garbage path parameters, query strings and bodies (as an admin, and with
 * bad tokens from other clients): never a 5xx, every 4xx says what to fix in JSON, no secret echoed.
 */
export async function checkAdminApi(h: ApiHarness, numRuns: number): Promise<void> {
  const secrets = [h.surveySecret, h.secretKey, h.adminToken];
  let client = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...API_ROUTES),
      pathSegment,
      fc.dictionary(fc.constantFrom('limit', 'q', 'source', 'status', 'run', 'reason', 'search', 'account', 'record', 'x'), fc.oneof(messyText(10), fc.integer().map(String)), { maxKeys: 3 }),
      adminBody,
      fc.constantFrom('admin', 'admin', 'admin', 'none', 'bad', 'secret-as-token'),
      async ([method, template], segment, query, body, auth) => {
        client += 1;
        const path = template.replace(/:[a-z]+/g, segment);
        const qs = new URLSearchParams(query).toString();
        const token = auth === 'admin' ? h.adminToken : auth === 'bad' ? 'not-a-token' : auth === 'secret-as-token' ? h.secretKey : null;
        const headers: Record<string, string> = { 'content-type': body.contentType, 'x-forwarded-for': `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}` };
        if (token) headers.authorization = `Bearer ${token}`;
        const res = await fetch(`${h.base}/api${path}${qs ? `?${qs}` : ''}`, { method, headers, body: method === 'GET' ? undefined : body.text });
        if (res.status < 400) {
          expect(auth).toBe('admin');
          await res.arrayBuffer();
          return;
        }
        await expectClientError(res, secrets);
      },
    ),
    { numRuns },
  );
}

/** The environment: a good map loads; a bad one throws a ConfigError naming each bad setting and no secret value. */
export function checkEnv(numRuns: number): void {
  const names = Object.keys(envSchema.shape);
  const secretValues = ['sk-live-secret-0001', 'another-secret-value-22', 'not a url but secret'];
  fc.assert(
    fc.property(envMap(names, SECRET_SETTINGS, secretValues), (env) => {
      let error: unknown = null;
      try {
        const loaded = loadEnv(env);
        try {
          sourcesFromEnv(loaded);
        } catch (err) {
          error = err;
        }
      } catch (err) {
        error = err;
      }
      if (error === null) return;
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      const lines = message.split('\n').slice(1).map((l) => l.trim());
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(names.some((n) => l.startsWith(`${n}: `)), l).toBe(true);
      for (const secret of secretValues) expect(message).not.toContain(secret);
      expect(message).not.toContain('pa55');
    }),
    { numRuns },
  );
}

/** The config files the product reads (health model JSON/YAML, .data/sandbox.json): a clear error or a value, never another throw. */
export function checkConfigFiles(numRuns: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'tm-fuzz-config-'));
  try {
    fc.assert(
      fc.property(fc.oneof(messyText(200), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? '')), fc.constantFrom('json', 'yaml'), (text, ext) => {
        const model = join(dir, `model.${ext}`);
        writeFileSync(model, text);
        try {
          readModelFile(model);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).message.length).toBeGreaterThan(5);
        }
        const state = join(dir, 'sandbox.json');
        writeFileSync(state, text);
        try {
          readSandboxState(state);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as Error).message).toContain(state);
        }
      }),
      { numRuns },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `surveys import FILE [--map ...]` through the CLI's main: good rows land (counted in Redis), each
 * bad one is printed with its line and reason, exit 1 when any was rejected; bad flags exit 2.
 */
export async function checkCliImport(numRuns: number): Promise<void> {
  const redis = testRedis();
  const prefix = uniquePrefix('fuzz-cli');
  const dir = mkdtempSync(join(tmpdir(), 'tm-fuzz-cli-'));
  const store = new RecordStore(redis, prefix);
  let seq = 0;
  try {
    await fc.assert(
      fc.asyncProperty(surveyBatch(25), fc.boolean(), fc.constantFrom('csv' as const, 'jsonl' as const), fc.array(messyText(12), { maxLength: 2 }), async (raw, rename, format, junkMaps) => {
        seq += 1;
        const items = tagged(raw, `c${seq}-`);
        const names = rename ? { id: 'response id', score: 'NPS', submitted_at: 'when' } : undefined;
        const built = format === 'csv' ? buildCsv(items, { crlf: seq % 2 === 0, names }) : buildJsonl(items);
        const file = join(dir, `in${seq}.${format}`);
        writeFileSync(file, built.text);
        const maps = rename && format === 'csv' ? ['--map', 'id=response id', '--map', 'score=NPS', '--map', 'submittedAt=when'] : [];
        const before = await store.count('surveys.response');
        const { code, text } = await runCli(prefix, ['surveys', 'import', file, ...maps]);
        expect(code).toBe(built.bad.length > 0 ? 1 : 0);
        expect(await store.count('surveys.response')).toBe(before + built.good.length);
        expect(text).toContain(`${built.good.length} responses imported`);
        for (const b of built.bad) expect(text).toMatch(new RegExp(`line ${b.line}: .*${BAD_REASON[b.kind].source}`));
        // Junk --map values: usage errors (exit 2) with the usage, never a throw.
        for (const junk of junkMaps) {
          const r = await runCli(prefix, ['surveys', 'import', file, '--map', junk]);
          if (/^(id|email|score|comment|submittedAt|accountId)=.+/s.test(junk)) expect([0, 1]).toContain(r.code);
          else {
            expect(r.code).toBe(2);
            expect(r.text).toMatch(/--map .*FIELD=COLUMN/s);
          }
        }
        expect((await runCli(prefix, ['surveys', 'import', dir])).code).toBe(2);
      }),
      { numRuns },
    );
  } finally {
    await dropPrefix(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
