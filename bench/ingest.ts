/**
 * Mixpanel ingest through the real path (emulator HTTP export -> streaming reader -> per-day
 * aggregation -> Redis upserts) against the bare limit on the same file (read it and JSON.parse
 * each line, nothing else). Memory is the peak RSS growth sampled during each phase.
 */
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawn } from 'node:child_process';
import { mixpanelConfigSchema } from '../connectors/mixpanel/config.ts';
import { activitiesStream } from '../connectors/mixpanel/streams/activities.ts';
import { LineWriter } from '../src/sandbox/generator/line-writer.ts';
import { RecordStore } from '../src/store/record-store.ts';
import { connectRedis, clearPrefix } from '../src/store/redis.ts';
import { silentLogger } from '../src/logging/logger.ts';

export const NOW = new Date('2026-11-20T12:00:00Z');

/** Events of `users` people, about 8 per person-day (a busy product's rhythm), over `days` days before NOW. */
export async function writeEvents(dir: string, events: number, users = 5_000, days = 30): Promise<string> {
  await mkdir(join(dir, 'mixpanel'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'bench', generatedAt: NOW.toISOString() }));
  const w = new LineWriter(join(dir, 'mixpanel', 'events.jsonl'));
  const start = NOW.getTime() / 1000 - (days - 1) * 86400;
  for (let i = 0; i < events; i += 1) {
    await w.write({ event: `feature_${i % 12}`, properties: { time: Math.floor(start + ((i * (days - 1) * 86400) / events)), distinct_id: `user-${Math.floor(i / 8) % users}`, $insert_id: `ins-${i}`, account_id: i % 3 === 0 ? '001000000000001AAA' : undefined, $browser: 'Chrome', $os: 'Linux' } });
  }
  await w.close();
  return join(dir, 'mixpanel', 'events.jsonl');
}

function rssSampler(): { stop(): number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(0, Math.max(peak, process.memoryUsage().rss) - base);
    },
  };
}

export async function bareParse(file: string): Promise<{ ms: number; lines: number }> {
  const started = performance.now();
  let lines = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line) {
      JSON.parse(line);
      lines += 1;
    }
  }
  return { ms: performance.now() - started, lines };
}

/** The Mixpanel emulator in a child process, as the remote API would be. */
async function startRemoteEmulator(dir: string): Promise<{ url: string; stop(): void }> {
  // node --import tsx directly (no tsx wrapper process); TIDEMARK_BENCH_EMULATOR_NODE_ARGS adds
  // node flags to the emulator process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const extra = (process.env.TIDEMARK_BENCH_EMULATOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', join(import.meta.dirname, 'emulator-process.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function realPath(dir: string, redisUrl: string, prefix: string, days = 30): Promise<{ ms: number; activities: number; peakRssBytes: number }> {
  const remote = await startRemoteEmulator(dir);
  const { url } = remote;
  const redis = connectRedis(redisUrl);
  const store = new RecordStore(redis, prefix);
  const config = mixpanelConfigSchema.parse({ projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', exportBaseUrl: url, queryBaseUrl: url, backfillDays: Math.min(365, days + 1), maxDaysPerRequest: 30 });
  const sampler = rssSampler();
  const started = performance.now();
  let activities = 0;
  try {
    for await (const page of activitiesStream.pull({ config, checkpoint: null, full: true, now: NOW, log: silentLogger() })) {
      await store.upsert('mixpanel.activity', page.records, { partition: page.partition });
      activities += page.records.length;
    }
    return { ms: performance.now() - started, activities, peakRssBytes: sampler.stop() };
  } finally {
    await clearPrefix(redis, prefix);
    redis.disconnect();
    remote.stop();
  }
}
