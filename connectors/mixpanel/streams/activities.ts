/**
 * Raw export -> per-day activity partitions. Multi-day ranges go out in one request (at most
 * maxDaysPerRequest days) and are split into UTC days locally; each day is yielded as a page
 * that replaces that day whole, so re-reading the late-data window is idempotent.
 */
import type { Page, PullContext, QuarantinedRecord, Stream } from '../../../src/contracts/connector.ts';
import { request, zodReason } from '../../../src/sources/http.ts';
import { exportBase, mixpanelAuth, MIXPANEL_AUTH_HINT, type MixpanelConfig } from '../config.ts';
import { readJsonLines } from '../jsonl-reader.ts';
import { rawEventSchema } from '../raw-schemas.ts';
import { DayAggregator, dayOf } from '../day-aggregator.ts';

const DAY_MS = 86_400_000;
const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** The days to read this run: the backfill on a first or full sync, else from the late-data window on. */
export function exportRange(config: MixpanelConfig, checkpoint: PullContext<MixpanelConfig>['checkpoint'], full: boolean, now: Date): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const earliest = addDays(to, -(config.backfillDays - 1));
  const complete = full ? null : checkpoint?.completeThrough;
  let from = typeof complete === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(complete) ? addDays(complete, -config.lateDataDays) : earliest;
  if (from < earliest) from = earliest;
  if (from > to) from = to;
  return { from, to };
}

export const activitiesStream: Stream<MixpanelConfig, 'mixpanel.activity'> = {
  name: 'activities',
  kind: 'mixpanel.activity',
  async *pull(ctx: PullContext<MixpanelConfig>): AsyncGenerator<Page<'mixpanel.activity'>> {
    const { config } = ctx;
    const range = exportRange(config, ctx.checkpoint, ctx.full, ctx.now);
    for (let chunkFrom = range.from; chunkFrom <= range.to; chunkFrom = addDays(chunkFrom, config.maxDaysPerRequest)) {
      let chunkTo = addDays(chunkFrom, config.maxDaysPerRequest - 1);
      if (chunkTo > range.to) chunkTo = range.to;
      const url = `${exportBase(config)}/api/2.0/export?project_id=${encodeURIComponent(config.projectId)}&from_date=${chunkFrom}&to_date=${chunkTo}`;
      const res = await request(url, {
        upstream: 'mixpanel',
        headers: { authorization: mixpanelAuth(config), accept: 'text/plain', 'accept-encoding': 'gzip' },
        authHint: MIXPANEL_AUTH_HINT,
        timeoutMs: config.timeoutMs,
      });
      const aggregator = new DayAggregator(config.accountIdProperty);
      const quarantined: QuarantinedRecord[] = [];
      if (res.body) {
        for await (const line of readJsonLines(res.body, 'mixpanel')) {
          const parsed = line.value === undefined ? null : rawEventSchema.safeParse(line.value);
          if (!parsed || !parsed.success) {
            quarantined.push({ sourceId: null, reason: parsed ? `export line ${line.line}: ${zodReason(parsed.error.issues)}` : `export line ${line.line}: not valid JSON`, raw: line.text.slice(0, 2000) });
            continue;
          }
          const day = dayOf(parsed.data.properties.time);
          if (day < chunkFrom || day > chunkTo) continue;
          aggregator.add(parsed.data, `${chunkFrom}:${line.line}`);
        }
      }
      let first = true;
      for (let day = chunkFrom; day <= chunkTo; day = addDays(day, 1)) {
        yield {
          kind: 'mixpanel.activity',
          records: aggregator.take(day),
          quarantined: first ? quarantined : [],
          partition: day,
          checkpoint: { completeThrough: day },
          apiCalls: first ? 1 : 0,
        };
        first = false;
      }
      ctx.log.debug({ from: chunkFrom, to: chunkTo, duplicates: aggregator.duplicates, quarantined: quarantined.length }, 'mixpanel export chunk read');
    }
  },
};
