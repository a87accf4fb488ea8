/** Mixpanel's JSON error bodies ({"request", "error"}; fixtures/api-samples/mixpanel) and auth. */
import type { Request, Response } from 'express';
import type { VendorErrorFormat } from '../../../src/sandbox/emulator-kit/index.ts';

export const JSON_TYPE = 'application/json';
/** error_402_plan_does_not_allow_api.json, verbatim. */
export const PLAN_ERROR_BODY = { error: 'Your plan does not allow API calls. Upgrade at mixpanel.com/pricing' };

export function errorBody(req: Request, error: string): { request: string; error: string } {
  return { request: req.originalUrl, error };
}

export function sendError(req: Request, res: Response, status: number, error: string): void {
  res.status(status).type(JSON_TYPE).send(JSON.stringify(errorBody(req, error)));
}

export const mixpanelErrors: VendorErrorFormat = {
  error(status, kind, req) {
    if (status === 402) return { body: JSON.stringify(PLAN_ERROR_BODY), contentType: JSON_TYPE };
    const message =
      kind === 'rate-limit' || status === 429
        ? 'Query rate limit exceeded. Please retry after the time given in Retry-After.'
        : kind === 'session-expired' || status === 401
          ? 'Unable to authenticate request'
          : kind === 'not-found' || status === 404
            ? 'Not found'
            : 'Internal server error';
    return { body: JSON.stringify(errorBody(req, message)), contentType: JSON_TYPE };
  },
};

export const SANDBOX_ACCOUNT = 'sandbox';
export const SANDBOX_SECRET = 'sandbox';

export type Credential = { kind: 'service-account' } | { kind: 'project-secret' };

/** Basic `sandbox:sandbox` (service account, needs project_id) or `sandbox:` (project secret). */
export function credentialOf(req: Request): Credential | null {
  const header = req.headers.authorization ?? '';
  const [scheme, value] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic' || value === undefined) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (decoded === `${SANDBOX_ACCOUNT}:${SANDBOX_SECRET}`) return { kind: 'service-account' };
  if (decoded === `${SANDBOX_SECRET}:`) return { kind: 'project-secret' };
  return null;
}
