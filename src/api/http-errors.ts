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
    if (status === 413) {
      res.status(413).json({ error: 'payload too large', message: 'request bodies are limited to 1 MB' });
      return;
    }
    if (status === 400) {
      res.status(400).json({ error: 'invalid request', message: 'the body is not valid JSON' });
      return;
    }
    log.error({ err: scrubSecrets(errorMessage(err)), path: req.path }, 'api error');
    res.status(500).json({ error: 'internal error', message: 'the server failed; see its log' });
  };
}
