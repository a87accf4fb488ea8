/**
 * Record-level sync logs in a capped Redis stream: why a record was quarantined, which
 * records are unmatched, what a write changed or why it failed. Newest first on read.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { keys } from './keys.ts';
import { LuaScript } from './lua-script.ts';

/**
 * Appends entries to the log stream in one atomic script call (a resolve of 2,000 records may log
 * as many: one XADD command each was that many commands for the client to encode and send), then
 * trims it by age. KEYS: the stream. ARGV: its approximate length cap, the oldest id kept (ms), then
 * the entries' JSON.
 */
const APPEND_LOG = new LuaScript(`
local key, cap = KEYS[1], ARGV[1]
for i = 3, #ARGV do
  redis.call('XADD', key, 'MAXLEN', '~', cap, '*', 'e', ARGV[i])
end
redis.call('XTRIM', key, 'MINID', ARGV[2])
return #ARGV - 2
`);

export const LOG_STATUSES = ['ok', 'quarantined', 'unmatched', 'written', 'failed', 'skipped', 'warning', 'error', 'info'] as const;
export type LogStatus = (typeof LOG_STATUSES)[number];

export const logEntrySchema = z.object({
  at: z.string(),
  runId: z.string().nullable(),
  status: z.enum(LOG_STATUSES),
  source: z.string().nullable(),
  kind: z.string().nullable(),
  recordId: z.string().nullable(),
  accountId: z.string().nullable(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;
export type NewLogEntry = Partial<Omit<LogEntry, 'message' | 'status'>> & Pick<LogEntry, 'message' | 'status'>;

export interface LogQuery {
  runId?: string;
  accountId?: string;
  status?: LogStatus;
  source?: string;
  recordId?: string;
  search?: string;
  limit?: number;
}

export class LogStore {
  private readonly key: string;
  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxEntries = 200_000,
    /** Entries older than this are trimmed (stream ids are millisecond timestamps). */
    private readonly retentionDays = 14,
  ) {
    this.key = keys(prefix).logs;
  }

  async append(entries: NewLogEntry[], now: Date = new Date()): Promise<void> {
    if (entries.length === 0) return;
    const args = ['1', this.key, String(this.maxEntries), String(Date.now() - this.retentionDays * 86_400_000)];
    for (const e of entries) {
      const full: LogEntry = {
        at: e.at ?? now.toISOString(),
        runId: e.runId ?? null,
        status: e.status,
        source: e.source ?? null,
        kind: e.kind ?? null,
        recordId: e.recordId ?? null,
        accountId: e.accountId ?? null,
        message: e.message,
      };
      args.push(JSON.stringify(full));
    }
    await APPEND_LOG.run(this.redis, args);
  }

  async query(q: LogQuery = {}): Promise<LogEntry[]> {
    const limit = q.limit ?? 50;
    const out: LogEntry[] = [];
    let end = '+';
    const needle = q.search?.toLowerCase();
    for (;;) {
      const batch = (await this.redis.xrevrange(this.key, end, '-', 'COUNT', 1000)) as Array<[string, string[]]>;
      if (batch.length === 0) break;
      for (const [id, fields] of batch) {
        end = `(${id}`;
        const text = fields[1];
        if (text === undefined) continue;
        const e = logEntrySchema.parse(JSON.parse(text));
        if (q.runId && e.runId !== q.runId) continue;
        if (q.accountId && e.accountId !== q.accountId) continue;
        if (q.status && e.status !== q.status) continue;
        if (q.source && e.source !== q.source) continue;
        if (q.recordId && e.recordId !== q.recordId) continue;
        if (needle && !e.message.toLowerCase().includes(needle)) continue;
        out.push(e);
        if (out.length >= limit) return out;
      }
      if (batch.length < 1000) break;
    }
    return out;
  }
}
