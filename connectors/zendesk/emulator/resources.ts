/** Single-record routes, the authenticated user and the satisfaction ratings list (cursor pagination). */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { baseUrlOf } from '../../../src/sandbox/emulator-kit/index.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { NOT_FOUND_BODY, SANDBOX_EMAIL, isAuthenticated, sendInvalid, sendJson } from './errors.ts';
import { flatQuery } from './query.ts';
import type { ZendeskStore } from './store.ts';

/** The agent the sandbox credentials belong to. */
export const SANDBOX_USER = {
  id: 1,
  name: 'Sandbox Admin',
  email: SANDBOX_EMAIL,
  role: 'admin',
  active: true,
  verified: true,
  time_zone: 'UTC',
  locale: 'en-US',
  created_at: '2020-01-01T00:00:00Z',
  updated_at: '2020-01-01T00:00:00Z',
};

/**
 * GET /api/v2/users/me. With wrong or missing credentials Zendesk answers 200 with the anonymous
 * user (fixture users_me_with_invalid_token_returns_anonymous), not 401: check the id.
 */
export function usersMe(): RequestHandler {
  return (req, res) => {
    if (!isAuthenticated(req)) {
      sendJson(res, 200, { user: { name: 'Anonymous user' } });
      return;
    }
    sendJson(res, 200, { user: { ...SANDBOX_USER, url: `${baseUrlOf(req)}/api/v2/users/${SANDBOX_USER.id}.json` } });
  };
}

const idParam = z.string().regex(/^\d+$/);

/** GET /api/v2/{tickets|organizations|users}/:id: deleted tickets and organizations are 404, as in Zendesk. */
export function showRecord(resource: 'tickets' | 'organizations' | 'users', envelope: string, store: ZendeskStore): RequestHandler {
  return (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const record = id.success ? store.get(resource, Number(id.data)) : undefined;
    const gone = record === undefined || (resource === 'tickets' && record.status === 'deleted') || (resource === 'organizations' && typeof record.deleted_at === 'string');
    if (gone) {
      sendJson(res, 404, NOT_FOUND_BODY);
      return;
    }
    sendJson(res, 200, { [envelope]: record });
  };
}

const listQuerySchema = z.object({
  'page[size]': z.string().regex(/^\d+$/, 'page[size] must be a positive integer').optional(),
  'page[after]': z.string().optional(),
  'page[before]': z.string().optional(),
});
const MAX_LIST_PAGE = 100;

/** GET /api/v2/satisfaction_ratings: ordered by id; `links.next` is set while there is an after_cursor (as the live API does). */
export function satisfactionRatings(store: ZendeskStore): RequestHandler {
  return (req, res) => {
    const parsed = listQuerySchema.safeParse(flatQuery(req));
    if (!parsed.success) {
      sendInvalid(res, 'InvalidPaginationParameter', parsed.error.issues.map((i) => i.message).join('; '));
      return;
    }
    const size = Math.min(MAX_LIST_PAGE, Math.max(1, Number(parsed.data['page[size]'] ?? MAX_LIST_PAGE)));
    const cursorParam = (value: string | undefined): number | null | undefined => {
      if (value === undefined || value === '') return undefined;
      return decodeCursor(value)?.id ?? null;
    };
    const afterId = cursorParam(parsed.data['page[after]']);
    const beforeId = cursorParam(parsed.data['page[before]']);
    if (afterId === null || beforeId === null) {
      sendInvalid(res, 'InvalidPaginationParameter', 'page[after] / page[before] is not a valid cursor: pass meta.after_cursor or meta.before_cursor URL-encoded');
      return;
    }
    const all = store
      .getAll('satisfaction_ratings')
      .map((r) => ({ r, id: Number(r.id) }))
      .sort((a, b) => a.id - b.id);
    let page: typeof all;
    let hasMore: boolean;
    if (beforeId !== undefined) {
      const earlier = all.filter((x) => x.id < beforeId);
      page = earlier.slice(Math.max(0, earlier.length - size));
      hasMore = earlier.length > page.length;
    } else {
      const rest = all.filter((x) => x.id > (afterId ?? -1));
      page = rest.slice(0, size);
      hasMore = rest.length > page.length;
    }
    const first = page[0];
    const last = page[page.length - 1];
    const afterCursor = last ? encodeCursor({ t: 0, id: last.id }) : null;
    const beforeCursor = first ? encodeCursor({ t: 0, id: first.id }) : null;
    const base = `${baseUrlOf(req)}${req.path}`;
    const link = (key: string, cursor: string | null): string | null =>
      cursor === null ? null : `${base}?${encodeURIComponent(key)}=${encodeURIComponent(cursor)}&${encodeURIComponent('page[size]')}=${size}`;
    sendJson(res, 200, {
      satisfaction_ratings: page.map((x) => x.r),
      meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: beforeCursor },
      links: { prev: link('page[before]', beforeCursor), next: link('page[after]', afterCursor) },
    });
  };
}

/** Ratings the dataset only carries on tickets (`satisfaction_rating` with an id and a real score). */
export function ratingsFromTickets(store: ZendeskStore): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const rating = z.looseObject({ id: z.number().int(), score: z.enum(['good', 'bad']), comment: z.string().nullable().optional() });
  for (const ticket of store.getAll('tickets')) {
    const parsed = rating.safeParse(ticket.satisfaction_rating);
    if (!parsed.success || store.get('satisfaction_ratings', parsed.data.id)) continue;
    out.push({
      id: parsed.data.id,
      assignee_id: ticket.assignee_id ?? null,
      group_id: ticket.group_id ?? null,
      requester_id: ticket.requester_id ?? null,
      ticket_id: ticket.id,
      score: parsed.data.score,
      comment: parsed.data.comment ?? null,
      created_at: ticket.updated_at,
      updated_at: ticket.updated_at,
    });
  }
  return out;
}
