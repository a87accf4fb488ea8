/**
 * Alerts for RevOps: a failed run, too many rejected records, a source stopped by an auth or
 * configuration error or paused by rate limits or budget, a source with no successful sync for
 * too long. Each alert has a state in Redis; a notification (Slack-compatible webhook) goes out
 * once when it is raised and once when it recovers; the console shows the active ones as a banner.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { errorMessage } from '../contracts/errors.ts';

export const opsAlertSchema = z.object({
  key: z.string(),
  severity: z.enum(['warning', 'error']),
  message: z.string(),
  since: z.string(),
});
export type OpsAlert = z.infer<typeof opsAlertSchema>;

const key = (prefix: string): string => `${prefix}:ops-alerts`;

export interface OpsAlertsOptions {
  webhookUrl?: string;
  log: Logger;
  now?: () => Date;
}

export class OpsAlerts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: OpsAlertsOptions,
  ) {}

  async active(): Promise<OpsAlert[]> {
    const flat = await this.redis.hgetall(key(this.prefix));
    return Object.values(flat)
      .map((t) => opsAlertSchema.parse(JSON.parse(t)))
      .sort((a, b) => a.since.localeCompare(b.since));
  }

  /** Raises (or refreshes the message of) an alert; notifies only when it was not active. */
  async raise(alertKey: string, severity: OpsAlert['severity'], message: string): Promise<boolean> {
    const since = (this.options.now?.() ?? new Date()).toISOString();
    const created = (await this.redis.hsetnx(key(this.prefix), alertKey, JSON.stringify({ key: alertKey, severity, message, since }))) === 1;
    if (!created) {
      const prev = await this.redis.hget(key(this.prefix), alertKey);
      const old = prev ? opsAlertSchema.parse(JSON.parse(prev)) : null;
      await this.redis.hset(key(this.prefix), alertKey, JSON.stringify({ key: alertKey, severity, message, since: old?.since ?? since }));
      return false;
    }
    this.options.log.warn({ alert: alertKey }, message);
    await this.notify(`:rotating_light: ${message}`);
    return true;
  }

  /** Clears an alert; notifies the recovery only when it was active. */
  async clear(alertKey: string, recovery: string): Promise<boolean> {
    const removed = (await this.redis.hdel(key(this.prefix), alertKey)) === 1;
    if (removed) {
      this.options.log.info({ alert: alertKey }, recovery);
      await this.notify(`:white_check_mark: ${recovery}`);
    }
    return removed;
  }

  private async notify(text: string): Promise<void> {
    if (!this.options.webhookUrl) return;
    try {
      const res = await fetch(this.options.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `Tidemark: ${text}` }), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) this.options.log.warn({ status: res.status }, 'ops alert webhook refused the message');
    } catch (err) {
      this.options.log.warn({ err: errorMessage(err) }, 'ops alert webhook unreachable');
    }
  }
}

export interface RunOutcome {
  runId: string;
  failed: boolean;
  error: string | null;
  sources: string[];
  quarantined: number;
}

/** Alert states after a run: failed run, rejected records, and per-source stops and recoveries. */
export async function evaluateRun(alerts: OpsAlerts, outcome: RunOutcome, options: { rejectedThreshold: number }): Promise<void> {
  if (outcome.failed) await alerts.raise('run-failed', 'error', `run ${outcome.runId} failed: ${outcome.error ?? 'unknown error'}`);
  else await alerts.clear('run-failed', `runs succeed again (${outcome.runId})`);
  if (outcome.quarantined > options.rejectedThreshold) {
    await alerts.raise('rejected-records', 'warning', `run ${outcome.runId} rejected ${outcome.quarantined} malformed records (threshold ${options.rejectedThreshold}); see: npm run tidemark -- logs --run ${outcome.runId} --status quarantined`);
  } else if (!outcome.failed) await alerts.clear('rejected-records', `rejected records back under ${options.rejectedThreshold} (${outcome.runId})`);
  if (!outcome.failed) for (const s of outcome.sources) await alerts.clear(`source:${s}`, `${s} syncs again (${outcome.runId})`);
}

/** Sources without a successful sync for longer than staleHours. */
export async function evaluateStaleness(alerts: OpsAlerts, lastSuccess: Record<string, string | null>, now: Date, staleHours: number): Promise<void> {
  for (const [source, at] of Object.entries(lastSuccess)) {
    const ageHours = at ? (now.getTime() - Date.parse(at)) / 3_600_000 : Number.POSITIVE_INFINITY;
    if (ageHours > staleHours) await alerts.raise(`stale:${source}`, 'warning', `${source} has had no successful sync for ${at ? `${Math.floor(ageHours)} hours` : 'ever'} (threshold ${staleHours} h)`);
    else await alerts.clear(`stale:${source}`, `${source} synced successfully again`);
  }
}
