import { z } from 'zod';
import { OWNED_FIELD_NAMES } from '../../src/writeback/field-specs.ts';

export const salesforceConfigSchema = z
  .object({
    /** My Domain URL, https://login.salesforce.com, or https://test.salesforce.com for sandbox orgs. */
    loginUrl: z.url().default('https://login.salesforce.com'),
    authFlow: z.enum(['client-credentials', 'jwt-bearer', 'refresh-token']).default('client-credentials'),
    clientId: z.string().min(1, 'the connected app consumer key'),
    clientSecret: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    privateKey: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    apiVersion: z.string().regex(/^\d{2}\.\d$/, 'like 62.0').default('62.0'),
    /** How far back the first sync reaches (by SystemModstamp); unset = everything. */
    firstSyncHorizonDays: z.number().int().min(1).optional(),
    /** The Account fields Tidemark writes, read back during the pull to diff against. */
    accountWriteFields: z.array(z.string().regex(/^\w+$/)).default([...OWNED_FIELD_NAMES]),
    timeoutMs: z.number().int().min(1000).default(120_000),
    /**
     * Minutes of changes read again after a read that came within this long of its latest change:
     * a transaction that commits late can carry a SystemModstamp earlier than records already read
     * (Salesforce documents long-running transactions for getUpdated). 0 disables.
     */
    lookbackMinutes: z.number().int().min(0).max(1440).default(10),
    /** Records per query batch (Sforce-Query-Options: batchSize; Salesforce may return fewer). */
    batchSize: z.number().int().min(200).max(2000).default(2000),
  })
  .refine((c) => c.authFlow !== 'client-credentials' || Boolean(c.clientSecret), { message: 'the client-credentials flow needs the consumer secret', path: ['clientSecret'] })
  .refine((c) => c.authFlow !== 'jwt-bearer' || Boolean(c.username && c.privateKey), { message: 'the JWT bearer flow needs the integration username and the PEM private key', path: ['privateKey'] })
  .refine((c) => c.authFlow !== 'refresh-token' || Boolean(c.refreshToken), { message: 'the refresh-token flow needs a refresh token', path: ['refreshToken'] });
export type SalesforceConfig = z.infer<typeof salesforceConfigSchema>;

export const SALESFORCE_AUTH_HINT =
  'Check SALESFORCE_LOGIN_URL (your My Domain), SALESFORCE_CLIENT_ID / SALESFORCE_CLIENT_SECRET, and that the connected app allows this flow for the integration user.';
