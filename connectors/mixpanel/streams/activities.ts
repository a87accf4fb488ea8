/**
 * Raw export -> per-day activity partitions. Multi-day ranges go out in one request (at most
 * maxDaysPerRequest days, fewer when the project's days are dense: request-window.ts) and are
 * split into UTC days locally; each day is yielded as a page that replaces that day whole, so
 * re-reading the late-data window is idempotent.
 */
import type { Page, PullContext, PullPart, QuarantinedRecord, Stream } from '../../../src/contracts/connector.ts';
import type { MixpanelActivity } from '../../../src/contracts/records.ts';
import { zodReason } from '../../../src/sources/http.ts';
import { exportBase, mixpanelAuth, type MixpanelConfig } from '../config.ts';
import { streamExport } from '../export-client.ts';
import { fastRawEvent, rawEventSchema } from '../raw-schemas.ts';
import { DayAggregator, dayNumberOf } from '../day-aggregator.ts';
import { EventScanner } from '../event-scanner.ts';
import { RequestWindow } from '../request-window.ts';

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/**
 * The days to read this run: the backfill on a first or full sync; else from the last complete
 * day on (late events of the last hours of yesterday arrive after midnight), and on the first run
 * of each UTC day from lateDataDays complete days back (the late-data sweep: events that arrive
 * days late). An hourly schedule so reads 2 days an hour instead of lateDataDays + 1, and a late
 * event older than yesterday lands within a day. Every page's checkpoint records today as swept
 * (a first or full sync covers the window too), so a run taken over mid-sweep goes on from the
 * last day it landed.
 */
export function exportRange(config: MixpanelConfig, checkpoint: PullContext<MixpanelConfig>['checkpoint'], full: boolean, now: Date): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const earliest = addDays(to, -(config.backfillDays - 1));
  const complete = full ? null : checkpoint?.completeThrough;
  let from = earliest;
  if (typeof complete === 'string' && DAY.test(complete)) {
    const sweptToday = checkpoint?.lateSweptOn === to;
    from = addDays(complete, 1 - (sweptToday ? Math.min(1, config.lateDataDays) : config.lateDataDays));
  }
  if (from < earliest) from = earliest;
  if (from > to) from = to;
  return { from, to };
}

/**
 * Part `index` of `count` of a backfill's days (part 0 the newest), as equal runs of whole days;
 * null when the range has fewer days than parts and this part gets none.
 */
export function partRange(range: { from: string; to: string }, part: PullPart): { from: string; to: string } | null {
  const days = Math.round((Date.parse(`${range.to}T00:00:00Z`) - Date.parse(`${range.from}T00:00:00Z`)) / DAY_MS) + 1;
  const size = Math.ceil(days / part.count);
  const to = addDays(range.to, -part.index * size);
  if (to < range.from) return null;
  const from = addDays(to, -(size - 1));
  return { from: from < range.from ? range.from : from, to };
}

/**
 * The days this pull reads: exportRange's, or for a part of a backfill its share of the backfill's
 * days, from its own checkpoint on when it resumes (a taken-over job; pull.ts passes a part only
 * the checkpoint it saved itself in this run).
 */
function daysToRead(ctx: PullContext<MixpanelConfig>): { from: string; to: string } | null {
  if (!ctx.part) return exportRange(ctx.config, ctx.checkpoint, ctx.full, ctx.now);
  const part = partRange(exportRange(ctx.config, null, true, ctx.now), ctx.part);
  if (part === null || ctx.checkpoint === null) return part;
  const resumed = exportRange(ctx.config, ctx.checkpoint, false, ctx.now);
  return resumed.from > part.to ? null : { from: resumed.from > part.from ? resumed.from : part.from, to: part.to };
}

/** One export request's days, read and aggregated. */
interface RequestRead {
  from: string;
  to: string;
  days: MixpanelActivity[][];
  quarantined: QuarantinedRecord[];
  lines: number;
  events: number;
  duplicates: number;
}

/**
 * Reads one export request whole: each line checked and its fields read by the scanner
 * (event-scanner.ts) or, for a line it leaves, parsed and checked (the hand-written check accepts
 * exactly what rawEventSchema accepts, property-tested; the schema words the reason of a rejected
 * line); then de-duplicated and aggregated by UTC day. A malformed line is quarantined.
 */
async function readRequest(ctx: PullContext<MixpanelConfig>, from: string, to: string, signal: AbortSignal): Promise<RequestRead> {
  const { config } = ctx;
  const url = `${exportBase(config)}/api/2.0/export?project_id=${encodeURIComponent(config.projectId)}&from_date=${from}&to_date=${to}`;
  const aggregator = new DayAggregator(config.accountIdProperty);
  const quarantined: QuarantinedRecord[] = [];
  const firstDay = Date.parse(`${from}T00:00:00Z`) / DAY_MS;
  const lastDay = Date.parse(`${to}T00:00:00Z`) / DAY_MS;
  const scanner = new EventScanner(config.accountIdProperty);
  let read = 0;
  for await (const { texts, lines } of streamExport({ url, authorization: mixpanelAuth(config), timeoutMs: config.timeoutMs, idleTimeoutMs: config.idleTimeoutMs, signal })) {
    read += texts.length;
    for (let i = 0; i < texts.length; i += 1) {
      const text = texts[i] as string;
      if (scanner.scan(text)) {
        const day = dayNumberOf(scanner.time);
        if (day >= firstDay && day <= lastDay) aggregator.addFields(scanner.event, scanner.time, scanner.distinctId, scanner.insertId, scanner.account, day);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        quarantined.push({ sourceId: null, reason: `export line ${lines[i]}: not valid JSON`, raw: text.slice(0, 2000) });
        continue;
      }
      let properties = fastRawEvent(value);
      if (properties === null) {
        const parsed = rawEventSchema.safeParse(value);
        if (!parsed.success) {
          quarantined.push({ sourceId: null, reason: `export line ${lines[i]}: ${zodReason(parsed.error.issues)}`, raw: text.slice(0, 2000) });
          continue;
        }
        properties = parsed.data.properties;
      }
      const day = dayNumberOf(properties.time as number);
      if (day < firstDay || day > lastDay) continue;
      aggregator.addRaw((value as { event: string }).event, properties, day);
    }
  }
  const days: MixpanelActivity[][] = [];
  for (let day = firstDay; day <= lastDay; day += 1) days.push(aggregator.take(day));
  return { from, to, days, quarantined, lines: read, events: aggregator.events, duplicates: aggregator.duplicates };
}

export const activitiesStream: Stream<MixpanelConfig, 'mixpanel.activity'> = {
  name: 'activities',
  kind: 'mixpanel.activity',
  partitioned: true,
  async *pull(ctx: PullContext<MixpanelConfig>): AsyncGenerator<Page<'mixpanel.activity'>> {
    const range = daysToRead(ctx);
    if (range === null) return;
    const today = ctx.now.toISOString().slice(0, 10);
    const requests = new RequestWindow(ctx.config);
    interface Pending {
      read: Promise<RequestRead>;
      stop: AbortController;
    }
    // The next request is opened as soon as one is read, before its pages go out: its body is
    // read and parsed while the pull waits for Redis to store the pages of this one.
    const start = (from: string): Pending | null => {
      if (from > range.to) return null;
      let to = addDays(from, requests.nextDays() - 1);
      if (to > range.to) to = range.to;
      const stop = new AbortController();
      const read = readRequest(ctx, from, to, ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal);
      read.catch(() => undefined); // awaited below, or given up in finally
      return { read, stop };
    };
    let next = start(range.from);
    try {
      while (next !== null) {
        const read = await next.read;
        next = null;
        requests.observe(read.days.length, read.lines);
        next = start(addDays(read.to, 1));
        let day = read.from;
        for (let i = 0; i < read.days.length; i += 1, day = addDays(day, 1)) {
          const records = read.days[i] as MixpanelActivity[];
          read.days[i] = []; // a page handed out is not kept here while the next request is read
          yield {
            kind: 'mixpanel.activity',
            records,
            quarantined: i === 0 ? read.quarantined : [],
            partition: day,
            // Today is not complete yet: it never moves the checkpoint past yesterday.
            checkpoint: { completeThrough: day < today ? day : addDays(today, -1), lateSweptOn: today },
            apiCalls: i === 0 ? 1 : 0,
          };
        }
        ctx.log.debug({ from: read.from, to: read.to, lines: read.lines, events: read.events, duplicates: read.duplicates, quarantined: read.quarantined.length }, 'mixpanel export chunk read');
      }
    } finally {
      // A pull that stops early (an error, a lost lock) leaves no request behind it running.
      const left = next as Pending | null;
      if (left !== null) {
        left.stop.abort();
        await left.read.catch(() => undefined);
      }
    }
  },
};
