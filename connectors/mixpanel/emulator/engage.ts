/**
 * Engage (profiles): POST /api/query/engage and the legacy GET|POST /api/2.0/engage. Page 0
 * opens a session that pins the result set; later pages need its session_id.
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { sendError } from './errors.ts';
import type { MixpanelStore, RawProfile } from './store.ts';
import { WhereError, evaluateWhere, parseWhere } from './where.ts';

export const ENGAGE_PAGE_SIZE = 1000;
const MAX_SESSIONS = 200;

const engageParamsSchema = z.object({
  where: z.string().optional(),
  distinct_id: z.string().optional(),
  distinct_ids: z.string().optional(),
  output_properties: z.string().optional(),
  session_id: z.string().optional(),
  page: z.string().regex(/^\d+$/, "'page' must be a non-negative integer").optional(),
  page_size: z.string().regex(/^\d+$/, "'page_size' must be a positive integer").optional(),
});

interface Session {
  ids: string[];
  pageSize: number;
}

function jsonStringArray(text: string | undefined): string[] | null | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = z.array(z.union([z.string(), z.number()])).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.map(String) : null;
  } catch {
    return null;
  }
}

export function engageHandler(store: MixpanelStore, nextSessionId: () => string): RequestHandler {
  const sessions = new Map<string, Session>();
  return (req, res) => {
    const body: unknown = req.body;
    const merged = { ...flatten(req.query), ...(body !== null && typeof body === 'object' ? flatten(body) : {}) };
    const parsed = engageParamsSchema.safeParse(merged);
    if (!parsed.success) return sendError(req, res, 400, parsed.error.issues.map((i) => i.message).join('; '));
    const p = parsed.data;
    const page = Number(p.page ?? '0');
    const outputProperties = jsonStringArray(p.output_properties);
    if (outputProperties === null) return sendError(req, res, 400, "'output_properties' must be a JSON array of property names");
    let session: Session | undefined;
    let sessionId: string;
    if (page > 0) {
      if (p.session_id === undefined) return sendError(req, res, 400, "'session_id' is required for page > 0: pass the session_id of page 0");
      session = sessions.get(p.session_id);
      if (!session) return sendError(req, res, 400, `'session_id' ${p.session_id} is unknown or expired: start again from page 0`);
      sessionId = p.session_id;
    } else {
      const distinctIds = jsonStringArray(p.distinct_ids);
      if (distinctIds === null) return sendError(req, res, 400, "'distinct_ids' must be a JSON array of distinct ids");
      let where = null;
      if (p.where !== undefined && p.where.trim() !== '') {
        try {
          where = parseWhere(p.where);
        } catch (err) {
          if (!(err instanceof WhereError)) throw err;
          return sendError(req, res, 400, `'where' is not a valid expression: ${err.message}`);
        }
      }
      const wanted = distinctIds ? new Set(distinctIds) : p.distinct_id !== undefined ? new Set([p.distinct_id]) : null;
      const ids = store
        .getProfiles()
        .filter((profile) => (wanted === null || wanted.has(String(profile.$distinct_id))) && (where === null || evaluateWhere(where, profile.$properties)))
        .map((profile) => String(profile.$distinct_id));
      const pageSize = Math.max(1, Number(p.page_size ?? ENGAGE_PAGE_SIZE));
      session = { ids, pageSize };
      sessionId = nextSessionId();
      sessions.set(sessionId, session);
      if (sessions.size > MAX_SESSIONS) {
        const oldest = sessions.keys().next().value;
        if (oldest !== undefined) sessions.delete(oldest);
      }
    }
    const slice = session.ids.slice(page * session.pageSize, (page + 1) * session.pageSize);
    const results = slice
      .map((id) => store.getProfile(id))
      .filter((profile): profile is RawProfile => profile !== undefined)
      .map((profile) => ({
        $distinct_id: profile.$distinct_id,
        $properties: outputProperties ? Object.fromEntries(Object.entries(profile.$properties).filter(([k]) => outputProperties.includes(k))) : profile.$properties,
      }));
    res.status(200).json({ page, page_size: session.pageSize, session_id: sessionId, status: 'ok', total: session.ids.length, results });
  };
}

function flatten(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object') return out;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else if (Array.isArray(v) && typeof v[0] === 'string') out[key] = v[0];
  }
  return out;
}
