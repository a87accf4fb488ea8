/** The API's one error idiom: HttpError carries a status and a message that says what to fix. */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import { errorMessage } from '../contracts/errors.ts';
import { scrubSecrets } from '../logging/logger.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'not found', `${what} does not exist`);

/** "field: message" lines; values are never echoed, so a secret typed in the wrong field stays hidden. */
export function zodIssues(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`);
}

/** What to fix for the body parser's and router's own errors (their texts are not shown: they may quote the body). */
export function clientErrorMessage(status: number, type: string): string {
  if (type === 'entity.parse.failed') return 'the body is not valid JSON';
  if (type === 'charset.unsupported') return 'unsupported charset: send the body as UTF-8';
  if (type === 'encoding.unsupported') return 'unsupported Content-Encoding: send the body uncompressed, gzip, deflate or br';
  if (type === 'request.aborted' || type === 'request.size.invalid') return 'the body ended before its Content-Length';
  if (status === 415) return 'unsupported content type or encoding: send application/json in UTF-8';
  if (status === 400) return 'malformed request: check the URL encoding and the body (JSON)';
  return 'the request was refused: check the URL, method and body';
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    void next;
    if (err instanceof z.ZodError) {
      res.status(400).json({ error: 'invalid request', message: `fix these fields: ${zodIssues(err).join('; ')}`, issues: zodIssues(err) });
      return;
    }
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.code, message: scrubSecrets(err.message) });
      return;
    }
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    const type = typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string' ? err.type : '';
    if (status === 413) {
      res.status(413).json({ error: 'payload too large', message: 'request bodies are limited to 1 MB' });
      return;
    }
    if (status >= 400 && status < 500) {
      // Errors of the body parser and the router (http-errors): a client mistake, never a 500.
      res.status(status).json({ error: 'invalid request', message: clientErrorMessage(status, type) });
      return;
    }
    log.error({ err: scrubSecrets(errorMessage(err)), path: req.path }, 'api error');
    res.status(500).json({ error: 'internal error', message: 'the server failed; see its log' });
  };
}
