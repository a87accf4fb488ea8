/**
 * An authorized jsforce Connection for the configured OAuth flow, with session refresh (the
 * same flow again) on INVALID_SESSION_ID, jsforce's own GET retries turned off so Tidemark's
 * error policy owns retries and honours Retry-After (apis.md 2.7), and a count of API calls.
 *
 * Retries: jsforce 3.10.16 (lib/request.js) reads `options.retry.maxRetries` per request, where
 * the options are the transport defaults merged with what the Connection passes. We wrap this
 * connection's transport so every request carries `retry: { maxRetries: 0 }`; jsforce's global
 * defaults (HTTP proxy, timeout, redirects) stay as they are, except that loopback and NO_PROXY
 * hosts bypass the proxy.
 */
import { createSign } from 'node:crypto';
import type { Connection, HttpRequest, HttpRequestOptions } from 'jsforce';
import type { Logger } from 'pino';
import { AuthError, BudgetError, ConfigError, RateLimitError, TidemarkError, TransientError } from '../../src/contracts/errors.ts';
import { registerSecret } from '../../src/logging/logger.ts';
import { redactUrl, retryAfterMs } from '../../src/sources/http.ts';
import { SALESFORCE_AUTH_HINT, type SalesforceConfig } from './config.ts';

interface TokenResult {
  access_token: string;
  instance_url: string;
  id: string;
}

/** The last HTTP status a connection saw, so errors jsforce strips of it can still be mapped. */
export interface LastResponse {
  status: number;
  retryAfter: string | null;
  /** The server's Date header: its clock when it answered. */
  date: string | null;
}

/** A jsforce Connection plus Tidemark's bookkeeping. */
export interface SalesforceSession {
  conn: Connection;
  /** REST API calls made so far (what counts against the org's daily budget; OAuth token requests do not). */
  calls(): number;
  last(): LastResponse | null;
}

function jwtAssertion(config: SalesforceConfig, now: Date): string {
  const b64 = (v: object | string): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const audience = /test\.salesforce\.com/.test(config.loginUrl) ? 'https://test.salesforce.com' : /login\.salesforce\.com/.test(config.loginUrl) ? 'https://login.salesforce.com' : config.loginUrl;
  const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: config.clientId, sub: config.username, aud: audience, exp: Math.floor(now.getTime() / 1000) + 180 })}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(head).sign(config.privateKey ?? '').toString('base64url');
  } catch {
    throw new ConfigError('Salesforce privateKey is not a usable PEM RSA private key: paste the key of the certificate uploaded to the connected app');
  }
  return `${head}.${signature}`;
}

function errorFields(err: unknown): { code: string; message: string; status: number | null } {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { errorCode?: unknown; name?: unknown; message?: unknown; statusCode?: unknown; code?: unknown };
  const code = typeof e.errorCode === 'string' ? e.errorCode : typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const fromCode = /^ERROR_HTTP_(\d{3})$/.exec(code)?.[1];
  const status = typeof e.statusCode === 'number' ? e.statusCode : fromCode ? Number(fromCode) : null;
  return { code, message, status };
}

/**
 * Maps a jsforce or fetch error to Tidemark's error kinds (messages never carry secrets).
 * `last` is the connection's last response, for the status jsforce does not keep on its errors.
 */
export function mapSalesforceError(err: unknown, what: string, last: LastResponse | null = null): TidemarkError {
  if (err instanceof TidemarkError) return err;
  const { code, message, status: own } = errorFields(err);
  const status = own ?? (last && last.status >= 400 ? last.status : null);
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return new BudgetError(`Salesforce REQUEST_LIMIT_EXCEEDED during ${what}: the org's daily API requests are used up; the pull resumes when the budget returns (raise the limit or lower the sync frequency)`);
  }
  if (status === 401 || /invalid_grant|invalid_client|INVALID_SESSION_ID|unsupported_grant_type|invalid_client_id|INVALID_AUTH_HEADER/.test(`${code} ${message}`)) {
    return new AuthError(`Salesforce refused the credentials during ${what} (${code || 'HTTP 401'}: ${message}). ${SALESFORCE_AUTH_HINT}`);
  }
  if (/INVALID_FIELD|INVALID_TYPE|MALFORMED_QUERY|NOT_FOUND|INSUFFICIENT_ACCESS|API_DISABLED_FOR_ORG|API_CURRENTLY_DISABLED/.test(code)) {
    return new ConfigError(`Salesforce ${code} during ${what}: ${message}. Check the field mapping and the integration user's permissions.`);
  }
  if (status === 429 || status === 420) {
    return new RateLimitError('salesforce', retryAfterMs(last?.retryAfter ?? null), `Salesforce throttled ${what} (HTTP ${status}); retry later`);
  }
  return new TransientError(`Salesforce ${what} failed: ${status ? `HTTP ${status} ` : ''}${code ? `${code}: ` : ''}${message}`, { cause: err });
}

async function fetchToken(config: SalesforceConfig, now: Date, signal?: AbortSignal): Promise<TokenResult> {
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
  const timeout = AbortSignal.timeout(config.timeoutMs);
  let res: Response;
  try {
    res = await fetch(`${config.loginUrl.replace(/\/+$/, '')}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    throw new TransientError(`Salesforce token request to ${config.loginUrl} failed: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const detail = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status}`;
    if (res.status === 429) throw new RateLimitError('salesforce', retryAfterMs(res.headers.get('retry-after')), `Salesforce token endpoint throttled the login (429)`);
    if (res.status >= 500) throw new TransientError(`Salesforce token endpoint answered ${res.status}: ${detail}`);
    throw new AuthError(`Salesforce refused the ${config.authFlow} login (${String(body.error ?? res.status)}: ${detail}). ${SALESFORCE_AUTH_HINT}`);
  }
  if (typeof body.access_token !== 'string' || typeof body.instance_url !== 'string' || typeof body.id !== 'string') {
    throw new TransientError('Salesforce token response lacks access_token, instance_url or id');
  }
  registerSecret(body.access_token);
  return { access_token: body.access_token, instance_url: body.instance_url, id: body.id };
}

/**
 * jsforce sends every request through HTTP(S)_PROXY and knows no NO_PROXY (apis.md 2.1): loopback
 * hosts (the emulators) and hosts listed in NO_PROXY go direct.
 */
export function bypassesProxy(url: string, noProxy = process.env.NO_PROXY ?? process.env.no_proxy ?? ''): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return true;
  return noProxy
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter(Boolean)
    .some((h) => h === '*' || host === h.replace(/^\./, '') || host.endsWith(h.startsWith('.') ? h : `.${h}`));
}

export interface ConnectionOptions {
  now?: () => Date;
  signal?: AbortSignal;
}

/** Opens a session: one token request, then a jsforce Connection wired as described above. */
export async function openSalesforceConnection(config: SalesforceConfig, log: Logger, options: ConnectionOptions | (() => Date) = {}): Promise<SalesforceSession> {
  const opts: ConnectionOptions = typeof options === 'function' ? { now: options } : options;
  const now = opts.now ?? (() => new Date());
  registerSecret(config.clientSecret);
  registerSecret(config.refreshToken);
  let calls = 0;
  let last: LastResponse | null = null;
  const token = await fetchToken(config, now(), opts.signal);
  // Loaded on first use: commands that only enqueue runs (`sync`) start without it (about 0.4 s).
  const { default: jsforce } = await import('jsforce');
  const conn = new jsforce.Connection({
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    version: config.apiVersion,
    refreshFn: (_conn, callback) => {
      fetchToken(config, now(), opts.signal).then(
        (t) => {
          log.info('Salesforce session refreshed');
          callback(null, t.access_token);
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });
  const transport = conn._transport;
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (req: HttpRequest, reqOptions?: HttpRequestOptions) => {
    calls += 1;
    const direct = bypassesProxy(req.url) ? { httpProxy: undefined } : {};
    const pending = send(req, { ...reqOptions, ...direct, retry: { ...reqOptions?.retry, maxRetries: 0 } });
    // jsforce pipes the response body without passing on its errors, so a connection reset in the
    // middle of a body leaves the request pending for ever (found by fault injection). A request
    // not answered in full within timeoutMs fails as transient: the job retries from its checkpoint.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TransientError(`Salesforce ${req.method} ${redactUrl(req.url)}: no complete answer within ${config.timeoutMs / 1000} s (connection lost in the middle of the body?)`)), config.timeoutMs);
    });
    const bounded = Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
    bounded.then(
      (res) => {
        last = { status: res.statusCode, retryAfter: res.headers['retry-after'] ?? null, date: res.headers.date ?? null };
      },
      () => {
        last = null;
      },
    );
    // jsforce reads the request's stream() and awaits the promise: keep the stream, bound the promise.
    return Object.assign(bounded, { stream: () => pending.stream() }) as unknown as typeof pending;
  };
  return { conn, calls: () => calls, last: () => last };
}

/**
 * An authorized jsforce Connection (`.conn`) with its API call counter (`.calls()`); the same as
 * openSalesforceConnection, named for the connector's public surface.
 */
export function createSalesforceConnection(config: SalesforceConfig, log: Logger, options: ConnectionOptions = {}): Promise<SalesforceSession> {
  return openSalesforceConnection(config, log, options);
}
