/**
 * Console sessions: a random id in an HttpOnly SameSite=Strict cookie, stored in Redis only as its
 * SHA-256 with the role, the token id it was opened with and its CSRF token. Eight hours.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ROLES } from './token-store.ts';

export const SESSION_COOKIE = 'tm_session';
export const SESSION_TTL_SECONDS = 8 * 3600;

const sessionSchema = z.object({ role: z.enum(ROLES), tokenId: z.string(), csrf: z.string(), createdAt: z.string() });
export type Session = z.infer<typeof sessionSchema>;

const key = (prefix: string, id: string): string => `${prefix}:session:${createHash('sha256').update(id).digest('hex')}`;

export async function openSession(redis: Redis, prefix: string, identity: { id: string; role: Session['role'] }, now: Date): Promise<{ id: string; session: Session }> {
  const id = randomBytes(32).toString('base64url');
  const session: Session = { role: identity.role, tokenId: identity.id, csrf: randomBytes(24).toString('base64url'), createdAt: now.toISOString() };
  await redis.set(key(prefix, id), JSON.stringify(session), 'EX', SESSION_TTL_SECONDS);
  return { id, session };
}

export async function readSession(redis: Redis, prefix: string, id: string): Promise<Session | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const text = await redis.get(key(prefix, id));
  return text === null ? null : sessionSchema.parse(JSON.parse(text));
}

export async function closeSession(redis: Redis, prefix: string, id: string): Promise<void> {
  await redis.del(key(prefix, id));
}
