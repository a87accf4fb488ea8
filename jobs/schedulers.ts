/**
 * Job schedulers (upsertJobScheduler, from one process) enqueue run requests on the runs
 * queue, never bare pulls, so every scheduled pull ends in scoring and write-back.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { SourceId } from '../src/contracts/records.ts';
import type { SourceState } from '../src/store/state-store.ts';
import { bullPrefix, RUNS_QUEUE, DEFAULT_JOB_OPTIONS } from './queues.ts';

/**
 * "every 15m" / "every 1h" or a 6-field cron pattern (with seconds). BullMQ fires an `every`
 * scheduler immediately when it is created, so intervals that divide an hour or a day become cron
 * patterns (aligned, first run at the next boundary); other intervals start one interval from now.
 */
export function parseSchedule(text: string, tz: string, now = Date.now()): { every: number; startDate: number } | { pattern: string; tz: string } {
  const every = /^every\s+(\d+)\s*(s|m|h)$/i.exec(text.trim());
  if (every) {
    const n = Number(every[1]);
    const unit = (every[2] ?? 'm').toLowerCase();
    const ms = n * (unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
    if (ms < 60_000) throw new Error(`schedule "${text}": the shortest interval is 1 minute`);
    const minutes = ms / 60_000;
    if (minutes < 60 && 60 % minutes === 0) return { pattern: `0 */${minutes} * * * *`, tz };
    if (minutes % 60 === 0 && 24 % (minutes / 60) === 0) return { pattern: minutes === 60 ? '0 0 * * * *' : `0 0 */${minutes / 60} * * *`, tz };
    return { every: ms, startDate: now + ms };
  }
  const fields = text.trim().split(/\s+/);
  if (fields.length === 5) return { pattern: `0 ${text.trim()}`, tz };
  if (fields.length === 6) return { pattern: text.trim(), tz };
  throw new Error(`schedule "${text}": use "every 30m" or a cron pattern like "0 */30 * * * *" (6 fields, with seconds)`);
}

export const schedulerId = (source: SourceId): string => `schedule-${source}`;

export async function syncSchedulers(prefix: string, connection: ConnectionOptions, states: Partial<Record<SourceId, SourceState>>): Promise<string[]> {
  const queue = new Queue(RUNS_QUEUE, { connection, prefix: bullPrefix(prefix), defaultJobOptions: DEFAULT_JOB_OPTIONS });
  const active: string[] = [];
  try {
    for (const [source, state] of Object.entries(states) as Array<[SourceId, SourceState]>) {
      const id = schedulerId(source);
      if (!state.enabled || !state.schedule || source === 'surveys') {
        await queue.removeJobScheduler(id);
        continue;
      }
      await queue.upsertJobScheduler(id, parseSchedule(state.schedule, state.tz), {
        name: 'scheduled-run',
        data: { scheduled: { sources: [source] } },
        opts: { attempts: 1, removeOnComplete: { count: 200 }, removeOnFail: { count: 200 } },
      });
      active.push(id);
    }
  } finally {
    await queue.close();
  }
  return active;
}
