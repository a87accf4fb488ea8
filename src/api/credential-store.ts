/** Source credentials, sealed with AES-256-GCM (secret-box.ts) in one hash: source -> sealed JSON. */
import type { Redis } from 'ioredis';
import { open, seal, sealedKeyId, type SecretKey } from './secret-box.ts';

const key = (prefix: string): string => `${prefix}:credentials`;

/** Field names whose values are secrets: never returned, never logged. */
export const SECRET_FIELD = /secret|token|password|private|key$/i;

export class CredentialStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ring: readonly SecretKey[],
  ) {}

  async save(source: string, config: unknown): Promise<void> {
    await this.redis.hset(key(this.prefix), source, seal(this.ring, JSON.stringify(config)));
  }

  async load(source: string): Promise<unknown> {
    const sealed = await this.redis.hget(key(this.prefix), source);
    return sealed === null ? null : (JSON.parse(open(this.ring, sealed)) as unknown);
  }

  async sources(): Promise<string[]> {
    return this.redis.hkeys(key(this.prefix));
  }

  async remove(source: string): Promise<void> {
    await this.redis.hdel(key(this.prefix), source);
  }

  /** Re-seals every stored credential with the newest key; returns how many changed key. */
  async rotate(): Promise<number> {
    const current = this.ring[0]?.id;
    const all = await this.redis.hgetall(key(this.prefix));
    let rotated = 0;
    for (const [source, sealed] of Object.entries(all)) {
      if (sealedKeyId(sealed) === current) continue;
      await this.redis.hset(key(this.prefix), source, seal(this.ring, open(this.ring, sealed)));
      rotated += 1;
    }
    return rotated;
  }
}

/** A config with every secret field replaced by whether it is set. */
export function describeConfig(config: unknown): Array<{ name: string; secret: boolean; set: boolean; value: string | number | boolean | null }> {
  if (typeof config !== 'object' || config === null) return [];
  return Object.entries(config as Record<string, unknown>).map(([name, v]) => {
    const secret = SECRET_FIELD.test(name);
    const scalar = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
    return { name, secret, set: v !== undefined && v !== null && v !== '', value: secret ? null : scalar };
  });
}
