/**
 * The connector contract. Connectors never touch storage or queues: a stream yields pages of
 * canonical records and the checkpoint that is valid once that page is persisted. The runner
 * (src/sync/pull-runner.ts) persists the records first and the checkpoint second.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { RecordKind, RecordOf, SourceId } from './records.ts';

/** Flat checkpoint: scalar values only, so it can be stored and compared as is. */
export type Checkpoint = Record<string, string | number | boolean | null>;

export interface QuarantinedRecord {
  /** The source's id for the record, when it could be read. */
  sourceId: string | null;
  /** What is wrong with it, in words a RevOps user can act on. */
  reason: string;
  /** The raw record (truncated JSON text). */
  raw: string;
}

export interface Page<K extends RecordKind = RecordKind> {
  kind: K;
  records: RecordOf<K>[];
  quarantined: QuarantinedRecord[];
  /** Checkpoint valid once this page's records are persisted. */
  checkpoint: Checkpoint;
  /** API calls made to produce this page. */
  apiCalls: number;
  /**
   * When set, the page holds every record of this partition (e.g. a Mixpanel day): records
   * of the same kind and partition that are not in the page are removed.
   */
  partition?: string;
  /** Ids of records the source reports deleted. */
  deletedIds?: string[];
  /**
   * The last page of this read: the stream is marked read to its end in the same transaction as
   * this page's checkpoint, so a pull taken over right after never reads from that final
   * checkpoint again (a Salesforce lookback or an engage re-read would count records twice).
   */
  final?: boolean;
}

export interface PullContext<C> {
  config: C;
  /** The checkpoint saved after the last persisted page, or null for a first or full sync. */
  checkpoint: Checkpoint | null;
  full: boolean;
  /** The run's "now" (TIDEMARK_NOW pins it in tests). */
  now: Date;
  log: Logger;
  signal?: AbortSignal;
  /**
   * A backfill split over several pull jobs (a full or first sync; see Stream.partitioned): this
   * job reads part `index` of `count` of the stream's range, part 0 the newest.
   */
  part?: PullPart;
}

export interface PullPart {
  index: number;
  count: number;
}

export interface Stream<C, K extends RecordKind = RecordKind> {
  name: string;
  kind: K;
  /**
   * The stream reads only its part of a backfill when given one (PullContext.part), so parts can
   * run in parallel on several workers. Other streams run in part 0 only.
   */
  partitioned?: boolean;
  pull(ctx: PullContext<C>): AsyncIterable<Page<K>>;
}

/** A stream of any one record kind. */
export type AnyStream<C> = { [K in RecordKind]: Stream<C, K> }[RecordKind];

export interface CheckResult {
  ok: boolean;
  message: string;
}

export interface Connector<C = unknown> {
  id: SourceId;
  title: string;
  configSchema: z.ZodType<C>;
  streams: AnyStream<C>[];
  /** Verify credentials and permissions; the message says precisely what to fix. */
  check(config: C, log: Logger): Promise<CheckResult>;
}

export function defineConnector<C>(connector: Connector<C>): Connector<C> {
  return connector;
}
