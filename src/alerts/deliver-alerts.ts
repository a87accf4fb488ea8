/**
 * Delivers health alerts: one Salesforce Task per alert for the account's CSM (else its owner),
 * skipped while an open Task with the same subject exists on the account; optionally a
 * Slack-compatible webhook message ({"text": ...}).
 */
import type { Connection } from 'jsforce';
import { z } from 'zod';
import type { Logger } from 'pino';
import { errorMessage } from '../contracts/errors.ts';
import type { HealthAlert } from './health-alerts.ts';

const openTaskSchema = z.object({ WhatId: z.string().nullable(), Subject: z.string().nullable() }).loose();

export interface AlertDelivery {
  created: number;
  alreadyOpen: number;
  failed: number;
  webhookSent: boolean;
}

export async function createAlertTasks(conn: Connection, alerts: readonly HealthAlert[], ownerOf: (accountId: string) => string | null, today: string): Promise<AlertDelivery> {
  const result: AlertDelivery = { created: 0, alreadyOpen: 0, failed: 0, webhookSent: false };
  if (alerts.length === 0) return result;
  const accountIds = [...new Set(alerts.map((a) => a.accountId))];
  const open = new Set<string>();
  for (let i = 0; i < accountIds.length; i += 200) {
    const ids = accountIds.slice(i, i + 200).map((id) => `'${id.replace(/'/g, '')}'`).join(',');
    const rows = await conn.query(`SELECT Id, WhatId, Subject FROM Task WHERE WhatId IN (${ids}) AND Status != 'Completed' AND Subject LIKE 'Tidemark:%'`);
    for (const raw of rows.records) {
      const t = openTaskSchema.parse(raw);
      if (t.WhatId && t.Subject) open.add(`${t.WhatId}|${t.Subject}`);
    }
  }
  const fresh = alerts.filter((a) => {
    if (open.has(`${a.accountId}|${a.subject}`)) {
      result.alreadyOpen += 1;
      return false;
    }
    return true;
  });
  for (let i = 0; i < fresh.length; i += 200) {
    const batch = fresh.slice(i, i + 200);
    const saved = await conn.sobject('Task').create(
      batch.map((a) => {
        const owner = ownerOf(a.accountId);
        return { Subject: a.subject, Description: a.description, WhatId: a.accountId, Status: 'Not Started', Priority: a.reason === 'red' ? 'High' : 'Normal', ActivityDate: today, ...(owner ? { OwnerId: owner } : {}) };
      }),
      { allOrNone: false },
    );
    for (const r of saved) {
      if (r.success) result.created += 1;
      else result.failed += 1;
    }
  }
  return result;
}

export async function postAlertWebhook(url: string, alerts: readonly HealthAlert[], names: (accountId: string) => string, log: Logger): Promise<boolean> {
  if (alerts.length === 0) return false;
  const text = alerts.map((a) => `*${names(a.accountId)}* (${a.accountId}): ${a.description.split('\n')[0]?.replace(/^[^:]*: /, '') ?? a.subject}`).join('\n');
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `Tidemark health alerts\n${text}` }), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) log.warn({ status: res.status }, 'alert webhook refused the message');
    return res.ok;
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'alert webhook unreachable');
    return false;
  }
}
