/** Zendesk's error bodies (fixtures/api-samples/zendesk) and the auth check. */
import type { Request, Response } from 'express';
import type { VendorErrorFormat } from '../../../src/sandbox/emulator-kit/index.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';
/** rate_limit_429.body.txt: Zendesk's account-wide 429 is plain text. */
export const RATE_LIMIT_TEXT = 'Number of allowed API requests per minute exceeded';
/** The incremental-export 429 is JSON (as logged from the live API). */
export const INCREMENTAL_RATE_LIMIT_BODY = { error: 'APIRateLimitExceeded', description: 'Number of allowed incremental export API requests per minute exceeded' };
export const UNAUTHORIZED_BODY = { error: "Couldn't authenticate you" };
export const NOT_FOUND_BODY = { error: 'RecordNotFound', description: 'Not found' };

export const zendeskErrors: VendorErrorFormat = {
  error(status, kind) {
    if (kind === 'rate-limit' || status === 429) return { body: RATE_LIMIT_TEXT, contentType: 'text/plain' };
    if (kind === 'session-expired' || status === 401) return { body: JSON.stringify(UNAUTHORIZED_BODY), contentType: JSON_TYPE };
    if (kind === 'not-found' || status === 404) return { body: JSON.stringify(NOT_FOUND_BODY), contentType: JSON_TYPE };
    if (status === 503) return { body: JSON.stringify({ error: 'ServiceUnavailable', description: 'Service temporarily unavailable, try again later' }), contentType: JSON_TYPE };
    return { body: JSON.stringify({ error: 'InternalError', description: `Internal server error (${status})` }), contentType: JSON_TYPE };
  },
};

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type(JSON_TYPE).send(JSON.stringify(body));
}

export function sendInvalid(res: Response, error: string, description: string): void {
  sendJson(res, 400, { error, description });
}

export const SANDBOX_EMAIL = 'sandbox@example.com';
export const SANDBOX_TOKEN = 'sandbox';

/** True for Basic `sandbox@example.com/token:sandbox` and `Bearer sandbox`. */
export function isAuthenticated(req: Request): boolean {
  const header = req.headers.authorization ?? '';
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value === SANDBOX_TOKEN;
  if (scheme?.toLowerCase() !== 'basic' || value === undefined) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded === `${SANDBOX_EMAIL}/token:${SANDBOX_TOKEN}`;
}
