/**
 * Authentication for /api, the console and bull-board: a bearer token, or the console's session
 * cookie (then every state-changing request must carry X-CSRF-Token). Failed attempts are
 * counted per client in Redis: the 11th within a minute is refused with 429 before any check.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { identifyToken, type Role } from './token-store.ts';
import { readSession, SESSION_COOKIE } from './session-store.ts';

export const MAX_FAILED_AUTH_PER_MINUTE = 10;
export const CSRF_HEADER = 'x-csrf-token';

export interface Principal {
  role: Role;
  /** "token:<id>" for bearer calls, "console:<token id>" for console sessions. */
  actor: string;
  via: 'bearer' | 'session';
}

declare module 'express-serve-static-core' {
  interface Locals {
    principal?: Principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function failKey(prefix: string, req: Request): string {
  const minute = Math.floor(Date.now() / 60_000);
  return `${prefix}:authfail:${req.ip ?? 'unknown'}:${minute}`;
}

export async function tooManyFailures(redis: Redis, prefix: string, req: Request): Promise<boolean> {
  const n = Number((await redis.get(failKey(prefix, req))) ?? 0);
  return n >= MAX_FAILED_AUTH_PER_MINUTE;
}

export async function countFailure(redis: Redis, prefix: string, req: Request): Promise<void> {
  const k = failKey(prefix, req);
  await redis.multi().incr(k).expire(k, 120).exec();
}

export function sessionIdOf(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function resolvePrincipal(redis: Redis, prefix: string, req: Request): Promise<Principal | 'csrf' | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const identity = token ? await identifyToken(redis, prefix, token) : null;
    return identity ? { role: identity.role, actor: `token:${identity.id}`, via: 'bearer' } : null;
  }
  const sid = sessionIdOf(req);
  if (!sid) return null;
  const session = await readSession(redis, prefix, sid);
  if (!session) return null;
  if (!SAFE_METHODS.has(req.method)) {
    const given = req.header(CSRF_HEADER) ?? '';
    if (!sameText(given, session.csrf)) return 'csrf';
  }
  return { role: session.role, actor: `console:${session.tokenId}`, via: 'session' };
}

/** Refuses unauthenticated requests (401), CSRF failures (403) and, with `role: 'admin'`, viewers (403). */
export function authenticate(redis: Redis, prefix: string, minimum: Role = 'viewer'): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (await tooManyFailures(redis, prefix, req)) {
        res.status(429).json({ error: 'too many failed authentications', message: `more than ${MAX_FAILED_AUTH_PER_MINUTE} failed authentications in a minute from this client: wait a minute and check the token` });
        return;
      }
      const principal = await resolvePrincipal(redis, prefix, req);
      if (principal === 'csrf') {
        res.status(403).json({ error: 'csrf', message: `missing or wrong ${CSRF_HEADER} header: reload the console and try again` });
        return;
      }
      if (!principal) {
        await countFailure(redis, prefix, req);
        res.status(401).json({ error: 'unauthorized', message: 'send Authorization: Bearer <token> (create one with: npm run tidemark -- tokens create --role viewer), or sign in to the console' });
        return;
      }
      if (minimum === 'admin' && principal.role !== 'admin') {
        res.status(403).json({ error: 'forbidden', message: 'this needs an admin token; viewers can only read' });
        return;
      }
      res.locals.principal = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}
