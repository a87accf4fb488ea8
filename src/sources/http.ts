/**
 * HTTP for the connectors that use fetch (Zendesk exports, Mixpanel): one place that turns
 * statuses into Tidemark's error kinds. 401/403 -> AuthError; 429 -> RateLimitError with
 * Retry-After; 5xx, network errors, timeouts and unreadable bodies -> TransientError.
 */
import { AuthError, ConfigError, RateLimitError, TransientError } from '../contracts/errors.ts';

export interface RequestOptions {
  upstream: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  timeoutMs?: number;
  /** What to tell the user on 401/403. */
  authHint?: string;
}

/** Retry-After in seconds or as an HTTP date; defaults to 60 s when absent. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number {
  if (!header) return 60_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 60_000 : Math.max(0, at - nowMs);
}

/** Only the path of a URL, for messages: never its query (it may carry cursors or secrets). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export async function request(url: string, o: RequestOptions): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: o.method ?? 'GET',
      headers: o.headers,
      body: o.body,
      signal: AbortSignal.timeout(o.timeoutMs ?? 120_000),
    });
  } catch (err) {
    throw new TransientError(`${o.upstream}: request to ${redactUrl(url)} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.ok) return res;
  const text = (await res.text().catch(() => '')).slice(0, 500);
  if (res.status === 401 || res.status === 403) {
    throw new AuthError(`${o.upstream} refused the credentials (HTTP ${res.status}${text ? `: ${text}` : ''}). ${o.authHint ?? 'Check the connector settings.'}`);
  }
  if (res.status === 429) throw new RateLimitError(o.upstream, retryAfterMs(res.headers.get('retry-after')), `${o.upstream} rate limit (429): ${text}`);
  if (res.status === 402 || res.status === 400 || res.status === 404) {
    throw new ConfigError(`${o.upstream} answered HTTP ${res.status} for ${redactUrl(url)}: ${text}`);
  }
  throw new TransientError(`${o.upstream} answered HTTP ${res.status} for ${redactUrl(url)}: ${text}`);
}

export async function requestJson(url: string, o: RequestOptions): Promise<unknown> {
  const res = await request(url, o);
  const text = await res.text().catch((err: unknown) => {
    throw new TransientError(`${o.upstream}: the response body of ${redactUrl(url)} was cut off: ${(err as Error).message}`);
  });
  try {
    return JSON.parse(text);
  } catch {
    throw new TransientError(`${o.upstream}: the response of ${redactUrl(url)} is not valid JSON (truncated or malformed, ${text.length} bytes)`);
  }
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Serialises a value for quarantine logs, bounded. */
export function rawText(value: unknown, max = 2000): string {
  try {
    return JSON.stringify(value).slice(0, max);
  } catch {
    return String(value).slice(0, max);
  }
}

export function zodReason(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`).join('; ');
}
