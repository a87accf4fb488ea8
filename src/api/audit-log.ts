/** Audit log of admin actions (credentials, mapping, model, schedule, rules, write-back): a capped Redis list. */
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const auditEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

const key = (prefix: string): string => `${prefix}:audit`;

export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retain = 10_000,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.redis.multi().lpush(key(this.prefix), JSON.stringify(auditEntrySchema.parse(entry))).ltrim(key(this.prefix), 0, this.retain - 1).exec();
  }

  async list(limit = 100): Promise<AuditEntry[]> {
    const items = await this.redis.lrange(key(this.prefix), 0, limit - 1);
    return items.map((t) => auditEntrySchema.parse(JSON.parse(t)));
  }
}
