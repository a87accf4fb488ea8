/**
 * The pull stage of a run for one source: each stream's pages are validated against the
 * canonical schemas (a bad record is quarantined and logged, the rest of the page lands),
 * persisted, and only then is the page's checkpoint saved, so a crash re-reads a page instead
 * of losing one. Each checkpoint records the run that saved it, so a full run that is taken over
 * after a crash resumes from its own progress.
 */
import { partStreamName } from '../store/checkpoint-store.ts';
import { canonicalRecordSchema, type CanonicalRecord, type RecordKind, type SourceId } from '../contracts/records.ts';
import type { Page, PullPart } from '../contracts/connector.ts';

type AnyPage = { [K in RecordKind]: Page<K> }[RecordKind];
import { ConfigError, stopIfLockLost } from '../contracts/errors.ts';
import type { SyncContext } from './context.ts';
import { salesforceConfigSchema } from '../../connectors/salesforce/config.ts';
import { MAPPING_SETTING, parseMapping } from '../writeback/mapping.ts';
import { mixpanelConfigSchema } from '../../connectors/mixpanel/config.ts';
import { fastMixpanelActivity } from '../../connectors/mixpanel/activity-check.ts';
import { activityRetentionDays } from './activity-retention.ts';

export interface PullSummary {
  source: SourceId;
  records: number;
  changed: number;
  removed: number;
  quarantined: number;
  apiCalls: number;
}

/**
 * The Account pull reads back every field write-back sends: the mapped field names of the stored
 * field mapping join the connector's accountWriteFields, so a mapped field is diffed, not re-sent.
 */
export async function withMappedWriteFields(ctx: SyncContext, config: unknown): Promise<unknown> {
  const parsed = salesforceConfigSchema.safeParse(config);
  if (!parsed.success) return config;
  const mapping = parseMapping(await ctx.state.getSetting(MAPPING_SETTING));
  const mapped = Object.values(mapping);
  if (mapped.length === 0) return config;
  return { ...parsed.data, accountWriteFields: [...new Set([...parsed.data.accountWriteFields, ...mapped])] };
}

/** The Mixpanel backfill never reaches before the retained days (score would drop them right after). */
export function withinRetention(ctx: SyncContext, config: unknown): unknown {
  const parsed = mixpanelConfigSchema.safeParse(config);
  if (!parsed.success) return config;
  return { ...parsed.data, backfillDays: Math.min(parsed.data.backfillDays, activityRetentionDays(ctx)) };
}

/**
 * @param options.signal aborted when this worker lost the job's lock (another worker took the job
 *   over): the pull stops before persisting another page or saving another checkpoint.
 */
export async function pullSource(ctx: SyncContext, runId: string, source: SourceId, options: { full: boolean; signal?: AbortSignal | undefined; part?: PullPart | undefined }): Promise<PullSummary> {
  const configured = ctx.sources[source];
  if (!configured) throw new ConfigError(`Source ${source} is not configured: set its credentials (see README "Connecting real accounts")`);
  const { connector } = configured;
  let config = connector.configSchema.parse(configured.config);
  if (source === 'salesforce') config = await withMappedWriteFields(ctx, config);
  if (source === 'mixpanel') config = withinRetention(ctx, config);
  const summary: PullSummary = { source, records: 0, changed: 0, removed: 0, quarantined: 0, apiCalls: 0 };
  const started = Date.now();
  const log = ctx.log.child({ runId, source });
  const part = options.part && options.part.count > 1 ? options.part : undefined;
  // The last part done makes the backfill the stream's checkpoint (the next sync goes on from it);
  // also tried when a part found itself done already (taken over between the two).
  const adoptIfLastPart = async (stream: string, count: number): Promise<void> => {
    if (await ctx.checkpoints.adoptPartsIfDone(source, stream, count, runId, ctx.runs.partsKey(runId))) {
      log.info({ stream, parts: count }, 'every part of the backfill is read: its checkpoint is the stream\'s');
    }
  };
  const pullStream = async (stream: (typeof connector.streams)[number]): Promise<void> => {
    // A backfill split into parts (jobs/run-flow.ts): a partitioned stream reads this part's days
    // under its own checkpoint (`<stream>#<part>`); the other streams run in part 0 only.
    const partitioned = part !== undefined && stream.partitioned === true;
    if (part !== undefined && part.index > 0 && !partitioned) return;
    const name = partitioned ? partStreamName(stream.name, part.index) : stream.name;
    const streamId = `${source}:${name}`;
    // A stream this run already read to its end (the pull was taken over after a crash in another
    // stream) is not read again: from its final checkpoint it could only repeat records (Mixpanel
    // engage re-reads an hour of profiles) and count them twice.
    if (await ctx.runs.streamDone(runId, streamId)) {
      log.info({ stream: stream.name }, 'stream already read to its end by this run: skipped');
      if (partitioned) await adoptIfLastPart(stream.name, part.count);
      return;
    }
    // A full run that was interrupted (a worker killed, the job taken over) resumes from the
    // checkpoint it saved itself instead of starting the whole stream again.
    // A part resumes only from what it saved itself in this run.
    const resuming = (options.full || partitioned) && (await ctx.checkpoints.savedBy(source, name)) === runId;
    const full = options.full && !resuming;
    const checkpoint = (full || partitioned) && !resuming ? null : await ctx.checkpoints.get(source, name);
    if (resuming) log.info({ stream: stream.name, checkpoint }, 'full pull resumes from its own checkpoint');
    // A stream read from its beginning counts its records from zero (a pull taken over after a
    // crash may read again what the killed attempt had counted).
    if (checkpoint === null || Object.keys(checkpoint).length === 0) await ctx.runs.restartStreamCount(runId, `records.${source}`, streamId);
    const signal = options.signal;
    let seq = await ctx.runs.pageSeq(runId, streamId);
    for await (const page of stream.pull({ config, checkpoint, full, now: ctx.now(), log: log.child({ stream: name }), ...(signal ? { signal } : {}), ...(partitioned ? { part } : {}) })) {
      stopIfLockLost(signal);
      const landed = await persistPage(ctx, runId, source, page);
      stopIfLockLost(signal);
      // The checkpoint and the page's counters in one transaction: a crash never counts a page
      // twice (re-read after a checkpoint that was not saved) nor loses its count.
      await ctx.checkpoints.set(source, name, page.checkpoint, runId, (m) => {
        ctx.runs.addPageCounters(m, runId, {
          seq,
          records: { counter: `records.${source}`, stream: streamId, partition: page.partition ?? null, value: landed.records },
          counters: { [`changed.${source}`]: landed.changed + landed.removed, [`quarantined.${source}`]: landed.quarantined, [`apiCalls.${source}`]: page.apiCalls },
        });
        if (page.final === true) ctx.runs.markStreamDoneIn(m, runId, streamId);
      });
      seq += 1;
      summary.records += landed.records;
      summary.changed += landed.changed;
      summary.removed += landed.removed;
      summary.quarantined += landed.quarantined;
      summary.apiCalls += page.apiCalls;
      if (source === 'salesforce') await ctx.state.addApiCalls(new Date().toISOString().slice(0, 10), page.apiCalls);
    }
    await ctx.runs.markStreamDone(runId, streamId);
    if (partitioned) await adoptIfLastPart(stream.name, part.count);
  };
  // One stream after the other (reading them side by side was tried and left; docs/reliability.md).
  for (const stream of connector.streams) await pullStream(stream);
  await ctx.runs.incr(runId, { [part && part.index > 0 ? `ms.pull.${source}#${part.index}` : `ms.pull.${source}`]: Date.now() - started });
  log.info({ ...summary }, 'pull finished');
  return summary;
}

async function persistPage(ctx: SyncContext, runId: string, source: SourceId, page: AnyPage): Promise<{ records: number; changed: number; removed: number; quarantined: number }> {
  // Mixpanel activities, hundreds of thousands a pull, first go through a hand-written check that
  // accepts a record only when the schema would output that very record (property-tested,
  // docs/decisions/0004): no zod copy of each; anything it declines is judged by the schema.
  const valid: CanonicalRecord[] = [];
  const problems = page.quarantined.map((q) => ({ ...q }));
  for (const record of page.records as CanonicalRecord[]) {
    const fast = page.kind === 'mixpanel.activity' ? fastMixpanelActivity(record) : null;
    if (fast !== null) {
      valid.push(fast);
      continue;
    }
    const parsed = canonicalRecordSchema.safeParse(record);
    if (parsed.success && parsed.data.kind === page.kind) valid.push(parsed.data);
    else {
      const reason = parsed.success ? `record of kind ${parsed.data.kind} in a ${page.kind} page` : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      problems.push({ sourceId: typeof record.id === 'string' ? record.id : null, reason: `mapped record invalid: ${reason}`, raw: JSON.stringify(record).slice(0, 2000) });
    }
  }
  const outcome = await ctx.records.upsert(page.kind as RecordKind, valid as never[], { partition: page.partition, deletedIds: page.deletedIds });
  if (problems.length > 0) {
    await ctx.logs.append(
      problems.map((q) => ({
        runId,
        status: 'quarantined' as const,
        source,
        kind: page.kind,
        recordId: q.sourceId,
        message: `${q.reason} | raw: ${q.raw.slice(0, 500)}`,
      })));
  }
  return { records: valid.length, changed: outcome.inserted + outcome.updated, removed: outcome.removed, quarantined: problems.length };
}
