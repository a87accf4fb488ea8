import { z } from 'zod';

export const zendeskConfigSchema = z
  .object({
    /** acme for https://acme.zendesk.com */
    subdomain: z.string().regex(/^[a-z0-9][a-z0-9-]*$/i, 'the subdomain only, e.g. "acme" for acme.zendesk.com').optional(),
    /** A full base URL instead of the subdomain (the sandbox, proxies). */
    baseUrl: z.url().optional(),
    email: z.string().email('the agent email the API token belongs to').optional(),
    apiToken: z.string().min(1).optional(),
    oauthToken: z.string().min(1).optional(),
    /** How far back the first sync reaches. */
    firstSyncHorizonDays: z.number().int().min(1).max(3650).default(365),
    perPage: z.number().int().min(1).max(1000).default(1000),
  })
  .refine((c) => Boolean(c.subdomain || c.baseUrl), { message: 'set the Zendesk subdomain or a base URL', path: ['subdomain'] })
  .refine((c) => Boolean(c.oauthToken || (c.apiToken && c.email)), { message: 'set an email and API token, or an OAuth token', path: ['apiToken'] });
export type ZendeskConfig = z.infer<typeof zendeskConfigSchema>;

export function zendeskBaseUrl(c: ZendeskConfig): string {
  return (c.baseUrl ?? `https://${c.subdomain}.zendesk.com`).replace(/\/+$/, '');
}

export function zendeskAuthHeader(c: ZendeskConfig): string {
  if (c.oauthToken) return `Bearer ${c.oauthToken}`;
  return `Basic ${Buffer.from(`${c.email}/token:${c.apiToken}`).toString('base64')}`;
}

export const ZENDESK_AUTH_HINT = 'Check ZENDESK_EMAIL and ZENDESK_API_TOKEN (Admin Center > Apps and integrations > Zendesk API), or ZENDESK_OAUTH_TOKEN.';
