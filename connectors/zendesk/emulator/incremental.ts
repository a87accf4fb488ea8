/**
 * Incremental exports: cursor-based (tickets, users) and time-based (organizations, and tickets
 * and users for clients that use the older form). Items updated in the last minute of the
 * emulator clock are never served, as Zendesk does.
 */
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { baseUrlOf, type EmulatorClock } from '../../../src/sandbox/emulator-kit/index.ts';
import { decodeCursor, encodeCursor, type CursorPosition } from './cursor.ts';
import { sendInvalid, sendJson } from './errors.ts';
import { flatQuery } from './query.ts';
import type { StoredRecord, ZendeskResource, ZendeskStore } from './store.ts';

export const MAX_PAGE = 1000;
/** Zendesk never returns the most recent minute and refuses a start_time inside it. */
export const RECENT_WINDOW_SECONDS = 60;

const exportQuerySchema = z.object({
  start_time: z.string().regex(/^\d+$/, 'start_time must be a unix timestamp in seconds').optional(),
  cursor: z.string().optional(),
  per_page: z.string().regex(/^\d+$/, 'per_page must be a positive integer').optional(),
  exclude_deleted: z.enum(['true', 'false']).optional(),
});
type ExportQuery = z.infer<typeof exportQuerySchema>;

interface ExportDeps {
  store: ZendeskStore;
  clock: EmulatorClock;
}

function parseQuery(req: Request, res: Response): ExportQuery | null {
  const parsed = exportQuerySchema.safeParse(flatQuery(req));
  if (!parsed.success) {
    sendInvalid(res, 'InvalidValue', parsed.error.issues.map((i) => i.message).join('; '));
    return null;
  }
  return parsed.data;
}

function pageSize(query: ExportQuery): number {
  const n = query.per_page === undefined ? MAX_PAGE : Number(query.per_page);
  return Math.min(MAX_PAGE, Math.max(1, n));
}

/** Validates start_time as Zendesk does: required (unless a cursor is given), and older than a minute. */
function startTimeOf(query: ExportQuery, nowSeconds: number, res: Response): number | null {
  if (query.start_time === undefined) {
    sendInvalid(res, 'InvalidValue', 'start_time is required: give a unix timestamp in seconds (or a cursor from a previous response)');
    return null;
  }
  const start = Number(query.start_time);
  if (start > nowSeconds - RECENT_WINDOW_SECONDS) {
    sendInvalid(res, 'InvalidValue', 'Too recent start_time. Use a start_time older than 1 minute');
    return null;
  }
  return start;
}

function isAfter(item: StoredRecord, pos: CursorPosition): boolean {
  return item.updatedAt > pos.t || (item.updatedAt === pos.t && item.id > pos.id);
}

/** Index of the first item after the position (items are ordered by updatedAt, id). */
function firstAfter(items: readonly StoredRecord[], pos: CursorPosition): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const item = items[mid];
    if (item && isAfter(item, pos)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function isDeleted(resource: ZendeskResource, raw: Record<string, unknown>): boolean {
  return resource === 'tickets' && raw.status === 'deleted';
}

function extraParams(query: ExportQuery): string {
  let extra = '';
  if (query.per_page !== undefined) extra += `&per_page=${encodeURIComponent(query.per_page)}`;
  if (query.exclude_deleted !== undefined) extra += `&exclude_deleted=${query.exclude_deleted}`;
  return extra;
}

/** GET /api/v2/incremental/{tickets|users}/cursor */
export function cursorExport(resource: 'tickets' | 'users', deps: ExportDeps): RequestHandler {
  return (req, res) => {
    const query = parseQuery(req, res);
    if (!query) return;
    const nowSeconds = Math.floor(deps.clock.now() / 1000);
    // node-zendesk sends cursor=undefined on its first call; treat it (and an empty cursor) as absent.
    const cursor = query.cursor === undefined || query.cursor === '' || query.cursor === 'undefined' ? undefined : query.cursor;
    let position: CursorPosition;
    if (cursor !== undefined) {
      const decoded = decodeCursor(cursor);
      if (!decoded) {
        sendInvalid(res, 'InvalidPaginationParameter', 'cursor is not valid: pass after_cursor exactly as returned, URL-encoded (it may contain "+" and "/")');
        return;
      }
      position = decoded;
    } else {
      const start = startTimeOf(query, nowSeconds, res);
      if (start === null) return;
      position = { t: start, id: -1 };
    }
    const limit = pageSize(query);
    const cutoff = nowSeconds - RECENT_WINDOW_SECONDS;
    const items = deps.store.ordered(resource);
    const excludeDeleted = query.exclude_deleted === 'true';
    const page: Record<string, unknown>[] = [];
    let last = position;
    let index = firstAfter(items, position);
    for (; index < items.length && page.length < limit; index += 1) {
      const item = items[index];
      if (!item || item.updatedAt > cutoff) break;
      last = { t: item.updatedAt, id: item.id };
      if (excludeDeleted && isDeleted(resource, item.raw)) continue;
      page.push(item.raw);
    }
    const next = items[index];
    const endOfStream = next === undefined || next.updatedAt > cutoff;
    const afterCursor = encodeCursor(last);
    sendJson(res, 200, {
      [resource]: page,
      after_url: `${baseUrlOf(req)}${req.path}?cursor=${encodeURIComponent(afterCursor)}${extraParams(query)}`,
      after_cursor: afterCursor,
      before_url: null,
      before_cursor: null,
      end_of_stream: endOfStream,
    });
  };
}

/**
 * GET /api/v2/incremental/{organizations|tickets|users}: time-based export. A page holds up to
 * per_page items after start_time plus every further item sharing the last item's timestamp;
 * end_time is that timestamp, so the next page (start_time = end_time) repeats those items, as
 * Zendesk does. Pages can therefore be larger than per_page; clients de-duplicate by id.
 */
export function timeExport(resource: 'organizations' | 'tickets' | 'users', deps: ExportDeps): RequestHandler {
  return (req, res) => {
    const query = parseQuery(req, res);
    if (!query) return;
    const nowSeconds = Math.floor(deps.clock.now() / 1000);
    const start = startTimeOf(query, nowSeconds, res);
    if (start === null) return;
    const limit = pageSize(query);
    const cutoff = nowSeconds - RECENT_WINDOW_SECONDS;
    const items = deps.store.ordered(resource);
    const excludeDeleted = query.exclude_deleted === 'true';
    const page: Record<string, unknown>[] = [];
    let index = firstAfter(items, { t: start, id: -1 });
    let lastTime: number | null = null;
    // Items at exactly start_time (the repeats of the previous page's boundary) do not count
    // toward per_page, so every page makes progress even when many items share one second.
    let counted = 0;
    for (; index < items.length; index += 1) {
      const item = items[index];
      if (!item || item.updatedAt > cutoff) break;
      if (counted >= limit && item.updatedAt !== lastTime) break;
      lastTime = item.updatedAt;
      if (item.updatedAt !== start) counted += 1;
      if (excludeDeleted && isDeleted(resource, item.raw)) continue;
      page.push(item.raw);
    }
    const next = items[index];
    const endOfStream = next === undefined || next.updatedAt > cutoff;
    const endTime = lastTime ?? start;
    sendJson(res, 200, {
      [resource]: page,
      next_page: `${baseUrlOf(req)}${req.path}?start_time=${endTime}${extraParams(query)}`,
      count: page.length,
      end_of_stream: endOfStream,
      end_time: endTime,
    });
  };
}
