/**
 * The raw export request (node:http(s), service-account Basic auth, gzip) read as a stream of JSON
 * lines. Timeouts are AbortSignals: one for the response headers and an idle one that fires when
 * no bytes arrive for `idleTimeoutMs` (a long export may take minutes, a stalled one must not
 * hang). Error statuses and error JSON bodies become typed errors:
 * 401/403 AuthError, 429 RateLimitError (Retry-After), 400/402 ConfigError with Mixpanel's own
 * words, 5xx, network errors and cut-off bodies TransientError.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createGunzip, createInflate } from 'node:zlib';
import { AuthError, ConfigError, RateLimitError, TidemarkError, TransientError } from '../../src/contracts/errors.ts';
import { redactUrl, retryAfterMs } from '../../src/sources/http.ts';
import { MIXPANEL_AUTH_HINT } from './config.ts';
import { parseJsonLine, readLineBatches, type LineBatch } from './jsonl-reader.ts';

export interface ExportRequest {
  url: string;
  authorization: string;
  /** Until the response headers arrive. */
  timeoutMs: number;
  /** Longest silence allowed while the body streams. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

/** Mixpanel's error bodies: `{"error": "..."}`, sometimes with `"request"`. */
export function mixpanelErrorText(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'error' in value && typeof value.error === 'string') return value.error;
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 300);
}

/** An error for a non-2xx answer. */
export function exportHttpError(status: number, text: string, retryAfter: string | null, url: string): TidemarkError {
  const detail = mixpanelErrorText(text);
  if (status === 401 || status === 403) return new AuthError(`Mixpanel refused the credentials (HTTP ${status}: ${detail}). ${MIXPANEL_AUTH_HINT}`);
  if (status === 429) return new RateLimitError('mixpanel', retryAfterMs(retryAfter), `Mixpanel rate limit (429): ${detail}`);
  if (status === 402) return new ConfigError(`Mixpanel answered 402 (${detail}): the project's plan does not allow the export API`);
  if (status >= 400 && status < 500) return new ConfigError(`Mixpanel rejected ${redactUrl(url)} (HTTP ${status}: ${detail}); check projectId, region and the date range`);
  return new TransientError(`Mixpanel answered HTTP ${status} for ${redactUrl(url)}: ${detail}`);
}

/** A line that is an error object rather than an event (some proxies and old projects answer 200 with one). */
export function errorLine(value: unknown): TidemarkError | null {
  if (typeof value !== 'object' || value === null || 'event' in value || !('error' in value) || typeof value.error !== 'string') return null;
  const message = value.error;
  if (/rate limit/i.test(message)) return new RateLimitError('mixpanel', 60_000, `Mixpanel rate limit: ${message}`);
  if (/auth|credential|permission|not allowed|invalid api/i.test(message)) return new AuthError(`Mixpanel refused the request: ${message}. ${MIXPANEL_AUTH_HINT}`);
  return new TransientError(`Mixpanel export answered an error instead of events: ${message}`);
}

async function* watched(body: AsyncIterable<Uint8Array>, onChunk: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    onChunk();
    yield chunk;
  }
}

/** Decompressed output chunks of 256 KB: fewer, larger chunks through the line reader. */
const INFLATE_CHUNK = 256 * 1024;

/**
 * GET with node:http(s) rather than fetch: the export body is the hot path of an ingest, and
 * fetch's web-stream plumbing and 16 KB gunzip chunks cost more per byte than a zlib stream with
 * large chunks piped from the socket.
 */
function openExport(url: string, authorization: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { method: 'GET', headers: { authorization, accept: 'text/plain', 'accept-encoding': 'gzip' }, signal }, resolve);
    request.once('error', reject);
    request.end();
  });
}

/** The decoded body stream (gzip or deflate), with errors of the socket passed on. */
function decodedBody(res: IncomingMessage): AsyncIterable<Uint8Array> {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'deflate') return res;
  const inflate = encoding === 'deflate' ? createInflate({ chunkSize: INFLATE_CHUNK }) : createGunzip({ chunkSize: INFLATE_CHUNK });
  res.once('error', (err) => inflate.destroy(err));
  res.pipe(inflate);
  return inflate;
}

async function bodyText(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of decodedBody(res)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

/** Opens the export and yields its lines, a batch per body chunk; typed errors as described above. */
export async function* streamExport(req: ExportRequest): AsyncGenerator<LineBatch> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let timedOut = '';
  const arm = (ms: number, what: string): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = what;
      controller.abort();
    }, ms);
  };
  const signal = req.signal ? AbortSignal.any([req.signal, controller.signal]) : controller.signal;
  arm(req.timeoutMs, `no response within ${req.timeoutMs} ms`);
  try {
    let res: IncomingMessage;
    try {
      res = await openExport(req.url, req.authorization, signal);
    } catch (err) {
      throw new TransientError(`Mixpanel export request to ${redactUrl(req.url)} failed: ${timedOut || (err as Error).message}`, { cause: err });
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await bodyText(res).catch(() => '');
      const retryAfter = res.headers['retry-after'];
      throw exportHttpError(status, text, typeof retryAfter === 'string' ? retryAfter : null, req.url);
    }
    arm(req.idleTimeoutMs, `no data for ${req.idleTimeoutMs} ms`);
    try {
      const rearm = (): void => arm(req.idleTimeoutMs, `no data for ${req.idleTimeoutMs} ms`);
      res.once('aborted', () => res.destroy(new Error('the connection closed before the body ended')));
      const decoded = decodedBody(res);
      // Bytes arriving on the socket keep the idle timer from firing.
      if (decoded !== res) res.on('data', rearm);
      const body = decoded === res ? watched(res, rearm) : decoded;
      for await (const batch of readLineBatches(body, 'mixpanel')) {
        const failure = batch.lines[0] === 1 ? errorLine(parseJsonLine(batch.texts[0] as string)) : null;
        if (failure) throw failure;
        yield batch;
      }
    } catch (err) {
      if (timedOut && !(err instanceof TidemarkError && err.kind !== 'transient')) throw new TransientError(`Mixpanel export stalled (${timedOut}); it will be read again`, { cause: err });
      throw err;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
