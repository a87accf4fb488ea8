/**
 * What every stage of a run needs: the stores under the org's prefix, the configured sources and
 * the clock. Built once per process (server, worker, tests) from the environment or the sandbox.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Connector } from '../contracts/connector.ts';
import type { HealthModel } from '../health/model.ts';
import type { SourceId } from '../contracts/records.ts';
import { RecordStore } from '../store/record-store.ts';
import { CheckpointStore } from '../store/checkpoint-store.ts';
import { RunStore } from '../store/run-store.ts';
import { LogStore } from '../store/log-store.ts';
import { StateStore } from '../store/state-store.ts';

export interface ConfiguredSource {
  connector: Connector<unknown>;
  config: unknown;
}

export interface SyncContext {
  redis: Redis;
  prefix: string;
  records: RecordStore;
  checkpoints: CheckpointStore;
  runs: RunStore;
  logs: LogStore;
  state: StateStore;
  log: Logger;
  /** The run's "now" (TIDEMARK_NOW pins it). */
  now: () => Date;
  sources: Partial<Record<SourceId, ConfiguredSource>>;
  options: {
    successPlanLookbackDays: number;
    writebackBatchSize: number;
    /** Changed accounts above which write-back uses one Bulk API 2.0 job (default 2,000). */
    writebackBulkThreshold?: number;
    /** Share of the org's daily API requests Tidemark may use (default 0.2). */
    apiBudgetShare?: number;
    /** Leave owned fields edited by hand in Salesforce as edited while Tidemark's value is unchanged (default false). */
    writebackRespectManualEdits?: boolean;
    /** Score drop (points) that raises an alert Task (default 15). */
    alertDropPoints?: number;
    /** Slack-compatible webhook for health alerts. */
    alertWebhookUrl?: string;
    /** The scorecard (default: src/health/models/default.json). */
    healthModel?: HealthModel;
    /** Days of score history kept per account (default 400). */
    scoreRetentionDays?: number;
    /** Rejected (quarantined) records per run above which RevOps is alerted (default 50). */
    alertRejectedThreshold?: number;
    /** Hours without a successful sync of a source before RevOps is alerted (default 26). */
    alertStaleHours?: number;
    /** UTC days of Mixpanel activities kept (default 120, at least 91: what the usage signals read). */
    activityRetentionDays?: number;
    /** Days record-level sync logs are kept (default 14; at most 200,000 entries in any case). */
    logRetentionDays?: number;
  };
}

export function createSyncContext(input: Omit<SyncContext, 'records' | 'checkpoints' | 'runs' | 'logs' | 'state'>): SyncContext {
  return {
    ...input,
    records: new RecordStore(input.redis, input.prefix),
    checkpoints: new CheckpointStore(input.redis, input.prefix),
    runs: new RunStore(input.redis, input.prefix),
    logs: new LogStore(input.redis, input.prefix, 200_000, input.options.logRetentionDays ?? 14),
    state: new StateStore(input.redis, input.prefix),
  };
}
