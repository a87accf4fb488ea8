/**
 * The console: a static page with vanilla JS that calls /api (src/console/static), chart.js
 * served from node_modules, and the session endpoints. Signing in exchanges an API token for an
 * HttpOnly SameSite=Strict session cookie plus a CSRF token that the page sends on every change.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { SyncContext } from '../sync/context.ts';
import { identifyToken } from '../api/token-store.ts';
import { closeSession, openSession, readSession, SESSION_COOKIE, SESSION_TTL_SECONDS } from '../api/session-store.ts';
import { countFailure, CSRF_HEADER, sessionIdOf, tooManyFailures } from '../api/auth.ts';

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');
const CHART_JS = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
const signInBody = z.object({ token: z.string().min(1, 'paste an API token').max(200) });

export function consoleRouter(ctx: SyncContext): Router {
  const router = express.Router();
  const files: Record<string, [string, string]> = {
    '/': ['index.html', 'text/html; charset=utf-8'],
    '/console/app.js': ['app.js', 'text/javascript; charset=utf-8'],
    '/console/app.css': ['app.css', 'text/css; charset=utf-8'],
  };
  for (const [path, [file, type]] of Object.entries(files)) {
    router.get(path, (_req, res) => {
      res.type(type).set('Cache-Control', 'no-store').sendFile(join(STATIC_DIR, file));
    });
  }
  router.get('/console/vendor/chart.umd.min.js', (_req, res) => {
    res.type('text/javascript; charset=utf-8').sendFile(CHART_JS);
  });

  router.post('/console/session', async (req, res, next) => {
    try {
      if (await tooManyFailures(ctx.redis, ctx.prefix, req)) {
        res.status(429).json({ error: 'too many failed authentications', message: 'too many failed sign-ins from this client: wait a minute' });
        return;
      }
      const body = signInBody.safeParse(req.body);
      const identity = body.success ? await identifyToken(ctx.redis, ctx.prefix, body.data.token.trim()) : null;
      if (!identity) {
        await countFailure(ctx.redis, ctx.prefix, req);
        res.status(401).json({ error: 'unauthorized', message: 'that token is not valid: create one with npm run tidemark -- tokens create --role admin' });
        return;
      }
      const { id, session } = await openSession(ctx.redis, ctx.prefix, identity, new Date());
      res.cookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: SESSION_TTL_SECONDS * 1000 });
      ctx.log.info({ actor: `console:${identity.id}`, role: identity.role }, 'console sign-in');
      res.json({ role: session.role, csrf: session.csrf });
    } catch (err) {
      next(err);
    }
  });
  router.get('/console/session', async (req, res, next) => {
    try {
      const sid = sessionIdOf(req);
      const session = sid ? await readSession(ctx.redis, ctx.prefix, sid) : null;
      if (!session) {
        res.status(401).json({ error: 'unauthorized', message: 'sign in with an API token' });
        return;
      }
      res.set('Cache-Control', 'no-store').json({ role: session.role, csrf: session.csrf });
    } catch (err) {
      next(err);
    }
  });
  router.post('/console/logout', async (req, res, next) => {
    try {
      const sid = sessionIdOf(req);
      const session = sid ? await readSession(ctx.redis, ctx.prefix, sid) : null;
      if (sid && session && req.header(CSRF_HEADER) === session.csrf) await closeSession(ctx.redis, ctx.prefix, sid);
      res.clearCookie(SESSION_COOKIE, { path: '/' }).json({ signedOut: true });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
