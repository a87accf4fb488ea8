/** The Mixpanel connector against the Mixpanel emulator: day partitions, de-duplication, paging, errors. */
import type { Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Stream } from '../../../src/contracts/connector.ts';
import { mixpanelConnector, mixpanelConfigSchema, type MixpanelConfig } from '../../../connectors/mixpanel/index.ts';
import { createMixpanelEmulator } from '../../../connectors/mixpanel/emulator/index.ts';
import { parseJsonLine, readJsonLines, readLineBatches } from '../../../connectors/mixpanel/jsonl-reader.ts';
import { exportRange } from '../../../connectors/mixpanel/streams/activities.ts';
import { AuthError, TransientError } from '../../../src/contracts/errors.ts';
import { closeServer, listen } from '../../../src/sandbox/emulator-kit/index.ts';
import { silentLogger } from '../../../src/logging/logger.ts';
import { writeDataset } from '../zendesk/emulator/helpers.ts';
import { collect } from '../collect.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const t = (day: string, hour: number): number => Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`) / 1000;
const events = [
  { event: 'login', properties: { time: t('2026-11-18', 9), distinct_id: 'a', $insert_id: 'e1' } },
  { event: 'login', properties: { time: t('2026-11-18', 9), distinct_id: 'a', $insert_id: 'e1' } },
  { event: 'report', properties: { time: t('2026-11-18', 10), distinct_id: 'a', $insert_id: 'e2' } },
  { event: 'login', properties: { time: t('2026-11-18', 11), distinct_id: 'b', $insert_id: 'e3', account_id: '001000000000001AAA' } },
  { event: 'login', properties: { time: t('2026-11-19', 8), distinct_id: 'a', $insert_id: 'e4' } },
];
const profiles = Array.from({ length: 5 }, (_, i) => ({ $distinct_id: `p${i}`, $properties: { $email: `p${i}@acme.com`, ...(i === 0 ? { account_id: '001000000000001AAA' } : {}) } }));

let server: Server;
let url = '';
let cleanup: () => Promise<void>;
let config: MixpanelConfig;
const activities = mixpanelConnector.streams.find((s) => s.name === 'activities') as Stream<MixpanelConfig, 'mixpanel.activity'>;
const profilesStream = mixpanelConnector.streams.find((s) => s.name === 'profiles') as Stream<MixpanelConfig, 'mixpanel.profile'>;

beforeAll(async () => {
  const written = await writeDataset({ 'mixpanel/events.jsonl': events, 'mixpanel/profiles.jsonl': profiles }, NOW.toISOString());
  cleanup = written.cleanup;
  const emulator = createMixpanelEmulator({ dataset: written.dataset, seed: 1 });
  ({ server, url } = await listen(emulator.app, 0));
  config = mixpanelConfigSchema.parse({ projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', exportBaseUrl: url, queryBaseUrl: url, backfillDays: 4, maxDaysPerRequest: 2 });
});
afterAll(async () => {
  await closeServer(server);
  await cleanup();
});
afterEach(async () => {
  await fetch(`${url}/__sandbox/faults`, { method: 'DELETE' });
});

describe('Mixpanel activities', () => {
  it('splits the gzip export into day partitions, de-duplicates by $insert_id, keeps the explicit account id', async () => {
    const pages = await collect(activities, config, null, NOW);
    expect(pages.map((p) => p.partition)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20']);
    expect(pages.map((p) => p.apiCalls)).toEqual([1, 0, 1, 0]);
    const day18 = pages[1]?.records ?? [];
    expect(day18.map((r) => [r.distinctId, r.accountId, r.eventCount, r.eventNames])).toEqual([
      ['a', null, 2, ['login', 'report']],
      ['b', '001000000000001AAA', 1, ['login']],
    ]);
    expect(pages.flatMap((p) => p.quarantined)).toHaveLength(0);
    expect(pages.map((p) => p.checkpoint.completeThrough)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-19']);
  });

  it('quarantines a malformed line and lands the rest of the export', async () => {
    await fetch(`${url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'malformed', count: 1 }) });
    const pages = await collect(activities, config, null, NOW);
    expect(pages.flatMap((p) => p.quarantined).length).toBe(1);
    expect(pages.flatMap((p) => p.records).reduce((n, r) => n + r.eventCount, 0)).toBe(4);
  });

  it('re-reads the late-data window from the checkpoint and never before the backfill', () => {
    expect(exportRange(config, { completeThrough: '2026-11-19' }, false, NOW)).toEqual({ from: '2026-11-17', to: '2026-11-20' });
    expect(exportRange({ ...config, lateDataDays: 1 }, { completeThrough: '2026-11-18' }, false, NOW)).toEqual({ from: '2026-11-18', to: '2026-11-20' });
    expect(exportRange({ ...config, lateDataDays: 0 }, { completeThrough: '2026-11-18' }, false, NOW)).toEqual({ from: '2026-11-19', to: '2026-11-20' });
    expect(exportRange(config, { completeThrough: '2026-11-19' }, true, NOW)).toEqual({ from: '2026-11-17', to: '2026-11-20' });
  });

  it('sweeps the whole late-data window once per UTC day; later runs that day re-read the last complete day', () => {
    const wide = { ...config, backfillDays: 90 };
    // First run of the day: yesterday's runs left completeThrough at the day before yesterday.
    expect(exportRange(wide, { completeThrough: '2026-11-18', lateSweptOn: '2026-11-19' }, false, NOW)).toEqual({ from: '2026-11-14', to: '2026-11-20' });
    // Swept today already: yesterday and today only.
    expect(exportRange(wide, { completeThrough: '2026-11-19', lateSweptOn: '2026-11-20' }, false, NOW)).toEqual({ from: '2026-11-19', to: '2026-11-20' });
    expect(exportRange({ ...wide, lateDataDays: 0 }, { completeThrough: '2026-11-19', lateSweptOn: '2026-11-20' }, false, NOW)).toEqual({ from: '2026-11-20', to: '2026-11-20' });
    // A sweep taken over after landing 2026-11-16 goes on from there.
    expect(exportRange(wide, { completeThrough: '2026-11-16', lateSweptOn: '2026-11-20' }, false, NOW)).toEqual({ from: '2026-11-16', to: '2026-11-20' });
    // --full ignores the mark.
    expect(exportRange(wide, { completeThrough: '2026-11-19', lateSweptOn: '2026-11-20' }, true, NOW)).toEqual({ from: '2026-08-23', to: '2026-11-20' });
  });

  it('every page marks today as swept, so the next run that day reads 2 days', async () => {
    const pages = await collect(activities, config, { completeThrough: '2026-11-19', lateSweptOn: '2026-11-19' }, NOW);
    expect(pages.map((p) => p.partition)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20']);
    expect(pages.map((p) => p.checkpoint.lateSweptOn)).toEqual(['2026-11-20', '2026-11-20', '2026-11-20', '2026-11-20']);
    const next = await collect(activities, config, pages.at(-1)?.checkpoint ?? null, NOW);
    expect(next.map((p) => p.partition)).toEqual(['2026-11-19', '2026-11-20']);
  });

  it('a truncated export body or an auth failure is reported, never half-landed silently', async () => {
    await fetch(`${url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'truncate', count: 1 }) });
    await expect(collect(activities, config, null, NOW)).rejects.toBeInstanceOf(TransientError);
    await expect(collect(activities, { ...config, serviceAccountSecret: 'nope' }, null, NOW)).rejects.toBeInstanceOf(AuthError);
  });
});

describe('Mixpanel profiles', () => {
  it('reads every profile with email and account id', async () => {
    const pages = await collect(profilesStream, config, null, NOW);
    const records = pages.flatMap((p) => p.records);
    expect(records).toHaveLength(5);
    expect(records.find((r) => r.id === 'p0')).toEqual({ kind: 'mixpanel.profile', id: 'p0', email: 'p0@acme.com', accountId: '001000000000001AAA' });
    expect(await mixpanelConnector.check(config, silentLogger())).toMatchObject({ ok: true });
  });
});

describe('streaming JSON Lines reader', () => {
  async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
    for (const p of parts) yield new TextEncoder().encode(p);
  }
  const read = async (parts: string[]) => {
    const out: unknown[] = [];
    for await (const l of readJsonLines(chunks(parts))) out.push(l.value);
    return out;
  };

  it('joins a line split across chunks and across a multi-byte character', async () => {
    const text = '{"a":"é"}\n{"b":2}\n';
    const bytes = new TextEncoder().encode(text);
    async function* split(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 7);
      yield bytes.subarray(7);
    }
    const out: unknown[] = [];
    for await (const l of readJsonLines(split())) out.push(l.value);
    expect(out).toEqual([{ a: 'é' }, { b: 2 }]);
  });

  it('hands out each non-blank line trimmed, with its number, however the body is cut into chunks', async () => {
    const piece = fc.constantFrom('{"a":1}', '{"event":"é😀","properties":{}}', 'x', ' ', '\r', '\t', '\u00a0', '\ufeff', '\u2028', 'é', '😀', '{', '}');
    const line = fc.array(piece, { maxLength: 5 }).map((ps) => ps.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), async (lines, cuts, lastNewline) => {
        const body = lines.join('\n') + (lastNewline ? '\n' : '');
        const raw = lines.map((l, i) => ({ text: l.trim(), line: i + 1 })).filter((l) => l.text !== '');
        // A last line with no newline after it must be valid JSON (else the body counts as truncated).
        const last = lines[lines.length - 1] as string;
        if (!lastNewline && last.trim() !== '' && parseJsonLine(last.trim()) === undefined) return;
        const bytes = new TextEncoder().encode(body);
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        async function* split(): AsyncGenerator<Uint8Array> {
          let from = 0;
          for (const c of [...at, bytes.length]) {
            yield bytes.subarray(from, c);
            from = c;
          }
        }
        const out: Array<{ text: string; line: number }> = [];
        for await (const batch of readLineBatches(split())) {
          for (let i = 0; i < batch.lines.length; i += 1) out.push({ text: batch.texts[i] as string, line: batch.lines[i] as number });
        }
        expect(out).toEqual(raw);
      }),
      { numRuns: 2_000 },
    );
  });

  it('treats "terminated early" and a partial last line as transient', async () => {
    await expect(read(['{"a":1}\n', 'terminated early\n'])).rejects.toThrow(/terminated early/);
    await expect(read(['{"a":1}\n{"b":'])).rejects.toThrow(/partial line/);
    expect(await read(['{"a":1}\nnot json\n{"c":3}'])).toEqual([{ a: 1 }, undefined, { c: 3 }]);
  });

  it('streams: lines come out while the body is still arriving, so an endless body never has to be held', async () => {
    let chunksRead = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const block = new TextEncoder().encode(`${JSON.stringify({ event: 'x', properties: { time: 1, distinct_id: 'd', pad: 'p'.repeat(200) } })}\n`.repeat(1000));
      for (;;) {
        chunksRead += 1;
        yield block;
      }
    }
    let n = 0;
    for await (const _ of readJsonLines(endless())) {
      n += 1;
      if (n === 300_000) break;
    }
    expect(n).toBe(300_000);
    // At most one chunk is read ahead of the lines handed out.
    expect(chunksRead).toBeLessThanOrEqual(301);
  });
});
