/** Salesforce's error wire format: a JSON array of {message, errorCode[, fields]} as application/json;charset=UTF-8. */
import type { Response } from 'express';
import type { VendorErrorFormat } from '../../../src/sandbox/emulator-kit/index.ts';

export const JSON_TYPE = 'application/json;charset=UTF-8';

export function errorBody(message: string, errorCode: string, fields?: string[]): string {
  return JSON.stringify([{ message, errorCode, ...(fields ? { fields } : {}) }]);
}

/** Sends a body with Salesforce's exact content type (Express's send() would rewrite it to "; charset=utf-8"). */
export function sendRaw(res: Response, status: number, body: string, contentType = JSON_TYPE): void {
  const bytes = Buffer.from(body, 'utf8');
  res.status(status);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(bytes.length));
  res.end(bytes);
}

export function sendJson(res: Response, status: number, body: unknown): void {
  sendRaw(res, status, JSON.stringify(body));
}

export function sendError(res: Response, status: number, message: string, errorCode: string, fields?: string[]): void {
  sendRaw(res, status, errorBody(message, errorCode, fields));
}

export const NOT_FOUND_MESSAGE = 'The requested resource does not exist';

/** How injected and boundary errors look (the emulator kit's fault injection and 404s). */
export const salesforceErrors: VendorErrorFormat = {
  error(status, kind) {
    const body =
      kind === 'session-expired'
        ? errorBody('Session expired or invalid', 'INVALID_SESSION_ID')
        : kind === 'not-found'
          ? errorBody(NOT_FOUND_MESSAGE, 'NOT_FOUND')
          : kind === 'rate-limit'
            ? errorBody('TotalRequests Limit exceeded.', 'REQUEST_LIMIT_EXCEEDED')
            : status === 503
              ? errorBody('Server temporarily unavailable', 'SERVER_UNAVAILABLE')
              : errorBody('An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)', 'UNKNOWN_EXCEPTION');
    return { body, contentType: JSON_TYPE };
  },
};
