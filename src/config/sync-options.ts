/** The run options of SyncContext from the environment (one place for the server, sandbox and CLI). */
import type { SyncContext } from '../sync/context.ts';
import { readModelFile } from '../health/model-file.ts';
import type { Env } from './env.ts';
import { ConfigError } from '../contracts/errors.ts';

export function syncOptionsFromEnv(env: Env): SyncContext['options'] {
  let healthModel: SyncContext['options']['healthModel'];
  if (env.TIDEMARK_HEALTH_MODEL) {
    try {
      healthModel = readModelFile(env.TIDEMARK_HEALTH_MODEL);
    } catch (err) {
      throw new ConfigError(`TIDEMARK_HEALTH_MODEL: ${env.TIDEMARK_HEALTH_MODEL} is not a valid health model: ${(err as Error).message}`);
    }
  }
  return {
    successPlanLookbackDays: env.TIDEMARK_SUCCESS_PLAN_LOOKBACK_DAYS,
    writebackBatchSize: env.TIDEMARK_WRITEBACK_BATCH,
    writebackBulkThreshold: env.TIDEMARK_WRITEBACK_BULK_THRESHOLD,
    apiBudgetShare: env.TIDEMARK_API_BUDGET_SHARE,
    writebackRespectManualEdits: env.TIDEMARK_WRITEBACK_RESPECT_MANUAL_EDITS,
    alertDropPoints: env.TIDEMARK_ALERT_DROP_POINTS,
    alertWebhookUrl: env.TIDEMARK_ALERT_WEBHOOK_URL,
    healthModel,
    scoreRetentionDays: env.TIDEMARK_SCORE_RETENTION_DAYS,
    activityRetentionDays: env.TIDEMARK_ACTIVITY_RETENTION_DAYS,
    alertRejectedThreshold: env.TIDEMARK_ALERT_REJECTED_THRESHOLD,
    alertStaleHours: env.TIDEMARK_ALERT_STALE_HOURS,
    logRetentionDays: env.TIDEMARK_LOG_RETENTION_DAYS,
  };
}
