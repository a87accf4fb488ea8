import { z } from 'zod';

export const mixpanelConfigSchema = z.object({
  projectId: z.union([z.string().regex(/^\d+$/, 'the numeric project id'), z.number().int().positive()]).transform(String),
  serviceAccountUser: z.string().min(1, 'the service account username'),
  serviceAccountSecret: z.string().min(1, 'the service account secret'),
  /** Data residency of the project. */
  region: z.enum(['us', 'eu', 'in']).default('us'),
  /** Overrides of the residency hosts (the sandbox points both at its emulator). */
  exportBaseUrl: z.url().optional(),
  queryBaseUrl: z.url().optional(),
  /** Event and profile property that carries the Salesforce Account ID. */
  accountIdProperty: z.string().min(1).default('account_id'),
  /**
   * Complete days re-read for late-arriving events, up to and including the last complete day, on
   * the first run of each UTC day; later runs that day re-read the last complete day only.
   */
  lateDataDays: z.number().int().min(0).max(60).default(5),
  /** How far back the first sync reaches. */
  backfillDays: z.number().int().min(1).max(365).default(90),
  /** Days per export request (a 90-day backfill is 3 requests, within 60/hour). */
  maxDaysPerRequest: z.number().int().min(1).max(100).default(30),
  /**
   * Export lines a request aims at: the days of a request are sized by the density read so far
   * (request-window.ts), which bounds the reader's memory (about 50 bytes per event of a request).
   */
  eventsPerRequest: z.number().int().min(1_000).max(100_000_000).default(1_000_000),
  /**
   * Pull jobs a backfill (a first or full sync) is split into, by days: workers read the parts in
   * parallel (each worker process up to 2 at once); 1 reads it in one job. The parts share the
   * project's export limits (60 requests an hour, 3 a second: a 429 pauses them all); each sizes
   * its requests as a single pull does, so a split backfill sends a request or two more.
   */
  backfillParts: z.number().int().min(1).max(8).default(2),
  /** Until the response headers of a request arrive. */
  timeoutMs: z.number().int().min(1000).default(300_000),
  /** Longest silence allowed while an export body streams. */
  idleTimeoutMs: z.number().int().min(1000).default(120_000),
});
export type MixpanelConfig = z.infer<typeof mixpanelConfigSchema>;

const HOSTS = {
  us: { export: 'https://data.mixpanel.com', query: 'https://mixpanel.com' },
  eu: { export: 'https://data-eu.mixpanel.com', query: 'https://eu.mixpanel.com' },
  in: { export: 'https://data-in.mixpanel.com', query: 'https://in.mixpanel.com' },
} as const;

export function exportBase(c: MixpanelConfig): string {
  return (c.exportBaseUrl ?? HOSTS[c.region].export).replace(/\/+$/, '');
}
export function queryBase(c: MixpanelConfig): string {
  return (c.queryBaseUrl ?? HOSTS[c.region].query).replace(/\/+$/, '');
}
export function mixpanelAuth(c: MixpanelConfig): string {
  return `Basic ${Buffer.from(`${c.serviceAccountUser}:${c.serviceAccountSecret}`).toString('base64')}`;
}
export const MIXPANEL_AUTH_HINT = 'Check MIXPANEL_SERVICE_ACCOUNT / MIXPANEL_SERVICE_SECRET (Project Settings > Service Accounts) and MIXPANEL_PROJECT_ID, and that the account has access to the project.';
