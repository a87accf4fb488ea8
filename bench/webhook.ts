/**
 * Survey webhook load: N signed responses, one per request as a survey tool sends them, with C
 * requests in flight over keep-alive connections, against the real express app (its own process,
 * as in production) and the real Redis. Afterwards the stored surveys.response records are counted
 * in Redis: no loss means every request got a 2xx and the count equals the distinct responses sent.
 *
 * Run as a program (`node --import tsx bench/webhook.ts --serve REDIS_URL PREFIX SECRET`) it is
 * that server process and prints its URL.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Redis } from 'ioredis';
import { createApiApp } from '../src/api/app.ts';
import { signSurveyPayload } from '../src/api/survey-webhook.ts';
import { createSyncContext } from '../src/sync/context.ts';
import { RecordStore } from '../src/store/record-store.ts';
import { clearPrefix } from '../src/store/redis.ts';
import { listen } from '../src/sandbox/emulator-kit/index.ts';
import { silentLogger } from '../src/logging/logger.ts';

export interface WebhookBenchResult {
  sent: number;
  distinct: number;
  ms: number;
  perSecond: number;
  statuses: Record<string, number>;
  stored: number;
  /** Requests answered with something else than 2xx, or not answered. */
  lost: number;
  /** CPU time of the server process during the measured part (Linux /proc; null elsewhere): load-independent. */
  serverCpuMs: number | null;
}

const SECRET = 'bench-survey-secret';

async function serve(redisUrl: string, prefix: string, secret: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const ctx = createSyncContext({ redis, prefix, log: silentLogger(), now: () => new Date(), sources: {}, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
  const app = createApiApp(ctx, { surveySecret: secret, secretKey: 'bench-secret-key-long-enough-to-use' });
  const { url } = await listen(app, 0);
  process.stdout.write(`${url}\n`);
  process.once('SIGTERM', () => process.exit(0));
}

/** User + system CPU of a process in ms, from /proc/PID/stat (clock ticks of 10 ms); null when unavailable. */
function cpuMsOf(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function startServer(redisUrl: string, prefix: string, nodeArgs: string[]): Promise<{ url: string; stop: () => void; cpuMs: () => number | null }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', import.meta.filename, '--serve', redisUrl, prefix, SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve({ url: d.toString().trim(), stop: () => child.kill('SIGTERM'), cpuMs: () => cpuMsOf(child.pid) }));
    child.once('exit', (code) => reject(new Error(`webhook server exited with ${code}`)));
  });
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-tidemark-timestamp': String(ts), 'x-tidemark-signature': signSurveyPayload(SECRET, ts, body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Sends `responses` responses (ids r0..r{n-1}; `repeats` of them sent twice, as a retrying tool would) with `concurrency` in flight. */
export async function benchWebhook(options: { redisUrl: string; prefix: string; responses: number; concurrency: number; repeats?: number; nodeArgs?: string[] }): Promise<WebhookBenchResult> {
  const { redisUrl, prefix, responses, concurrency } = options;
  const repeats = options.repeats ?? 0;
  const server = await startServer(redisUrl, prefix, options.nodeArgs ?? []);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL('/webhooks/surveys', server.url);
  const ids = [...Array.from({ length: responses }, (_, i) => i), ...Array.from({ length: repeats }, (_, i) => i * 7 % Math.max(1, responses))];
  const bodies = ids.map((i) => JSON.stringify({ id: `r${i}`, email: `person${i % 5000}@customer${i % 700}.example.com`, score: i % 11, comment: i % 3 === 0 ? `comment ${i}, with "quotes"` : '', submitted_at: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString() }));
  const statuses: Record<string, number> = {};
  try {
    // Warm-up (JIT, connections), on ids outside the measured set; removed before measuring.
    await Promise.all(Array.from({ length: concurrency * 4 }, (_, i) => post(agent, url, JSON.stringify({ id: `warm${i}`, score: 5, submitted_at: '2026-11-01T00:00:00Z' }))));
    await redis.hdel(`${prefix}:rec:surveys.response`, ...Array.from({ length: concurrency * 4 }, (_, i) => `warm${i}`));
    let next = 0;
    const cpuBefore = server.cpuMs();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next] as string;
          next += 1;
          const status = await post(agent, url, body);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }),
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpuAfter = server.cpuMs();
    const stored = await new RecordStore(redis, prefix).count('surveys.response');
    const ok = Object.entries(statuses).reduce((n, [s, c]) => n + (s.startsWith('2') ? c : 0), 0);
    return { sent: bodies.length, distinct: responses, ms, perSecond: (bodies.length / ms) * 1000, statuses, stored, lost: bodies.length - ok, serverCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore };
  } finally {
    agent.destroy();
    server.stop();
    await clearPrefix(redis, prefix);
    redis.disconnect();
  }
}

if (process.argv[2] === '--serve' && process.argv[1] === import.meta.filename) {
  const [redisUrl, prefix, secret] = process.argv.slice(3);
  if (!redisUrl || !prefix || !secret) throw new Error('usage: webhook.ts --serve REDIS_URL PREFIX SECRET');
  await serve(redisUrl, prefix, secret);
}
