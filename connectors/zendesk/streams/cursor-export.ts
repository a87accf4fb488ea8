/**
 * Incremental cursor exports (users, tickets): start_time on the first sync (the horizon), then
 * the saved after_cursor; Tidemark's own loop until end_of_stream, cursors URL-encoded.
 */
import type { Page, PullContext, Stream } from '../../../src/contracts/connector.ts';
import type { RecordKind, RecordOf } from '../../../src/contracts/records.ts';
import { TransientError } from '../../../src/contracts/errors.ts';
import { zodReason } from '../../../src/sources/http.ts';
import { safeStartTime, zendeskGet } from '../client.ts';
import type { ZendeskConfig } from '../config.ts';
import { cursorPageSchema } from '../raw-schemas.ts';
import type { Mapped } from '../mappers.ts';

export function cursorExportStream<K extends RecordKind>(
  resource: 'users' | 'tickets',
  kind: K,
  map: (items: unknown[]) => Mapped<RecordOf<K>>,
): Stream<ZendeskConfig, K> {
  return {
    name: resource,
    kind,
    async *pull(ctx: PullContext<ZendeskConfig>): AsyncGenerator<Page<K>> {
      const saved = ctx.full ? null : ctx.checkpoint?.cursor;
      let cursor = typeof saved === 'string' && saved !== '' ? saved : null;
      const base = `/api/v2/incremental/${resource}/cursor.json`;
      let query = cursor
        ? `cursor=${encodeURIComponent(cursor)}`
        : `start_time=${safeStartTime(ctx.now.getTime() / 1000 - ctx.config.firstSyncHorizonDays * 86400, ctx.now)}`;
      for (;;) {
        const body = await zendeskGet(ctx.config, `${base}?${query}&per_page=${ctx.config.perPage}`);
        const meta = cursorPageSchema.safeParse(body);
        if (!meta.success) throw new TransientError(`zendesk ${resource} export page is malformed: ${zodReason(meta.error.issues)}`);
        const items = (body as Record<string, unknown>)[resource];
        if (!Array.isArray(items)) throw new TransientError(`zendesk ${resource} export page has no "${resource}" array`);
        const mapped = map(items);
        cursor = meta.data.after_cursor ?? cursor;
        yield {
          kind,
          records: mapped.records,
          quarantined: mapped.quarantined,
          deletedIds: mapped.deletedIds,
          checkpoint: { cursor },
          apiCalls: 1,
        };
        if (meta.data.end_of_stream || !meta.data.after_cursor) return;
        query = `cursor=${encodeURIComponent(meta.data.after_cursor)}`;
      }
    },
  };
}
