/**
 * One zod schema for the environment. A bad value stops start-up with a message naming the
 * setting and what is expected. Source credentials are optional: with none configured,
 * `npm start` runs the sandbox.
 */
import { z } from 'zod';
import { ConfigError } from '../contracts/errors.ts';

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const optionalUrl = optionalText.pipe(z.url().optional());

export const envSchema = z.object({
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  TIDEMARK_PREFIX: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().regex(/^[A-Za-z0-9_.{}-]+(:[A-Za-z0-9_.{}-]+)*$/, 'letters, digits, _ . - { } separated by ":"').default('tidemark'),
  ),
  TIDEMARK_PORT: port.default(3000),
  TIDEMARK_NOW: optionalText.pipe(z.iso.datetime({ offset: true }).optional()),
  TIDEMARK_SECRET_KEY: optionalText,
  TIDEMARK_SURVEY_SECRET: optionalText,
  TIDEMARK_JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  TIDEMARK_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  TIDEMARK_SUCCESS_PLAN_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  TIDEMARK_WRITEBACK_BATCH: z.coerce.number().int().min(1).max(200).default(200),
  TIDEMARK_WRITEBACK_BULK_THRESHOLD: z.coerce.number().int().min(1).default(2000),
  TIDEMARK_API_BUDGET_SHARE: z.coerce.number().gt(0).max(1).default(0.2),
  TIDEMARK_WRITEBACK_RESPECT_MANUAL_EDITS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'TIDEMARK_WRITEBACK_RESPECT_MANUAL_EDITS must be true or false' })
    .default('false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  TIDEMARK_HEALTH_MODEL: optionalText,
  TIDEMARK_SCORE_RETENTION_DAYS: z.coerce.number().int().min(31).max(3650).default(400),
  TIDEMARK_ACTIVITY_RETENTION_DAYS: z.coerce
    .number({ message: 'TIDEMARK_ACTIVITY_RETENTION_DAYS must be a whole number of days' })
    .int('TIDEMARK_ACTIVITY_RETENTION_DAYS must be a whole number of days')
    .min(91, 'TIDEMARK_ACTIVITY_RETENTION_DAYS must be at least 91: the usage signals and their 30-day trend read the last 91 days')
    .max(3650)
    .default(120),
  TIDEMARK_ALERT_DROP_POINTS: z.coerce.number().int().min(1).max(100).default(15),
  TIDEMARK_ALERT_WEBHOOK_URL: optionalUrl,
  TIDEMARK_ALERT_REJECTED_THRESHOLD: z.coerce.number().int().min(0).default(50),
  TIDEMARK_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
  TIDEMARK_ALERT_STALE_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(26),
  TIDEMARK_SCHEDULE: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  SALESFORCE_LOGIN_URL: optionalUrl,
  SALESFORCE_AUTH_FLOW: z.enum(['client-credentials', 'jwt-bearer', 'refresh-token']).default('client-credentials'),
  SALESFORCE_CLIENT_ID: optionalText,
  SALESFORCE_CLIENT_SECRET: optionalText,
  SALESFORCE_USERNAME: optionalText,
  SALESFORCE_PRIVATE_KEY: optionalText,
  SALESFORCE_REFRESH_TOKEN: optionalText,
  SALESFORCE_API_VERSION: z.string().regex(/^\d{2}\.\d$/, 'like 62.0').default('62.0'),
  SALESFORCE_LOOKBACK_MINUTES: z.coerce.number().int().min(0).max(1440).optional(),

  ZENDESK_SUBDOMAIN: optionalText,
  ZENDESK_URL: optionalUrl,
  ZENDESK_EMAIL: optionalText,
  ZENDESK_API_TOKEN: optionalText,
  ZENDESK_OAUTH_TOKEN: optionalText,
  ZENDESK_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(1000),

  MIXPANEL_PROJECT_ID: optionalText,
  MIXPANEL_SERVICE_ACCOUNT: optionalText,
  MIXPANEL_SERVICE_SECRET: optionalText,
  MIXPANEL_REGION: z.enum(['us', 'eu', 'in']).default('us'),

  SANDBOX_SALESFORCE_PORT: port.default(4010),
  SANDBOX_ZENDESK_PORT: port.default(4020),
  SANDBOX_MIXPANEL_PORT: port.default(4030),
  SANDBOX_LIMITS: z.enum(['relaxed', 'real']).default('relaxed'),
  SANDBOX_SEED: z.coerce.number().int().default(42),
});
export type Env = z.infer<typeof envSchema>;

/** Names of the settings that hold secrets: never logged, never returned. */
export const SECRET_SETTINGS = [
  'TIDEMARK_SECRET_KEY', 'TIDEMARK_SURVEY_SECRET', 'SALESFORCE_CLIENT_SECRET', 'SALESFORCE_PRIVATE_KEY',
  'SALESFORCE_REFRESH_TOKEN', 'TIDEMARK_ALERT_WEBHOOK_URL', 'ZENDESK_API_TOKEN', 'ZENDESK_OAUTH_TOKEN', 'MIXPANEL_SERVICE_SECRET',
] as const satisfies ReadonlyArray<keyof Env>;

/** A URL's user and password (redis://:password@host) are a secret even in a non-secret setting. */
function withoutUserInfo(value: string): string {
  return value.replace(/\/\/\S*@/g, '//***@');
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(environment)');
      const raw = source[name];
      const shown = raw === undefined || (SECRET_SETTINGS as readonly string[]).includes(name) ? '' : ` (got ${JSON.stringify(withoutUserInfo(raw))})`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

/** True when at least one source has credentials in the environment (real mode). */
export function hasSourceCredentials(env: Env): boolean {
  return Boolean(env.SALESFORCE_CLIENT_ID || env.ZENDESK_EMAIL || env.MIXPANEL_PROJECT_ID);
}

/** The run's "now": TIDEMARK_NOW when set (tests pin it), else the real clock. */
export function nowFrom(env: Pick<Env, 'TIDEMARK_NOW'>): Date {
  return env.TIDEMARK_NOW ? new Date(env.TIDEMARK_NOW) : new Date();
}
