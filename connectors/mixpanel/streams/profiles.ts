/**
 * Engage profiles: page 0 opens a session; later pages send its session_id; stop on a short page.
 *
 * Incremental: Mixpanel stamps `$last_seen` on every profile update ($set, $append, $add) unless
 * the update says `$ignore_time`. So after a complete read, the next runs ask only for profiles
 * with `properties["$last_seen"] >= W`, W being the latest `$last_seen` read so far minus an hour
 * (updates that land late or out of order); the watermark comes from Mixpanel's own clock, never
 * ours. Once per UTC day (and on a full sync) every profile is read again, which also brings in
 * updates sent with `$ignore_time`. At 1,000 profiles a page and 60 engage queries an hour, a
 * project of 100,000 profiles could not be read whole every hourly run.
 *
 * The watermark is saved only with the last page: an engage session cannot be resumed, so a read
 * cut short starts again from page 0, reading every profile.
 */
import type { Checkpoint, Page, PullContext, Stream } from '../../../src/contracts/connector.ts';
import type { MixpanelProfile } from '../../../src/contracts/records.ts';
import { TransientError } from '../../../src/contracts/errors.ts';
import { rawText, requestJson, zodReason } from '../../../src/sources/http.ts';
import { mixpanelAuth, MIXPANEL_AUTH_HINT, queryBase, type MixpanelConfig } from '../config.ts';
import { z } from 'zod';
import { engagePageSchema, rawProfileSchema } from '../raw-schemas.ts';

export function engageRequest(config: MixpanelConfig, page: number, sessionId: string | null, where: string | null = null): Promise<unknown> {
  const form = new URLSearchParams({ page: String(page) });
  if (sessionId) form.set('session_id', sessionId);
  if (where) form.set('where', where);
  return requestJson(`${queryBase(config)}/api/query/engage?project_id=${encodeURIComponent(config.projectId)}`, {
    upstream: 'mixpanel',
    method: 'POST',
    headers: { authorization: mixpanelAuth(config), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    authHint: MIXPANEL_AUTH_HINT,
    timeoutMs: config.timeoutMs,
  });
}

/** Mixpanel's profile time format (UTC, no zone): `2026-11-20T09:30:00`. */
const MIXPANEL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

const profilesCheckpointSchema = z.object({
  /** The UTC day of the last complete read of every profile. */
  fullDay: z.string(),
  /** The latest $last_seen read so far. */
  latest: z.string().regex(MIXPANEL_TIME).nullable(),
  /** Ask for $last_seen >= this (latest minus an hour); null: read everything. */
  since: z.string().regex(MIXPANEL_TIME).nullable(),
});

function hourBefore(time: string): string {
  return new Date(Date.parse(`${time}Z`) - 3600_000).toISOString().slice(0, 19);
}

export const profilesStream: Stream<MixpanelConfig, 'mixpanel.profile'> = {
  name: 'profiles',
  kind: 'mixpanel.profile',
  async *pull(ctx: PullContext<MixpanelConfig>): AsyncGenerator<Page<'mixpanel.profile'>> {
    const saved = ctx.full ? null : profilesCheckpointSchema.safeParse(ctx.checkpoint ?? {}).data ?? null;
    const today = ctx.now.toISOString().slice(0, 10);
    const since = saved && saved.fullDay === today ? saved.since : null;
    const where = since === null ? null : `properties["$last_seen"] >= "${since}"`;
    let latest = saved?.latest ?? null;
    let page = 0;
    let sessionId: string | null = null;
    for (;;) {
      const body = await engageRequest(ctx.config, page, sessionId, where);
      const meta = engagePageSchema.safeParse(body);
      if (!meta.success) throw new TransientError(`mixpanel engage page ${page} is malformed: ${zodReason(meta.error.issues)}`);
      sessionId = meta.data.session_id ?? sessionId;
      const records: MixpanelProfile[] = [];
      const quarantined = [];
      for (const item of meta.data.results) {
        const p = rawProfileSchema.safeParse(item);
        if (!p.success) {
          quarantined.push({ sourceId: null, reason: zodReason(p.error.issues), raw: rawText(item) });
          continue;
        }
        const lastSeen = p.data.$properties.$last_seen;
        if (typeof lastSeen === 'string' && MIXPANEL_TIME.test(lastSeen) && (latest === null || lastSeen > latest)) latest = lastSeen;
        const email = p.data.$properties.$email;
        const account = p.data.$properties[ctx.config.accountIdProperty];
        records.push({
          kind: 'mixpanel.profile',
          id: p.data.$distinct_id,
          email: typeof email === 'string' && email.trim() !== '' ? email.trim() : null,
          accountId: typeof account === 'string' && account.trim() !== '' ? account.trim() : null,
        });
      }
      const last = meta.data.results.length < meta.data.page_size;
      // Until the last page the checkpoint is empty: a read cut short (a crash, a failed page)
      // starts again from page 0 as a read of every profile, counted from zero.
      const checkpoint: Checkpoint = !last ? {} : { fullDay: since === null ? today : (saved?.fullDay ?? today), latest, since: latest === null ? since : hourBefore(latest) };
      yield { kind: 'mixpanel.profile', records, quarantined, checkpoint, apiCalls: 1, ...(last ? { final: true } : {}) };
      if (last) return;
      page += 1;
    }
  },
};
