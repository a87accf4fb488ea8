/**
 * The emulator's day index of the events file: an unfiltered export served from raw byte ranges
 * is byte for byte the export the line-by-line path serves (forced here with limit=100000), for
 * files with days out of order, blank lines, lines the export skips, a missing final newline, a
 * clock inside a day and events appended through the sandbox route.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMixpanelEmulator } from '../../../../connectors/mixpanel/emulator/index.ts';
import { indexEventsFile } from '../../../../connectors/mixpanel/emulator/event-index.ts';
import { loadDataset } from '../../../../src/sandbox/dataset.ts';
import { closeServer, listen } from '../../../../src/sandbox/emulator-kit/index.ts';

const AUTH = { authorization: `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}` };
const DAY = 86_400;
const DAY0 = Date.parse('2026-11-01T00:00:00Z') / 1000;
const ymd = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tidemark-mp-index-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function serve(text: string, clockIso: string, appended: unknown[] = []): Promise<{ fast: (q: string, gzip?: boolean) => Promise<string>; slow: (q: string) => Promise<string>; indexed: string | null; setClock(iso: string): void; close(): Promise<void> }> {
  n += 1;
  const dir = join(root, `d${n}`);
  await mkdir(join(dir, 'mixpanel'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'idx', generatedAt: clockIso }));
  await writeFile(join(dir, 'mixpanel', 'events.jsonl'), text);
  const emulator = createMixpanelEmulator({ dataset: await loadDataset(dir), seed: 1 });
  emulator.kit.clock.set(Date.parse(clockIso));
  const indexed = await emulator.indexEvents();
  const { server, url } = await listen(emulator.app, 0);
  if (appended.length > 0) {
    const res = await fetch(`${url}/__sandbox/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(appended) });
    expect(res.status).toBe(201);
  }
  const get = async (q: string, gzip = false): Promise<string> => {
    const res = await fetch(`${url}/api/2.0/export?project_id=1&${q}`, { headers: gzip ? { ...AUTH, 'accept-encoding': 'gzip' } : { ...AUTH, 'accept-encoding': 'identity' } });
    expect(res.status).toBe(200);
    // fetch decodes gzip itself.
    expect(res.headers.get('content-encoding')).toBe(gzip ? 'gzip' : null);
    return res.text();
  };
  return { fast: get, slow: (q) => get(`${q}&limit=100000`), indexed, setClock: (iso) => emulator.kit.clock.set(Date.parse(iso)), close: () => closeServer(server) };
}

const eventLine = fc.record({
  day: fc.integer({ min: 0, max: 5 }),
  second: fc.integer({ min: 0, max: 23 }).map((h) => h * 3600),
  name: fc.constantFrom('a', 'b', 'Signed up', 'é ü'),
  pad: fc.constantFrom('', ' ', '  '),
}).map(({ day, second, name, pad }) => `${pad}${JSON.stringify({ event: name, properties: { time: DAY0 + day * DAY + second, distinct_id: `u${second % 7}`, $insert_id: `i${day}-${second}` } })}${pad}`);
/** Events appended through the sandbox route: in and out of the range, after the clock, with properties in any order. */
const appendedEvent = fc.record({
  day: fc.integer({ min: -1, max: 6 }),
  second: fc.integer({ min: 0, max: 86_399 }),
  name: fc.constantFrom('a', 'Signed up', 'é ü'),
  first: fc.boolean(),
}).map(({ day, second, name, first }) => {
  const time = DAY0 + day * DAY + second;
  return first ? { event: name, properties: { time, distinct_id: 'p', extra: [1, { b: 'c' }] } } : { properties: { $insert_id: `a${second}`, time, distinct_id: 'q' }, event: name, x: 1 };
});
const line = fc.oneof(
  { weight: 8, arbitrary: eventLine },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '{"event":"","properties":{"time":1}}', '{"event":"x","properties":{}}', '[1,2]', '{"event":"x","properties":{"time":"1"}}') },
);

describe('events file index', () => {
  it('serves exactly the bytes of the line-by-line export, for any file, range and clock', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 6 * 24 }).map((h) => h * 3600),
        fc.array(appendedEvent, { maxLength: 8 }),
        async (lines, finalNewline, a, b, clockOffset, appended) => {
          const text = lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '');
          const s = await serve(text, new Date((DAY0 + clockOffset) * 1000).toISOString(), appended);
          try {
            expect(s.indexed).toBeNull();
            const q = `from_date=${ymd(DAY0 + Math.min(a, b) * DAY)}&to_date=${ymd(DAY0 + Math.max(a, b) * DAY)}`;
            const slow = await s.slow(q);
            expect(await s.fast(q)).toBe(slow);
            expect(await s.fast(q, true)).toBe(slow);
          } finally {
            await s.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('serves a day spread over thousands of short runs (a file ordered by person) exactly, past the size of one gathered read', async () => {
    // Two days alternate line by line, so every line is a run of its own: about 1.5 MB of the
    // requested day in 12,000 ranges, more than one gathered buffer; the last line has no newline.
    const lines: string[] = [];
    for (let i = 0; i < 24_000; i += 1) {
      lines.push(JSON.stringify({ event: 'e', properties: { time: DAY0 + (i % 2) * DAY + (i % 3600), distinct_id: `person-${i}`, $insert_id: `insert-${i}-${'x'.repeat(60)}` } }));
    }
    const s = await serve(lines.join('\n'), new Date((DAY0 + 3 * DAY) * 1000).toISOString());
    try {
      expect(s.indexed).toBeNull();
      for (const q of [`from_date=${ymd(DAY0 + DAY)}&to_date=${ymd(DAY0 + DAY)}`, `from_date=${ymd(DAY0)}&to_date=${ymd(DAY0)}`]) {
        const slow = await s.slow(q);
        expect(slow.split('\n')).toHaveLength(12_001);
        expect(await s.fast(q)).toBe(slow);
        // Again, from the answer kept in memory.
        expect(await s.fast(q, true)).toBe(slow);
      }
    } finally {
      await s.close();
    }
  });

  it('serves short runs far apart (each read on its own) exactly', async () => {
    // Lines of the second day between long lines of the first: each of its runs is a range of its own.
    const lines: string[] = [];
    for (let i = 0; i < 1_200; i += 1) {
      const day = i % 2;
      lines.push(JSON.stringify({ event: 'e', properties: { time: DAY0 + day * DAY + i, distinct_id: `person-${i}`, pad: day === 0 ? 'x'.repeat(6_000) : '' } }));
    }
    const s = await serve(`${lines.join('\n')}\n`, new Date((DAY0 + 3 * DAY) * 1000).toISOString());
    try {
      const q = `from_date=${ymd(DAY0 + DAY)}&to_date=${ymd(DAY0 + DAY)}`;
      const slow = await s.slow(q);
      expect(slow.split('\n')).toHaveLength(601);
      expect(await s.fast(q)).toBe(slow);
    } finally {
      await s.close();
    }
  });

  it('serves a kept answer only while none of its events is after the clock', async () => {
    const ev = (day: number, hour: number): string => JSON.stringify({ event: 'x', properties: { time: DAY0 + day * DAY + hour * 3600, distinct_id: `u${hour}` } });
    const s = await serve([ev(0, 1), ev(1, 2), ev(0, 20), ev(1, 9), ev(1, 22)].join('\n'), new Date((DAY0 + 3 * DAY) * 1000).toISOString());
    try {
      const q = `from_date=${ymd(DAY0)}&to_date=${ymd(DAY0 + DAY)}`;
      const all = await s.slow(q);
      expect(all.split('\n')).toHaveLength(6);
      expect(await s.fast(q)).toBe(all);
      expect(await s.fast(q)).toBe(all);
      // The clock goes back inside the second day: the kept answer would hold events after it.
      s.setClock(new Date((DAY0 + DAY + 10 * 3600) * 1000).toISOString());
      const early = await s.slow(q);
      expect(early.split('\n')).toHaveLength(5);
      expect(await s.fast(q)).toBe(early);
      s.setClock(new Date((DAY0 + 5 * DAY) * 1000).toISOString());
      expect(await s.fast(q)).toBe(all);
    } finally {
      await s.close();
    }
  });

  it('keeps one run per stretch of same-day lines, and leaves files it cannot index exactly to the line-by-line path', async () => {
    const ev = (day: number): string => JSON.stringify({ event: 'x', properties: { time: DAY0 + day * DAY + 5, distinct_id: 'u' } });
    const file = join(root, 'runs.jsonl');
    await writeFile(file, [ev(0), ev(0), ev(1), ev(1), ev(0), '', ev(0)].join('\n') + '\n');
    const index = await indexEventsFile(file);
    expect(index.ok && index.runs.count).toBe(4);
    await writeFile(file, `${ev(0)}\r\n${ev(1)}\n`);
    expect(await indexEventsFile(file)).toEqual({ ok: false, reason: 'line 1 holds a carriage return' });
    await writeFile(file, `${ev(0)}\nnot json\n`);
    expect(await indexEventsFile(file)).toEqual({ ok: false, reason: 'line 2 is not valid JSON' });
  });
});
