/**
 * Real-mode source settings from the environment. A source with no credentials is simply not
 * configured; a source with some but not all of them stops start-up with the missing names.
 */
import type { SourceId } from '../contracts/records.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { ConfiguredSource } from '../sync/context.ts';
import { CONNECTORS } from '../registry.ts';
import type { Env } from './env.ts';

function build(source: SourceId, raw: Record<string, unknown>, settingNames: Record<string, string>): ConfiguredSource {
  const connector = CONNECTORS[source];
  const parsed = connector.configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const field = String(i.path[0] ?? '');
      return `${settingNames[field] ?? field}: ${i.message}`;
    });
    throw new ConfigError(`${connector.title} settings are incomplete:\n  ${lines.join('\n  ')}`);
  }
  return { connector, config: parsed.data };
}

const strip = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function sourcesFromEnv(env: Env): Partial<Record<SourceId, ConfiguredSource>> {
  const out: Partial<Record<SourceId, ConfiguredSource>> = {};
  if (env.SALESFORCE_CLIENT_ID || env.SALESFORCE_LOGIN_URL) {
    out.salesforce = build(
      'salesforce',
      strip({
        loginUrl: env.SALESFORCE_LOGIN_URL, authFlow: env.SALESFORCE_AUTH_FLOW, clientId: env.SALESFORCE_CLIENT_ID, clientSecret: env.SALESFORCE_CLIENT_SECRET,
        username: env.SALESFORCE_USERNAME, privateKey: env.SALESFORCE_PRIVATE_KEY, refreshToken: env.SALESFORCE_REFRESH_TOKEN, apiVersion: env.SALESFORCE_API_VERSION,
        lookbackMinutes: env.SALESFORCE_LOOKBACK_MINUTES,
      }),
      { loginUrl: 'SALESFORCE_LOGIN_URL', clientId: 'SALESFORCE_CLIENT_ID', clientSecret: 'SALESFORCE_CLIENT_SECRET', username: 'SALESFORCE_USERNAME', privateKey: 'SALESFORCE_PRIVATE_KEY', refreshToken: 'SALESFORCE_REFRESH_TOKEN' },
    );
  }
  if (env.ZENDESK_EMAIL || env.ZENDESK_SUBDOMAIN || env.ZENDESK_URL) {
    out.zendesk = build(
      'zendesk',
      strip({ subdomain: env.ZENDESK_SUBDOMAIN, baseUrl: env.ZENDESK_URL, email: env.ZENDESK_EMAIL, apiToken: env.ZENDESK_API_TOKEN, oauthToken: env.ZENDESK_OAUTH_TOKEN, perPage: env.ZENDESK_PAGE_SIZE }),
      { subdomain: 'ZENDESK_SUBDOMAIN', baseUrl: 'ZENDESK_URL', email: 'ZENDESK_EMAIL', apiToken: 'ZENDESK_API_TOKEN', oauthToken: 'ZENDESK_OAUTH_TOKEN' },
    );
  }
  if (env.MIXPANEL_PROJECT_ID || env.MIXPANEL_SERVICE_ACCOUNT) {
    out.mixpanel = build(
      'mixpanel',
      strip({ projectId: env.MIXPANEL_PROJECT_ID, serviceAccountUser: env.MIXPANEL_SERVICE_ACCOUNT, serviceAccountSecret: env.MIXPANEL_SERVICE_SECRET, region: env.MIXPANEL_REGION }),
      { projectId: 'MIXPANEL_PROJECT_ID', serviceAccountUser: 'MIXPANEL_SERVICE_ACCOUNT', serviceAccountSecret: 'MIXPANEL_SERVICE_SECRET', region: 'MIXPANEL_REGION' },
    );
  }
  out.surveys = { connector: CONNECTORS.surveys, config: {} };
  return out;
}
