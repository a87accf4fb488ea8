/** Admin API tokens: stored as SHA-256 hashes with their role; the token itself is shown once. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const tokenRecordSchema = z.object({ id: z.string(), role: z.enum(ROLES), createdAt: z.string() });

const key = (prefix: string): string => `${prefix}:tokens`;
const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

export async function createToken(redis: Redis, prefix: string, role: Role, now = new Date()): Promise<{ id: string; token: string; role: Role }> {
  const id = randomBytes(4).toString('hex');
  const token = `tm_${role}_${randomBytes(24).toString('base64url')}`;
  await redis.hset(key(prefix), hash(token), JSON.stringify({ id, role, createdAt: now.toISOString() }));
  return { id, token, role };
}

export interface TokenIdentity {
  id: string;
  role: Role;
}

export async function verifyToken(redis: Redis, prefix: string, token: string): Promise<Role | null> {
  return (await identifyToken(redis, prefix, token))?.role ?? null;
}

/** The token's id and role, or null when it is unknown. */
export async function identifyToken(redis: Redis, prefix: string, token: string): Promise<TokenIdentity | null> {
  if (!/^tm_(admin|viewer)_[A-Za-z0-9_-]{20,}$/.test(token)) return null;
  const digest = hash(token);
  const text = await redis.hget(key(prefix), digest);
  if (text === null) return null;
  // Constant-time confirmation of the digest we looked up.
  if (!timingSafeEqual(Buffer.from(digest), Buffer.from(hash(token)))) return null;
  const record = tokenRecordSchema.parse(JSON.parse(text));
  return { id: record.id, role: record.role };
}
