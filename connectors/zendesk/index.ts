/**
 * Zendesk: organizations (time-based export), users and tickets (cursor exports) with ticket
 * satisfaction. check() asks users/me through node-zendesk: Zendesk answers a bad token with
 * the anonymous user (200), so the check looks at the returned user's id.
 */
import zendesk from 'node-zendesk';
import { defineConnector } from '../../src/contracts/connector.ts';
import { errorMessage } from '../../src/contracts/errors.ts';
import { zendeskBaseUrl, zendeskConfigSchema, ZENDESK_AUTH_HINT, type ZendeskConfig } from './config.ts';
import { meSchema } from './raw-schemas.ts';
import { mapTickets, mapUsers } from './mappers.ts';
import { organizationsStream } from './streams/organizations.ts';
import { cursorExportStream } from './streams/cursor-export.ts';

export { zendeskConfigSchema, type ZendeskConfig } from './config.ts';

export const zendeskConnector = defineConnector<ZendeskConfig>({
  id: 'zendesk',
  title: 'Zendesk',
  configSchema: zendeskConfigSchema,
  streams: [organizationsStream, cursorExportStream('users', 'zendesk.user', mapUsers), cursorExportStream('tickets', 'zendesk.ticket', mapTickets)],
  async check(config) {
    const endpointUri = `${zendeskBaseUrl(config)}/api/v2`;
    const client = config.oauthToken
      ? zendesk.createClient({ token: config.oauthToken, useOAuth: true, endpointUri })
      : zendesk.createClient({ username: config.email ?? '', token: config.apiToken ?? '', endpointUri });
    try {
      const me = meSchema.parse({ user: (await client.users.me()).result ?? {} });
      if (!me.user.id) return { ok: false, message: `Zendesk did not accept the credentials (it answered as the anonymous user). ${ZENDESK_AUTH_HINT}` };
      if (me.user.role === 'end-user') return { ok: false, message: 'The Zendesk user is an end-user: incremental exports need an admin or agent.' };
      return { ok: true, message: `Connected to ${endpointUri} as ${me.user.email ?? `user ${me.user.id}`} (${me.user.role ?? 'unknown role'})` };
    } catch (err) {
      return { ok: false, message: `Could not reach Zendesk at ${endpointUri}: ${errorMessage(err)}` };
    }
  },
});
