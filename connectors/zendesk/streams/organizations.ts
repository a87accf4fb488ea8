/**
 * The time-based organizations export: follow end_time until end_of_stream. Items sharing the
 * boundary second repeat at the start of the next page: de-duplicated by id and updated_at.
 */
import type { Page, PullContext, Stream } from '../../../src/contracts/connector.ts';
import { TransientError } from '../../../src/contracts/errors.ts';
import { zodReason } from '../../../src/sources/http.ts';
import { safeStartTime, zendeskGet } from '../client.ts';
import type { ZendeskConfig } from '../config.ts';
import { mapOrganizations } from '../mappers.ts';
import { timePageSchema } from '../raw-schemas.ts';

export const organizationsStream: Stream<ZendeskConfig, 'zendesk.organization'> = {
  name: 'organizations',
  kind: 'zendesk.organization',
  async *pull(ctx: PullContext<ZendeskConfig>): AsyncGenerator<Page<'zendesk.organization'>> {
    const saved = ctx.full ? null : ctx.checkpoint?.startTime;
    let start = typeof saved === 'number' ? saved : ctx.now.getTime() / 1000 - ctx.config.firstSyncHorizonDays * 86400;
    start = safeStartTime(start, ctx.now);
    const seen = new Set<string>();
    for (;;) {
      const body = await zendeskGet(ctx.config, `/api/v2/incremental/organizations.json?start_time=${start}&per_page=${ctx.config.perPage}`);
      const meta = timePageSchema.safeParse(body);
      if (!meta.success) throw new TransientError(`zendesk organizations export page is malformed: ${zodReason(meta.error.issues)}`);
      const mapped = mapOrganizations(meta.data.organizations);
      const fresh = mapped.records.filter((o) => {
        const key = `${o.id}@${o.updatedAt}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const end = meta.data.end_time ?? start;
      yield { kind: 'zendesk.organization', records: fresh, quarantined: mapped.quarantined, deletedIds: mapped.deletedIds, checkpoint: { startTime: end }, apiCalls: 1 };
      if (meta.data.end_of_stream || end <= start) return;
      start = end;
    }
  },
};
