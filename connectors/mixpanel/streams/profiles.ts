/** Engage profiles: page 0 opens a session; later pages send its session_id; stop on a short page. */
import type { Page, PullContext, Stream } from '../../../src/contracts/connector.ts';
import type { MixpanelProfile } from '../../../src/contracts/records.ts';
import { TransientError } from '../../../src/contracts/errors.ts';
import { rawText, requestJson, zodReason } from '../../../src/sources/http.ts';
import { mixpanelAuth, MIXPANEL_AUTH_HINT, queryBase, type MixpanelConfig } from '../config.ts';
import { engagePageSchema, rawProfileSchema } from '../raw-schemas.ts';

export function engageRequest(config: MixpanelConfig, page: number, sessionId: string | null): Promise<unknown> {
  const form = new URLSearchParams({ page: String(page) });
  if (sessionId) form.set('session_id', sessionId);
  return requestJson(`${queryBase(config)}/api/query/engage?project_id=${encodeURIComponent(config.projectId)}`, {
    upstream: 'mixpanel',
    method: 'POST',
    headers: { authorization: mixpanelAuth(config), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    authHint: MIXPANEL_AUTH_HINT,
    timeoutMs: config.timeoutMs,
  });
}

export const profilesStream: Stream<MixpanelConfig, 'mixpanel.profile'> = {
  name: 'profiles',
  kind: 'mixpanel.profile',
  async *pull(ctx: PullContext<MixpanelConfig>): AsyncGenerator<Page<'mixpanel.profile'>> {
    let page = 0;
    let sessionId: string | null = null;
    for (;;) {
      const body = await engageRequest(ctx.config, page, sessionId);
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
        const email = p.data.$properties.$email;
        const account = p.data.$properties[ctx.config.accountIdProperty];
        records.push({
          kind: 'mixpanel.profile',
          id: p.data.$distinct_id,
          email: typeof email === 'string' && email.trim() !== '' ? email.trim() : null,
          accountId: typeof account === 'string' && account.trim() !== '' ? account.trim() : null,
        });
      }
      // Profiles have no change cursor: each run reads them all (idempotent upserts).
      yield { kind: 'mixpanel.profile', records, quarantined, checkpoint: {}, apiCalls: 1 };
      if (meta.data.results.length < meta.data.page_size) return;
      page += 1;
    }
  },
};
