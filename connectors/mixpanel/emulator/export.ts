/**
 * GET /api/2.0/export: raw events as JSON Lines, streamed from the dataset's events file (never
 * loaded whole) and then the events appended by tests; optional gzip.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { EmulatorClock } from '../../../src/sandbox/emulator-kit/index.ts';
import { sendError } from './errors.ts';
import { serveRuns, type EventIndex } from './event-index.ts';
import { rawEventSchema, type MixpanelStore } from './store.ts';
import { WhereError, evaluateWhere, parseWhere, type WhereNode } from './where.ts';

const DAY_SECONDS = 86_400;
const MAX_RANGE_DAYS = 365;
const MAX_LIMIT = 100_000;

const exportQuerySchema = z.object({
  from_date: z.string().optional(),
  to_date: z.string().optional(),
  event: z.string().optional(),
  where: z.string().optional(),
  limit: z.string().optional(),
  time_in_ms: z.enum(['true', 'false']).optional(),
});

/** Test knob: the next `count` exports stop after `afterLines` lines with the line "terminated early". */
export interface TerminateEarly {
  count: number;
  afterLines: number;
}

export interface ExportDeps {
  store: MixpanelStore;
  clock: EmulatorClock;
  eventsFile: string | null;
  terminateEarly: TerminateEarly;
  /** The events file's day index (built once, on first use); null: serve line by line. */
  eventIndex: () => Promise<EventIndex | null>;
  /** zlib level of gzip answers. */
  gzipLevel: number;
}

/** Parses YYYY-MM-DD as a UTC day; null when malformed or not a real date. */
function dayStart(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return null;
  return ms / 1000;
}

async function* fileLines(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of rl) if (line.trim() !== '') yield line;
  } finally {
    rl.close();
    stream.destroy();
  }
}

interface Filter {
  from: number;
  to: number;
  events: Set<string> | null;
  where: WhereNode | null;
  limit: number;
  timeInMs: boolean;
}

/** Raw byte ranges of the indexed file, then the appended events: for a request with no filter but the dates. */
async function* indexedExport(deps: ExportDeps, file: string, index: EventIndex & { ok: true }, filter: Filter): AsyncGenerator<Buffer | string> {
  const nowSeconds = deps.clock.now() / 1000;
  yield* serveRuns(file, index.runs, filter.from, filter.to, nowSeconds);
  yield* appendedLines(deps, filter, nowSeconds);
}

/** The appended events of an unfiltered export: the lines exportLines would serve, from their rendering at append time. */
function* appendedLines(deps: ExportDeps, filter: Filter, nowSeconds: number): Generator<string> {
  let chunk = '';
  for (const { time, text } of deps.store.appendedLines()) {
    if (time < filter.from || time >= filter.to || time > nowSeconds) continue;
    chunk += `${text}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Whether a request can be answered from the index: no event, where, limit, time_in_ms or terminate-early. */
function unfiltered(filter: Filter, terminateAfter: number | null): boolean {
  return filter.events === null && filter.where === null && filter.limit === Number.POSITIVE_INFINITY && !filter.timeInMs && terminateAfter === null;
}

async function* exportLines(deps: ExportDeps, filter: Filter, terminateAfter: number | null): AsyncGenerator<string> {
  const nowSeconds = deps.clock.now() / 1000;
  let served = 0;
  const matches = (value: unknown): value is z.infer<typeof rawEventSchema> => {
    const parsed = rawEventSchema.safeParse(value);
    if (!parsed.success) return false;
    const { time } = parsed.data.properties;
    if (time < filter.from || time >= filter.to || time > nowSeconds) return false;
    if (filter.events && !filter.events.has(parsed.data.event)) return false;
    return filter.where === null || evaluateWhere(filter.where, parsed.data.properties);
  };
  const render = (event: z.infer<typeof rawEventSchema>, text: string | null): string =>
    filter.timeInMs ? JSON.stringify({ ...event, properties: { ...event.properties, time: Math.round(event.properties.time * 1000) } }) : (text ?? JSON.stringify(event));
  async function* candidates(): AsyncGenerator<{ value: unknown; text: string | null }> {
    if (deps.eventsFile) {
      for await (const text of fileLines(deps.eventsFile)) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new Error(`${deps.eventsFile}: a line is not valid JSON; fix the dataset`);
        }
        yield { value, text };
      }
    }
    for (const event of deps.store.appendedEvents()) yield { value: event, text: null };
  }
  // Lines go out in chunks of about 64 KB: one write per line would make the emulator, not the
  // client, the bottleneck of every ingest measurement.
  let chunk = '';
  for await (const { value, text } of candidates()) {
    if (served >= filter.limit) break;
    if (terminateAfter !== null && served >= terminateAfter) break;
    if (!matches(value)) continue;
    served += 1;
    chunk += `${render(value, text)}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
  if (terminateAfter !== null) yield 'terminated early\n';
}

/** True when a kit body fault (reset/truncate/malformed) has wrapped res.write: those act on the plain body. */
function bodyFaultActive(res: Response): boolean {
  return Object.prototype.hasOwnProperty.call(res, 'write');
}

export function exportHandler(deps: ExportDeps): RequestHandler {
  return async (req, res) => {
    const parsed = exportQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      sendError(req, res, 400, 'give each parameter once');
      return;
    }
    const q = parsed.data;
    if (q.from_date === undefined) return sendError(req, res, 400, "'from_date' is a required parameter");
    if (q.to_date === undefined) return sendError(req, res, 400, "'to_date' is a required parameter");
    const from = dayStart(q.from_date);
    const to = dayStart(q.to_date);
    if (from === null) return sendError(req, res, 400, `'from_date' is invalid: ${q.from_date} is not a date in the form YYYY-MM-DD`);
    if (to === null) return sendError(req, res, 400, `'to_date' is invalid: ${q.to_date} is not a date in the form YYYY-MM-DD`);
    if (from > to) return sendError(req, res, 400, `'from_date' ${q.from_date} is after 'to_date' ${q.to_date}`);
    if ((to - from) / DAY_SECONDS >= MAX_RANGE_DAYS) return sendError(req, res, 400, `Date range exceeds ${MAX_RANGE_DAYS} days into the past`);
    let events: Set<string> | null = null;
    if (q.event !== undefined) {
      const names = z.array(z.string()).safeParse(safeJson(q.event));
      if (!names.success) return sendError(req, res, 400, `'event' must be a JSON array of event names, e.g. ["Signed up"]`);
      events = new Set(names.data);
    }
    let where: WhereNode | null = null;
    if (q.where !== undefined && q.where.trim() !== '') {
      try {
        where = parseWhere(q.where);
      } catch (err) {
        if (!(err instanceof WhereError)) throw err;
        return sendError(req, res, 400, `'where' is not a valid expression: ${err.message}`);
      }
    }
    // Without `limit` the export returns every matching event, as Mixpanel's does.
    let limit = Number.POSITIVE_INFINITY;
    if (q.limit !== undefined) {
      const n = Number(q.limit);
      if (!Number.isInteger(n) || n <= 0 || n > MAX_LIMIT) return sendError(req, res, 400, `'limit' must be an integer from 1 to ${MAX_LIMIT}`);
      limit = n;
    }
    let terminateAfter: number | null = null;
    if (deps.terminateEarly.count > 0) {
      deps.terminateEarly.count -= 1;
      terminateAfter = deps.terminateEarly.afterLines;
    }
    const filter: Filter = { from, to: to + DAY_SECONDS, events, where, limit, timeInMs: q.time_in_ms === 'true' };
    res.status(200).setHeader('Content-Type', 'text/plain; charset=utf-8');
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && !bodyFaultActive(res);
    const index = deps.eventsFile && unfiltered(filter, terminateAfter) ? await deps.eventIndex() : null;
    const source = Readable.from(index?.ok && deps.eventsFile ? indexedExport(deps, deps.eventsFile, index, filter) : exportLines(deps, filter, terminateAfter));
    try {
      if (gzip) {
        res.setHeader('Content-Encoding', 'gzip');
        await pipeline(source, createGzip({ level: deps.gzipLevel }), res);
      } else {
        await pipeline(source, res);
      }
    } catch {
      // The client went away, a fault reset the socket, or the dataset is broken: the stream is already cut.
      if (!res.destroyed) res.destroy();
    }
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
