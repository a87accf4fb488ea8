/**
 * AES-256-GCM for secrets at rest. The key ring comes from TIDEMARK_SECRET_KEY: one key, or
 * several separated by commas (newest first) while rotating. Each key is 32 bytes as base64 or
 * hex, or any passphrase of 16+ characters (stretched with scrypt). Ciphertexts carry the id of
 * the key that sealed them, so old ones stay readable until re-sealed with the newest key.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';

export interface SecretKey {
  id: string;
  key: Buffer;
}

function materialize(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  const b64 = /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : null;
  if (b64 && b64.length === 32) return b64;
  if (t.length < 16) throw new Error('TIDEMARK_SECRET_KEY: each key must be 32 bytes (64 hex or 44 base64 characters) or a passphrase of at least 16 characters');
  return scryptSync(t, 'tidemark-secret-key', 32);
}

export function parseKeyRing(text: string): SecretKey[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const key = materialize(s);
      return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
    });
}

export function ephemeralKeyRing(): SecretKey[] {
  const key = randomBytes(32);
  return [{ id: createHash('sha256').update(key).digest('hex').slice(0, 8), key }];
}

/** "v1.<keyId>.<iv>.<tag>.<ciphertext>" (base64url parts). */
export function seal(ring: readonly SecretKey[], plaintext: string): string {
  const current = ring[0];
  if (!current) throw new Error('no secret key configured: set TIDEMARK_SECRET_KEY');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', current.key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === 'v1' ? (parts[1] ?? null) : null;
}

export function open(ring: readonly SecretKey[], sealed: string): string {
  const [version, keyId, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !keyId || !iv || !tag || body === undefined) throw new Error('stored secret is not in the v1 format');
  const entry = ring.find((k) => k.id === keyId);
  if (!entry) throw new Error(`stored secret was sealed with key ${keyId}, which is not in TIDEMARK_SECRET_KEY: add the previous key after the new one (comma-separated) until credentials are re-sealed`);
  const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
