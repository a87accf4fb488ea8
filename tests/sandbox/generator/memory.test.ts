/** Events stream to disk with backpressure: memory stays bounded however many events there are. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateDataset } from '../../../src/sandbox/generator/index.ts';

const root = mkdtempSync(join(tmpdir(), 'tidemark-gen-mem-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

it('generates 500 accounts and about a million events with bounded heap and buffer growth', async () => {
  const dir = join(root, 'big');
  const before = used();
  let peak = 0;
  // Sampled while generating: the writer yields to the event loop whenever the disk lags behind.
  const sampler = setInterval(() => {
    peak = Math.max(peak, used() - before);
  }, 5);
  const summary = await generateDataset({ accounts: 500, seed: 3, out: dir, now: new Date('2026-11-20T12:00:00Z'), usersPerAccount: 20, eventsPerActiveUserPerDay: 4 });
  clearInterval(sampler);
  peak = Math.max(peak, used() - before);
  const bytes = statSync(summary.paths.event).size;
  expect(summary.counts.event).toBeGreaterThan(800_000);
  expect(bytes).toBeGreaterThan(150 * 1024 * 1024);
  // Holding the events (or the stream's unwritten buffers) would take more than the file's size.
  expect(peak).toBeLessThan(100 * 1024 * 1024);
  expect(peak).toBeLessThan(bytes / 2);
}, 20_000);
