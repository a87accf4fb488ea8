/**
 * The time-based organizations export: follow end_time until end_of_stream (next_page stays set
 * at the end, so it is not the stop signal). Items sharing the boundary second repeat at the
 * start of the next page: they are de-duplicated by id (and updated_at, so a real change still
 * lands). The checkpoint carries the boundary second and the items already read at it, so a
 * resumed or later run does not yield them again.
 */
import type { Page, PullContext, Stream } from '../../../src/contracts/connector.ts';
import { TransientError } from '../../../src/contracts/errors.ts';
import { zodReason } from '../../../src/sources/http.ts';
import { safeStartTime, zendeskGet } from '../client.ts';
import type { ZendeskConfig } from '../config.ts';
import { mapOrganizations } from '../mappers.ts';
import { timePageSchema } from '../raw-schemas.ts';

/**
 * At most this many boundary items are remembered in the checkpoint (about 20 bytes each); beyond
 * it they are read again by the next run (harmless upserts, but counted as pulled again). A bulk
 * update touches thousands of organizations in one second: 200 was too few (a 20,000-account
 * sandbox re-read 202 organizations on every run).
 */
const MAX_BOUNDARY = 10_000;

const second = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

export const organizationsStream: Stream<ZendeskConfig, 'zendesk.organization'> = {
  name: 'organizations',
  kind: 'zendesk.organization',
  async *pull(ctx: PullContext<ZendeskConfig>): AsyncGenerator<Page<'zendesk.organization'>> {
    const saved = ctx.full ? null : ctx.checkpoint;
    const seen = new Set<string>();
    let start: number;
    if (saved && typeof saved.startTime === 'number') {
      start = saved.startTime;
      if (typeof saved.boundary === 'string' && saved.boundary !== '') for (const k of saved.boundary.split(',')) seen.add(k);
    } else {
      start = ctx.now.getTime() / 1000 - ctx.config.firstSyncHorizonDays * 86400;
    }
    start = safeStartTime(start, ctx.now);
    for (;;) {
      const body = await zendeskGet(ctx.config, `/api/v2/incremental/organizations.json?start_time=${start}&per_page=${ctx.config.perPage}`);
      const meta = timePageSchema.safeParse(body);
      if (!meta.success) throw new TransientError(`zendesk organizations export page is malformed: ${zodReason(meta.error.issues)}`);
      const mapped = mapOrganizations(meta.data.organizations);
      const fresh = mapped.records.filter((o) => {
        const k = `${o.id}@${second(o.updatedAt)}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      const end = meta.data.end_time ?? start;
      const boundary = [...seen].filter((k) => Number(k.slice(k.indexOf('@') + 1)) >= end);
      yield {
        kind: 'zendesk.organization',
        records: fresh,
        quarantined: mapped.quarantined,
        deletedIds: mapped.deletedIds,
        checkpoint: { startTime: end, boundary: boundary.length <= MAX_BOUNDARY ? boundary.join(',') : '' },
        apiCalls: 1,
      };
      if (meta.data.end_of_stream || end <= start) return;
      start = end;
    }
  },
};
