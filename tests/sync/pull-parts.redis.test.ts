/**
 * A Mixpanel backfill split into parts (jobs/run-flow.ts, src/sync/pull.ts): the parts, in any
 * order or at once, land exactly the records of one pull; the stream's checkpoint becomes the
 * backfill's only when every part is done (a run that fails in an older part leaves no gap behind
 * a later checkpoint); a part that fails resumes from its own checkpoint in the same run.
 * The real connector against the Mixpanel emulator and a real Redis.
 */
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mixpanelConnector, mixpanelConfigSchema, type MixpanelConfig } from '../../connectors/mixpanel/index.ts';
import { createMixpanelEmulator } from '../../connectors/mixpanel/emulator/index.ts';
import { partRange } from '../../connectors/mixpanel/streams/activities.ts';
import { keys } from '../../src/store/keys.ts';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { pullSource } from '../../src/sync/pull.ts';
import { writeDataset } from '../connectors/zendesk/emulator/helpers.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const DAYS = 20;
const day = (i: number): string => new Date(Date.UTC(2026, 10, 1 + i)).toISOString().slice(0, 10);
// Several people a day over 20 days (today included), with a duplicate now and then.
const events = Array.from({ length: DAYS }, (_, d) =>
  Array.from({ length: 6 }, (_, n) => ({ event: n % 2 ? 'report' : 'login', properties: { time: Date.parse(`${day(d)}T${String(8 + n).padStart(2, '0')}:00:00Z`) / 1000, distinct_id: `p${(d + n) % 5}`, $insert_id: `e${d}-${n % 5}` } })),
).flat();
const profiles = Array.from({ length: 5 }, (_, i) => ({ $distinct_id: `p${i}`, $properties: { $email: `p${i}@acme.com` } }));

const redis = testRedis();
const prefixes: string[] = [];
let server: Server;
let url = '';
let cleanup: () => Promise<void>;
let config: MixpanelConfig;

beforeAll(async () => {
  const written = await writeDataset({ 'mixpanel/events.jsonl': events, 'mixpanel/profiles.jsonl': profiles }, NOW.toISOString());
  cleanup = written.cleanup;
  ({ server, url } = await listen(createMixpanelEmulator({ dataset: written.dataset, seed: 1 }).app, 0));
  config = mixpanelConfigSchema.parse({ projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', exportBaseUrl: url, queryBaseUrl: url, backfillDays: DAYS, maxDaysPerRequest: 4 });
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await closeServer(server);
  await cleanup();
  redis.disconnect();
});

function org(log: Logger = silentLogger(), existing?: string): SyncContext {
  const prefix = existing ?? uniquePrefix('pull-parts');
  prefixes.push(prefix);
  return createSyncContext({ redis, prefix, log, now: () => NOW, sources: { mixpanel: { connector: mixpanelConnector as never, config } }, options: { successPlanLookbackDays: 90, writebackBatchSize: 200 } });
}
const stored = async (ctx: SyncContext): Promise<Record<string, Record<string, string>>> => ({
  activities: await redis.hgetall(keys(ctx.prefix).records('mixpanel.activity')),
  profiles: await redis.hgetall(keys(ctx.prefix).records('mixpanel.profile')),
});
const part = (index: number, count: number) => ({ full: true, part: { index, count } });

describe('partRange', () => {
  it('shares out whole days, newest first, every day once', () => {
    const range = { from: '2026-11-01', to: '2026-11-20' };
    for (const count of [1, 2, 3, 7, 20, 25]) {
      const parts = Array.from({ length: count }, (_, index) => partRange(range, { index, count }));
      const days = parts.flatMap((p) => (p === null ? [] : Array.from({ length: Math.round((Date.parse(p.to) - Date.parse(p.from)) / 86_400_000) + 1 }, (_, i) => new Date(Date.parse(p.from) + i * 86_400_000).toISOString().slice(0, 10))));
      expect(days.sort()).toEqual(Array.from({ length: 20 }, (_, i) => day(i)));
      expect(parts[0]?.to).toBe('2026-11-20');
      if (count <= 20) expect(parts.every((p) => p !== null)).toBe(true);
    }
    expect(partRange(range, { index: 1, count: 3 })).toEqual({ from: '2026-11-07', to: '2026-11-13' });
    expect(partRange({ from: '2026-11-20', to: '2026-11-20' }, { index: 1, count: 2 })).toBeNull();
  });
});

describe('a Mixpanel backfill split into parts', () => {
  it('lands exactly the records of one pull, and adopts the checkpoint only when the last part is done', async () => {
    const whole = org();
    const one = await pullSource(whole, 'run-1', 'mixpanel', { full: true });
    const expected = await stored(whole);
    expect(Object.keys(expected.activities ?? {}).length).toBeGreaterThan(50);

    const split = org();
    const pulled = [await pullSource(split, 'run-2', 'mixpanel', part(2, 3))];
    expect(await split.checkpoints.get('mixpanel', 'activities')).toBeNull();
    pulled.push(await pullSource(split, 'run-2', 'mixpanel', part(0, 3)));
    // Part 0 holds the newest days, but part 1 is not read yet: no checkpoint would skip its days.
    expect(await split.checkpoints.get('mixpanel', 'activities')).toBeNull();
    pulled.push(await pullSource(split, 'run-2', 'mixpanel', part(1, 3)));
    expect(await split.checkpoints.get('mixpanel', 'activities')).toEqual(await whole.checkpoints.get('mixpanel', 'activities'));
    expect(await split.checkpoints.savedBy('mixpanel', 'activities')).toBe('run-2');
    expect(await stored(split)).toEqual(expected);
    expect(pulled.reduce((n, s) => n + s.records, 0)).toBe(one.records);
    // Profiles are read once, by part 0.
    expect(pulled.map((s) => s.apiCalls > 0)).toEqual([true, true, true]);
    expect((await split.runs.get('run-2'))?.counters['records.mixpanel']).toBe((await whole.runs.get('run-1'))?.counters['records.mixpanel']);

    // A part taken over after it was marked done but before it adopted the checkpoint adopts it then.
    await redis.hdel(keys(split.prefix).checkpoints, 'mixpanel:activities');
    await pullSource(split, 'run-2', 'mixpanel', part(1, 3));
    expect(await split.checkpoints.get('mixpanel', 'activities')).toEqual(await whole.checkpoints.get('mixpanel', 'activities'));
    expect(await stored(split)).toEqual(expected);

    const together = org();
    await Promise.all([0, 1].map((index) => pullSource(together, 'run-3', 'mixpanel', part(index, 2))));
    expect(await stored(together)).toEqual(expected);
    expect(await together.checkpoints.get('mixpanel', 'activities')).toEqual(await whole.checkpoints.get('mixpanel', 'activities'));
  });

  it('a part that fails resumes from its own checkpoint in the same run, and a new run starts its parts over', async () => {
    const whole = org();
    await pullSource(whole, 'run-1', 'mixpanel', { full: true });
    // Part 1 stops right after its first export request's days have landed (its job lost, as when a
    // worker is killed): the stop is signalled when the stream logs that request as read.
    const stop = new AbortController();
    let armed = false;
    const log = pino({ level: 'debug' }, { write: (line: string) => void (armed && line.includes('mixpanel export chunk read') && stop.abort()) });
    const split = org(log);
    await pullSource(split, 'run-4', 'mixpanel', part(0, 2));
    armed = true;
    await expect(pullSource(split, 'run-4', 'mixpanel', { ...part(1, 2), signal: stop.signal })).rejects.toThrow();
    armed = false;
    expect(await split.checkpoints.get('mixpanel', 'activities')).toBeNull();
    const saved = await split.checkpoints.get('mixpanel', 'activities#1');
    expect(saved?.completeThrough).toBe('2026-11-04');
    await pullSource(split, 'run-4', 'mixpanel', part(1, 2));
    expect(await stored(split)).toEqual(await stored(whole));
    expect(await split.checkpoints.get('mixpanel', 'activities')).toEqual(await whole.checkpoints.get('mixpanel', 'activities'));
    expect((await split.runs.get('run-4'))?.counters['records.mixpanel']).toBe((await whole.runs.get('run-1'))?.counters['records.mixpanel']);

    // A new run does not take over run-4's part checkpoints: its part 1 reads all of its days.
    const days: string[] = [];
    const watch = pino({ level: 'debug' }, { write: (line: string) => void (line.includes('mixpanel export chunk read') && days.push(String((JSON.parse(line) as { from: string }).from))) });
    await pullSource(org(watch, split.prefix), 'run-5', 'mixpanel', part(1, 2));
    expect(days[0]).toBe('2026-11-01');
  });
});
