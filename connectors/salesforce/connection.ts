/**
 * An authorized jsforce Connection for the configured OAuth flow, with session refresh (the
 * same flow again) on INVALID_SESSION_ID. jsforce's own retries are turned off so Tidemark's
 * error policy owns retries and honours Retry-After (apis.md 2.7).
 */
import { createSign } from 'node:crypto';
import jsforce, { type Connection } from 'jsforce';
import { setDefaults } from 'jsforce/lib/request.js';
import type { Logger } from 'pino';
import { AuthError, BudgetError, ConfigError, RateLimitError, TidemarkError, TransientError } from '../../src/contracts/errors.ts';
import { SALESFORCE_AUTH_HINT, type SalesforceConfig } from './config.ts';

setDefaults({ retry: { maxRetries: 0 } });

interface TokenResult {
  access_token: string;
  instance_url: string;
  id: string;
}

function jwtAssertion(config: SalesforceConfig, now: Date): string {
  const b64 = (v: object | string): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const audience = /test\.salesforce\.com/.test(config.loginUrl) ? 'https://test.salesforce.com' : /login\.salesforce\.com/.test(config.loginUrl) ? 'https://login.salesforce.com' : config.loginUrl;
  const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: config.clientId, sub: config.username, aud: audience, exp: Math.floor(now.getTime() / 1000) + 180 })}`;
  const signature = createSign('RSA-SHA256').update(head).sign(config.privateKey ?? '').toString('base64url');
  return `${head}.${signature}`;
}

/** Maps a jsforce or fetch error to Tidemark's error kinds (messages never carry secrets). */
export function mapSalesforceError(err: unknown, what: string): TidemarkError {
  if (err instanceof TidemarkError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { errorCode?: unknown; name?: unknown; message?: unknown; statusCode?: unknown };
  const code = typeof e.errorCode === 'string' ? e.errorCode : typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (code === 'REQUEST_LIMIT_EXCEEDED') return new BudgetError(`Salesforce REQUEST_LIMIT_EXCEEDED during ${what}: the org's daily API requests are used up; the source resumes when budget returns`);
  if (/invalid_grant|invalid_client|INVALID_SESSION_ID|unsupported_grant_type|invalid_client_id/.test(`${code} ${message}`)) {
    return new AuthError(`Salesforce refused the credentials during ${what} (${code || 'auth error'}: ${message}). ${SALESFORCE_AUTH_HINT}`);
  }
  if (/INVALID_FIELD|INVALID_TYPE|MALFORMED_QUERY|NOT_FOUND|INSUFFICIENT_ACCESS/.test(code)) return new ConfigError(`Salesforce ${code} during ${what}: ${message}`);
  if (e.statusCode === 429 || /429/.test(code)) return new RateLimitError('salesforce', 60_000, `Salesforce throttled ${what}: ${message}`);
  return new TransientError(`Salesforce ${what} failed: ${code ? `${code}: ` : ''}${message}`, { cause: err });
}

async function fetchToken(config: SalesforceConfig, now: Date): Promise<TokenResult> {
  const form = new URLSearchParams();
  if (config.authFlow === 'client-credentials') {
    form.set('grant_type', 'client_credentials');
    form.set('client_id', config.clientId);
    form.set('client_secret', config.clientSecret ?? '');
  } else if (config.authFlow === 'jwt-bearer') {
    form.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    form.set('assertion', jwtAssertion(config, now));
  } else {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', config.refreshToken ?? '');
    form.set('client_id', config.clientId);
    if (config.clientSecret) form.set('client_secret', config.clientSecret);
  }
  let res: Response;
  try {
    res = await fetch(`${config.loginUrl.replace(/\/+$/, '')}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (err) {
    throw new TransientError(`Salesforce token request to ${config.loginUrl} failed: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const detail = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status}`;
    if (res.status >= 500) throw new TransientError(`Salesforce token endpoint answered ${res.status}: ${detail}`);
    throw new AuthError(`Salesforce refused the ${config.authFlow} login (${String(body.error ?? res.status)}: ${detail}). ${SALESFORCE_AUTH_HINT}`);
  }
  if (typeof body.access_token !== 'string' || typeof body.instance_url !== 'string' || typeof body.id !== 'string') {
    throw new TransientError('Salesforce token response lacks access_token, instance_url or id');
  }
  return { access_token: body.access_token, instance_url: body.instance_url, id: body.id };
}

export interface SalesforceSession {
  conn: Connection;
}

export async function openSalesforceConnection(config: SalesforceConfig, log: Logger, now: () => Date = () => new Date()): Promise<SalesforceSession> {
  const token = await fetchToken(config, now());
  const conn = new jsforce.Connection({
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    version: config.apiVersion,
    refreshFn: (_conn, callback) => {
      fetchToken(config, now()).then(
        (t) => {
          log.info('Salesforce session refreshed');
          callback(null, t.access_token);
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  return { conn };
}
