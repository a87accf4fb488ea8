/**
 * The contract every connector keeps, run against an emulator or nock by each connector's test:
 * - every mapped record is valid against the canonical schemas, of the stream's kind;
 * - every checkpoint is flat (scalars only);
 * - resuming from the checkpoint of page n yields exactly the records of pages n+1 onward
 *   (streams that checkpoint nothing before their last page cannot resume mid-way and are exempt);
 * - a second run from the last checkpoint yields nothing new (at most records identical to ones
 *   already pulled, e.g. a time-based export repeating its boundary second);
 * - refused credentials map to AuthError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStream, Checkpoint, Connector, Page } from '../../src/contracts/connector.ts';
import { AuthError } from '../../src/contracts/errors.ts';
import { canonicalRecordSchema, type RecordKind } from '../../src/contracts/records.ts';
import { silentLogger } from '../../src/logging/logger.ts';

export interface ContractFixture<C> {
  connector: Connector<C>;
  config: C;
  /** The same config with credentials the source refuses. */
  badConfig: C;
  now: Date;
  /** Streams to exercise (default: all); each should yield at least two pages for the resume test. */
  streams?: string[];
  close(): Promise<void>;
}

async function pull<C>(stream: AnyStream<C>, config: C, checkpoint: Checkpoint | null, now: Date): Promise<Array<Page<RecordKind>>> {
  const pages: Array<Page<RecordKind>> = [];
  const iterable = stream.pull({ config, checkpoint, full: false, now, log: silentLogger() }) as AsyncIterable<Page<RecordKind>>;
  for await (const page of iterable) pages.push(page);
  return pages;
}

const key = (r: { id: string }): string => JSON.stringify(r);

export function defineConnectorContractTests<C>(name: string, make: () => Promise<ContractFixture<C>>): void {
  describe(`connector contract: ${name}`, () => {
    let fx: ContractFixture<C>;
    beforeAll(async () => {
      fx = await make();
    });
    afterAll(async () => {
      await fx.close();
    });
    const streams = (): Array<AnyStream<C>> => fx.connector.streams.filter((s) => !fx.streams || fx.streams.includes(s.name));

    it('has an id, a title, a config schema that accepts its config, and streams', () => {
      expect(fx.connector.id).toBe(name);
      expect(fx.connector.title.length).toBeGreaterThan(0);
      expect(fx.connector.configSchema.safeParse(fx.config).success).toBe(true);
      expect(streams().length).toBeGreaterThan(0);
    });

    it('maps records valid against the canonical schemas, with flat checkpoints', async () => {
      for (const stream of streams()) {
        const pages = await pull(stream, fx.config, null, fx.now);
        expect(pages.length, `${stream.name} yields pages`).toBeGreaterThan(0);
        expect(pages.flatMap((p) => p.records).length, `${stream.name} yields records`).toBeGreaterThan(0);
        for (const page of pages) {
          expect(page.kind).toBe(stream.kind);
          expect(Number.isInteger(page.apiCalls) && page.apiCalls >= 0).toBe(true);
          for (const v of Object.values(page.checkpoint)) expect(v === null || ['string', 'number', 'boolean'].includes(typeof v), `${stream.name} checkpoint is flat`).toBe(true);
          for (const r of page.records) {
            const parsed = canonicalRecordSchema.safeParse(r);
            expect(parsed.success, `${stream.name} record ${JSON.stringify(r).slice(0, 200)}`).toBe(true);
            expect(r.kind).toBe(stream.kind);
          }
        }
      }
    });

    it('resuming from page n yields exactly the pages after it', async () => {
      let exercised = 0;
      for (const stream of streams()) {
        const pages = await pull(stream, fx.config, null, fx.now);
        // A stream that checkpoints nothing before its last page cannot resume mid-way (a full read,
        // or Mixpanel engage: a read cut short starts again from page 0): nothing to resume.
        if (pages.slice(0, -1).every((p) => Object.keys(p.checkpoint).length === 0)) continue;
        expect(pages.length, `${stream.name} needs two pages to test resuming`).toBeGreaterThan(1);
        for (const n of [0, pages.length - 2]) {
          const resumed = await pull(stream, fx.config, pages[n]?.checkpoint ?? null, fx.now);
          const expected = pages.slice(n + 1);
          expect(resumed.flatMap((p) => p.records.map(key)), `${stream.name} resumed after page ${n}`).toEqual(expected.flatMap((p) => p.records.map(key)));
          expect(resumed.map((p) => p.partition ?? null)).toEqual(expected.map((p) => p.partition ?? null));
        }
        exercised += 1;
      }
      expect(exercised).toBeGreaterThan(0);
    });

    it('a second identical run yields nothing new', async () => {
      for (const stream of streams()) {
        const pages = await pull(stream, fx.config, null, fx.now);
        const seen = new Set(pages.flatMap((p) => p.records.map(key)));
        const again = await pull(stream, fx.config, pages.at(-1)?.checkpoint ?? null, fx.now);
        const fresh = again.flatMap((p) => p.records.map(key)).filter((k) => !seen.has(k));
        expect(fresh, `${stream.name} second run`).toEqual([]);
      }
    });

    it('maps refused credentials to AuthError', async () => {
      const [first] = streams();
      if (!first) throw new Error('no stream to test');
      await expect(pull(first, fx.badConfig, null, fx.now)).rejects.toBeInstanceOf(AuthError);
    });
  });
}
