/**
 * Shared machinery of the three emulators: route labels for stats, fault injection, the clock,
 * and the /__sandbox control routes. Each emulator supplies its vendor's error format.
 */
import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { EmulatorClock } from './clock.ts';
import { CallStats } from './stats.ts';
import { FaultInjector, faultRequestSchema, type FaultSpec } from './faults.ts';

export { EmulatorClock } from './clock.ts';
export { CallStats } from './stats.ts';
export { WindowLimiter } from './rate-limiter.ts';
export { FaultInjector, type FaultSpec } from './faults.ts';
export { createRng, seedFromString } from './rng.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** How a vendor answers an error: status, content type and body. */
export interface VendorErrorFormat {
  /** Body and headers for an injected or real error of this status. */
  error(status: number, kind: 'server' | 'rate-limit' | 'session-expired' | 'not-found', req: Request): { body: string; contentType: string };
}

export interface EmulatorKitOptions {
  name: string;
  seed?: number;
  errors: VendorErrorFormat;
}

export interface EmulatorKit {
  app: Express;
  clock: EmulatorClock;
  stats: CallStats;
  faults: FaultInjector;
  /** Registers a route under a stats label, with fault injection in front of the handler. */
  route(method: Method, path: string, label: string, ...handlers: RequestHandler[]): void;
  /** Call after all routes: JSON 404 in the vendor's shape, and the error boundary. */
  finish(): void;
}

const clockBodySchema = z.union([
  z.object({ advanceSeconds: z.number() }),
  z.object({ set: z.iso.datetime({ offset: true }) }),
  z.object({ reset: z.literal(true) }),
]);

export function createEmulatorKit(options: EmulatorKitOptions): EmulatorKit {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const clock = new EmulatorClock();
  const stats = new CallStats();
  const faults = new FaultInjector(options.seed ?? 1);
  const control = express.json({ limit: '1mb' });

  app.get('/__sandbox/stats', (_req, res) => {
    res.json(stats.toJSON());
  });
  app.delete('/__sandbox/stats', (_req, res) => {
    stats.reset();
    res.status(204).end();
  });
  app.get('/__sandbox/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });
  app.post('/__sandbox/faults', control, (req, res) => {
    const parsed = faultRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid fault', details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const specs = 'faults' in parsed.data ? parsed.data.faults : [parsed.data];
    for (const spec of specs) faults.add(spec);
    res.status(201).json({ faults: faults.list() });
  });
  app.delete('/__sandbox/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  app.get('/__sandbox/clock', (_req, res) => {
    res.json({ now: clock.date().toISOString() });
  });
  app.post('/__sandbox/clock', control, (req, res) => {
    const parsed = clockBodySchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'send {"advanceSeconds": n}, {"set": ISO-8601} or {"reset": true}' });
      return;
    }
    const body = parsed.data;
    if ('advanceSeconds' in body) clock.advance(body.advanceSeconds * 1000);
    else if ('set' in body) clock.set(Date.parse(body.set));
    else clock.reset();
    res.json({ now: clock.date().toISOString() });
  });

  function sendError(req: Request, res: Response, status: number, kind: Parameters<VendorErrorFormat['error']>[1], retryAfter?: number): void {
    const { body, contentType } = options.errors.error(status, kind, req);
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    res.status(status).type(contentType).send(body);
  }

  function faultMiddleware(label: string): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      res.locals.statsLabel = label;
      const fired = faults.take(label);
      if (fired.length === 0) {
        next();
        return;
      }
      const byType = new Map(fired.map((f) => [f.type, f] as const));
      const proceed = (): void => {
        const status = byType.get('status');
        if (status) return sendError(req, res, status.status ?? 503, 'server');
        const limited = byType.get('rate-limit');
        if (limited) return sendError(req, res, limited.status ?? 429, 'rate-limit', limited.retryAfterSeconds ?? 1);
        const expired = byType.get('session-expired');
        if (expired) return sendError(req, res, 401, 'session-expired');
        const bodyFault = byType.get('reset') ?? byType.get('truncate') ?? byType.get('malformed');
        if (bodyFault) interceptBody(res, bodyFault);
        next();
      };
      const latency = byType.get('latency');
      if (latency) setTimeout(proceed, latency.latencyMs ?? 1000);
      else proceed();
    };
  }

  app.use((req, res, next) => {
    // The server's clock is the emulator's (tests move it), as a real server's Date is its own.
    res.setHeader('Date', clock.date().toUTCString());
    res.on('finish', () => stats.record(String(res.locals.statsLabel ?? `${req.method} (unrouted)`), res.statusCode));
    res.on('close', () => {
      if (!res.writableFinished) stats.record(String(res.locals.statsLabel ?? `${req.method} (unrouted)`), 0);
    });
    next();
  });

  return {
    app,
    clock,
    stats,
    faults,
    route(method, path, label, ...handlers) {
      app[method](path, faultMiddleware(label), ...handlers);
    },
    finish() {
      app.use((req, res) => {
        res.locals.statsLabel = `${req.method} (not found)`;
        sendError(req, res, 404, 'not-found');
      });
      app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
        void _next;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
        sendError(req, res, status, 'server');
      });
    },
  };
}

/**
 * Buffers the handler's body, then damages it: `reset` sends the first half and destroys the
 * socket; `truncate` sends the first half and ends cleanly; `malformed` inserts a broken line or
 * breaks the JSON in the middle.
 */
function interceptBody(res: Response, fault: FaultSpec): void {
  const chunks: Buffer[] = [];
  const originalWrite = res.write.bind(res);
  const originalEnd = res.end.bind(res);
  const toBuffer = (chunk: unknown, encoding?: unknown): Buffer =>
    Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, encoding));
    if (typeof encoding === 'function') (encoding as () => void)();
    else if (typeof cb === 'function') (cb as () => void)();
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') chunks.push(toBuffer(chunk, encoding));
    const body = Buffer.concat(chunks);
    res.removeHeader('Content-Length');
    res.removeHeader('Content-Encoding');
    const half = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
    if (fault.type === 'reset') {
      originalWrite(half);
      setImmediate(() => res.socket?.destroy());
      return res;
    }
    if (fault.type === 'truncate') return originalEnd(half);
    const text = body.toString('utf8');
    const lines = text.split('\n');
    let damaged: string;
    if (lines.length > 2) {
      const at = Math.floor(lines.length / 2);
      lines.splice(at, 0, '{"event": "broken", "properties": {"time": ');
      damaged = lines.join('\n');
    } else {
      damaged = `${text.slice(0, Math.floor(text.length / 2))}\u0000}{not json`;
    }
    const done = typeof cb === 'function' ? (cb as () => void) : typeof encoding === 'function' ? (encoding as () => void) : undefined;
    return originalEnd(damaged, 'utf8', done);
  }) as typeof res.end;
}

/** Starts an app on 127.0.0.1:port (0 = any free port) and resolves with the server and its base URL. */
export async function listen(app: Express, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      const address = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${address.port}`, port: address.port });
    });
    server.on('error', reject);
  });
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** The base URL a client used, from the Host header (contracts.md section 4). */
export function baseUrlOf(req: Request): string {
  const host = req.headers.host ?? '127.0.0.1';
  return `${req.protocol}://${host}`;
}
