/**
 * The write-back stage: diff the desired values against what Salesforce holds (read during the
 * Account pull) and send only changed owned fields, under the field mapping: sObject Collections
 * of at most 200, or one Bulk API 2.0 job above a threshold; within a share of the org's daily API
 * budget (the most important changes first, the rest deferred); every write audited (run, model
 * version, old and new value). Records Salesforce refused are retried on later runs with backoff.
 * Dry runs and a paused write-back write nothing and make no Salesforce call.
 *
 * Planning is incremental: a run plans the write-back candidates only (src/store/writeback-
 * candidates.ts: the accounts whose Account record, desired values, last written values or write
 * failure changed, and those whose last plan had something to do), plus the accounts of its own
 * write journal, and gets the plan a full one would: every other account's plan is empty. A plan
 * is full on `sync --full`, when the mapping, the field types (describe cache), the model version or
 * the manual-edit option changed, when records were replaced in bulk (epoch), when a revert or a
 * paused write-back requested it, and when the candidate state is missing or of another format.
 * The candidates are consumed only once the run's results are committed (never by dry runs or a
 * paused write-back): a run that dies before plans them again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BudgetError, ConfigError, stopIfLockLost } from '../contracts/errors.ts';
import type { SalesforceAccount } from '../contracts/records.ts';
import { OWNED_ACCOUNT_FIELDS, keyOf, type FieldSpec } from '../writeback/field-specs.ts';
import { agreedValues, chunk, findManualEdits, planAccountChange, type AccountChange, type FieldValue, type ManualEdit } from '../writeback/plan.ts';
import { MAPPING_SETTING, mapFields, mappingProblems, parseMapping } from '../writeback/mapping.ts';
import { describedFieldSchema, describedSubset, preflightProblems, typedByDescribe } from '../writeback/describe-types.ts';
import { LOCK_RETRY_WAITS_MS, dueForRetry, recordFailed, recordFailureSchema, type RecordFailure } from '../writeback/retry.ts';
import { BULK_JOB_CALLS, allowance, fitToBudget, type Budget } from '../writeback/budget.ts';
import { describeAccountFields, readApiLimits, writeAccounts, writeAccountsBulk, type RecordWriteResult } from '../../connectors/salesforce/writer.ts';
import { healthAlerts } from '../alerts/health-alerts.ts';
import { createAlertTasks, postAlertWebhook } from '../alerts/deliver-alerts.ts';
import { openSalesforceConnection, salesforceConfigSchema } from '../../connectors/salesforce/index.ts';
import type { NewLogEntry } from '../store/log-store.ts';
import { keys } from '../store/keys.ts';
import { WRITEBACK_INPUT_KIND } from '../store/record-store.ts';
import { WRITEBACK_CANDIDATES_FORMAT, commitCandidates, readCandidates, requestFullWriteback, type CandidateSnapshot } from '../store/writeback-candidates.ts';
import { defaultHealthModel } from '../health/model.ts';
import type { DesiredValues, WriteAudit } from '../store/state-store.ts';
import type { SyncContext } from './context.ts';

export interface WritebackSummary {
  planned: number;
  accountsWritten: number;
  fieldsWritten: number;
  failures: number;
  apiCalls: number;
  paused: boolean;
  /** Left for the next run by the API budget. */
  deferred: number;
  /** Refused before and not yet due for another attempt. */
  waitingRetry: number;
  /** Owned fields someone edited in Salesforce since Tidemark wrote them. */
  manualEdits: number;
  mode: 'collections' | 'bulk' | 'none';
}

export interface WritebackOptions {
  dryRun: boolean;
  /** Wall clock for audit times and retry backoff (tests move it). */
  clock?: () => Date;
  /** Waits between lock retries within the run (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>;
  /** Aborted when this worker lost the job's lock to another worker: no further batch is sent. */
  signal?: AbortSignal | undefined;
}

export const WRITEBACK_PAUSED = 'writeback.paused';
/** The describe of the mapped fields from the last pre-flight, so planning types values without a call. */
export const DESCRIBE_CACHE_SETTING = 'writeback.describe';
/** Set when Salesforce answered REQUEST_LIMIT_EXCEEDED: time and message (cleared by a run that writes). */
export const LIMIT_EXCEEDED_SETTING = 'writeback.limit-exceeded';

const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** One account's entry in the run's write-back journal (RunStore.journalWrites): what was sent and the answer. */
const journalEntrySchema = z.object({
  at: z.string(),
  modelVersion: z.string().nullable(),
  diffs: z.array(z.object({ field: z.string(), key: z.string(), old: fieldValueSchema, new: fieldValueSchema })),
  values: z.record(z.string(), fieldValueSchema),
  success: z.boolean(),
  statusCode: z.string().nullable(),
  message: z.string().nullable(),
  /** The record's retry state after this answer: JSON to store, null to clear, absent to leave as is. */
  failure: z.string().nullable().optional(),
});
type JournalEntry = z.infer<typeof journalEntrySchema>;

export interface PlannedWriteback {
  changes: AccountChange[];
  accounts: Map<string, SalesforceAccount>;
  modelVersions: Map<string, string>;
  manualEdits: Array<{ accountId: string; edit: ManualEdit }>;
  /** Owned values Salesforce already holds that the record of Tidemark's writes lacks. */
  agreed: Array<[string, Record<string, FieldValue>]>;
  /** Accounts planned with something to do: a change, a manual edit or agreed values (sorted). */
  active: string[];
}

/** What a plan covers. */
export interface PlanScope {
  /** These accounts only (the write-back candidates); absent: every account. */
  ids?: readonly string[];
  /** Accounts whose record and model version the plan carries even with nothing to do (this run's write journal). */
  include?: readonly string[];
}

/** The mapped owned fields, typed by the org's describe from the last pre-flight when there is one. */
export async function writebackSpecs(ctx: SyncContext): Promise<FieldSpec[]> {
  let mapping;
  try {
    mapping = parseMapping(await ctx.state.getSetting(MAPPING_SETTING));
  } catch (err) {
    throw new ConfigError(`The stored field mapping (${MAPPING_SETTING}) is unreadable: set it again with PUT /api/mapping (${err instanceof Error ? err.message : String(err)})`);
  }
  const problems = mappingProblems(mapping);
  if (problems.length > 0) throw new ConfigError(`Field mapping: ${problems.join('; ')}`);
  const mapped = mapFields(OWNED_ACCOUNT_FIELDS, mapping);
  const cached = await ctx.state.getSetting(DESCRIBE_CACHE_SETTING);
  if (!cached) return mapped;
  const parsed = z.array(describedFieldSchema).safeParse(JSON.parse(cached));
  return parsed.success ? typedByDescribe(mapped, parsed.data) : mapped;
}

/**
 * The write-back plan of the accounts in scope (every live account with desired values when the
 * scope names none). `accounts` and `modelVersions` hold the accounts with something to do and
 * those of `scope.include`; every list is in account order, so a plan of the candidates equals
 * the full plan whenever every other account has nothing to do.
 */
export async function planWriteback(ctx: SyncContext, specs?: readonly FieldSpec[], scope: PlanScope = {}): Promise<PlannedWriteback> {
  const fieldSpecs = specs ?? (await writebackSpecs(ctx));
  const now = ctx.now();
  const respectManualEdits = ctx.options.writebackRespectManualEdits ?? false;
  const include = new Set(scope.include ?? []);
  const accounts = new Map<string, SalesforceAccount>();
  const changes: AccountChange[] = [];
  const modelVersions = new Map<string, string>();
  const manualEdits: PlannedWriteback['manualEdits'] = [];
  const agreed: PlannedWriteback['agreed'] = [];
  const active: string[] = [];
  const visit = (account: SalesforceAccount, want: DesiredValues, lastWritten: Record<string, unknown> | undefined): void => {
    const input = { accountId: account.id, current: account.fields, desired: want.fields, lastWritten };
    const edits = findManualEdits(input, fieldSpecs, { respectManualEdits });
    for (const edit of edits) manualEdits.push({ accountId: account.id, edit });
    const same = agreedValues(input, fieldSpecs);
    if (Object.keys(same).length > 0) agreed.push([account.id, same]);
    const change = planAccountChange(input, fieldSpecs, now, { respectManualEdits });
    if (change) changes.push(change);
    const busy = change !== null || edits.length > 0 || Object.keys(same).length > 0;
    if (busy) active.push(account.id);
    if (!busy && !include.has(account.id)) return;
    accounts.set(account.id, account);
    modelVersions.set(account.id, want.modelVersion);
  };
  if (scope.ids === undefined) {
    const desired = await ctx.state.allDesired();
    const lastWritten = await ctx.state.allLastWritten();
    for await (const batch of ctx.records.scan(WRITEBACK_INPUT_KIND)) {
      for (const account of batch) {
        const want = desired.get(account.id);
        if (!account.isDeleted && want) visit(account, want, lastWritten.get(account.id));
      }
    }
  } else {
    const ids = [...new Set([...scope.ids, ...include])];
    for (let i = 0; i < ids.length; i += 2000) {
      const slice = ids.slice(i, i + 2000);
      const [records, desired, lastWritten] = await Promise.all([ctx.records.getMany(WRITEBACK_INPUT_KIND, slice), ctx.state.getDesiredMany(slice), ctx.state.getLastWrittenMany(slice)]);
      records.forEach((account, j) => {
        const want = desired[j];
        if (account && !account.isDeleted && want) visit(account, want, lastWritten[j]);
      });
    }
  }
  const byAccount = <T>(id: (item: T) => string) => (a: T, b: T): number => id(a).localeCompare(id(b));
  const sortedMap = <V>(map: Map<string, V>): Map<string, V> => new Map([...map].sort(byAccount(([id]) => id)));
  // Stable sorts: an account's manual edits keep the field order.
  return {
    changes: changes.sort(byAccount((c) => c.accountId)),
    accounts: sortedMap(accounts),
    modelVersions: sortedMap(modelVersions),
    manualEdits: manualEdits.sort(byAccount((e) => e.accountId)),
    agreed: agreed.sort(byAccount(([id]) => id)),
    active: active.sort(),
  };
}

/** What a plan depends on beyond the accounts' own inputs: a change of any of it plans every account. */
export function planFingerprint(ctx: SyncContext, specs: readonly FieldSpec[]): string {
  const inputs = { specs, respectManualEdits: ctx.options.writebackRespectManualEdits ?? false, model: (ctx.options.healthModel ?? defaultHealthModel()).version };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('base64url');
}

export interface WritebackPlanning {
  /** The plan of the candidates, or of every account when a full plan is due (fullReason). */
  plan(specs: readonly FieldSpec[]): Promise<PlannedWriteback>;
  /**
   * Once the run's results are committed: the candidates the last plan had nothing to do for are
   * done (those marked since the plan read them stay). Nothing for a dry run or a paused write-back.
   */
  commit(planned: PlannedWriteback): Promise<void>;
  /** The write-back pause setting when planning started. */
  readonly paused: boolean;
  /** Why the last plan covered every account; null when it planned the candidates only. */
  readonly fullReason: string | null;
  /** The candidates read at the start. */
  readonly candidates: number;
}

/**
 * Reads the candidates (with the mark sequence: later marks outlive this run's commit). A paused
 * write-back (not a dry run) requests a full plan: it consumes nothing, and the first run after it
 * plans every account.
 */
export async function startWritebackPlanning(ctx: SyncContext, options: { runFull: boolean; dryRun: boolean; include: readonly string[] }): Promise<WritebackPlanning> {
  const k = keys(ctx.prefix);
  const paused = (await ctx.state.getSetting(WRITEBACK_PAUSED)) === 'true';
  if (paused && !options.dryRun) await requestFullWriteback(ctx.redis, k);
  const snapshot = await readCandidates(ctx.redis, k, randomUUID());
  let fingerprint = '';
  let fullReason: string | null = 'not planned yet';
  return {
    paused,
    candidates: snapshot.ids.length,
    get fullReason() {
      return fullReason;
    },
    async plan(specs) {
      fingerprint = planFingerprint(ctx, specs);
      fullReason = fullPlanReason(snapshot, fingerprint, options.runFull);
      return planWriteback(ctx, specs, fullReason === null ? { ids: snapshot.ids, include: options.include } : { include: options.include });
    },
    async commit(planned) {
      if (options.dryRun || paused) return;
      const full = fullReason !== null;
      const busy = new Set(planned.active);
      const idle = full ? [] : [...new Set([...snapshot.ids, ...options.include])].filter((id) => !busy.has(id));
      await commitCandidates(ctx.redis, k, snapshot, { full, fingerprint, idle, active: planned.active });
    },
  };
}

/** Why this run plans every account, or null when the candidates suffice. */
export function fullPlanReason(snapshot: CandidateSnapshot, fingerprint: string, runFull: boolean): string | null {
  const stored = snapshot.stored;
  if (runFull) return 'sync --full';
  if (!stored) return 'no candidate state';
  if (stored.format !== WRITEBACK_CANDIDATES_FORMAT) return 'candidate format changed';
  if (stored.epoch !== snapshot.epoch) return 'records removed in bulk';
  if (stored.fullSeen !== snapshot.fullRequests) return 'full plan requested (revert or paused write-back)';
  if (stored.fingerprint !== fingerprint) return 'mapping, field types, model or manual-edit option changed';
  return null;
}

const show = (v: FieldValue): string => (typeof v === 'string' && v.length > 60 ? JSON.stringify(`${v.slice(0, 57)}...`) : JSON.stringify(v));
const describeChange = (c: AccountChange): string => c.diffs.map((d) => `${d.field} ${show(d.old)} -> ${show(d.new)}`).join('; ');

/** Calls a real run would make for these changes (describe, /limits, then the writes). */
export function estimateCalls(changes: number, batchSize: number, bulkThreshold: number): { calls: number; mode: 'collections' | 'bulk' | 'none' } {
  if (changes === 0) return { calls: 0, mode: 'none' };
  if (changes > bulkThreshold) return { calls: 2 + BULK_JOB_CALLS, mode: 'bulk' };
  return { calls: 2 + Math.ceil(changes / Math.min(200, batchSize)), mode: 'collections' };
}

async function loadFailures(ctx: SyncContext): Promise<Map<string, RecordFailure>> {
  const out = new Map<string, RecordFailure>();
  for (const [id, text] of await ctx.state.allWriteFailures()) {
    const parsed = recordFailureSchema.safeParse(JSON.parse(text));
    if (parsed.success) out.set(id, parsed.data);
  }
  return out;
}

export async function writebackRun(ctx: SyncContext, runId: string, options: WritebackOptions): Promise<WritebackSummary> {
  const clock = options.clock ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'writeback' });
  const batchSize = Math.min(200, ctx.options.writebackBatchSize);
  const bulkThreshold = ctx.options.writebackBulkThreshold ?? 2000;
  const summary: WritebackSummary = { planned: 0, accountsWritten: 0, fieldsWritten: 0, failures: 0, apiCalls: 0, paused: false, deferred: 0, waitingRetry: 0, manualEdits: 0, mode: 'none' };
  const log = (entries: NewLogEntry[]): Promise<void> => (entries.length > 0 ? ctx.logs.append(entries) : Promise.resolve());
  const entry = (accountId: string, status: NewLogEntry['status'], message: string): NewLogEntry => ({ runId, status, source: 'salesforce', kind: 'salesforce.account', recordId: accountId, accountId, message: message.slice(0, 4000) });

  // What an earlier attempt of this run sent and Salesforce answered (a worker killed or the job
  // retried mid-write-back): those accounts are settled from the journal, never sent again.
  const journal = await ctx.runs.writeJournal(runId);
  const earlier = new Map<string, JournalEntry>();
  for (const [id, text] of journal.entries) {
    const parsed = journalEntrySchema.safeParse(JSON.parse(text));
    if (parsed.success) earlier.set(id, parsed.data);
  }
  const unsettled = (p: PlannedWriteback): AccountChange[] => p.changes.filter((c) => !earlier.has(c.accountId));

  const planning = await startWritebackPlanning(ctx, { runFull: (await ctx.runs.get(runId))?.full ?? false, dryRun: options.dryRun, include: [...earlier.keys()] });
  const { paused } = planning;
  const planScoped = async (s: readonly FieldSpec[]): Promise<PlannedWriteback> => {
    const p = await planning.plan(s);
    if (planning.fullReason !== null) ctx.log.info({ runId, reason: planning.fullReason }, 'write-back planned every account');
    await ctx.runs.set(runId, { 'writeback.fullPlan': planning.fullReason === null ? 0 : 1, 'writeback.candidates': planning.fullReason === null ? planning.candidates : 0 });
    return p;
  };
  const consume = (p: PlannedWriteback): Promise<void> => planning.commit(p);

  let specs = await writebackSpecs(ctx);
  let planned = await planScoped(specs);
  summary.planned = planned.changes.length;
  summary.manualEdits = planned.manualEdits.length;
  await log(planned.changes.flatMap((c) => c.warnings.map((w) => entry(c.accountId, 'warning', w))));
  await log(
    planned.manualEdits.map(({ accountId, edit }) =>
      entry(accountId, 'warning', `manual edit in Salesforce: ${edit.field} is ${show(edit.current)}, Tidemark last wrote ${show(edit.wrote)}; ${edit.respected ? 'left as edited (TIDEMARK_WRITEBACK_RESPECT_MANUAL_EDITS)' : edit.desired === edit.current ? 'now agrees with Tidemark' : `overwritten with ${show(edit.desired)}`}`),
    ),
  );

  // Records Salesforce refused before wait for their backoff to pass.
  const now = clock();
  const failures = await loadFailures(ctx);
  const waiting = unsettled(planned).filter((c) => !dueForRetry(failures.get(c.accountId), now));
  summary.waitingRetry = waiting.length;
  await log(
    waiting.map((c) => {
      const f = failures.get(c.accountId) as RecordFailure;
      return entry(c.accountId, 'skipped', `retry after ${f.nextAttemptAt}: attempt ${f.attempts} was refused by Salesforce (${f.statusCode}: ${f.message})`);
    }),
  );
  const waitingIds = new Set(waiting.map((c) => c.accountId));
  let due = unsettled(planned).filter((c) => !waitingIds.has(c.accountId));

  if (!options.dryRun && planned.agreed.length > 0) await ctx.state.saveLastWritten(planned.agreed);

  if (options.dryRun || ((paused || due.length === 0) && earlier.size === 0)) {
    summary.paused = paused && !options.dryRun;
    const estimate = estimateCalls(due.length, batchSize, bulkThreshold);
    const why = options.dryRun ? 'dry run' : 'write-back paused';
    await log(due.map((c) => entry(c.accountId, 'skipped', `${why}: would write ${describeChange(c)}`)));
    await ctx.runs.set(runId, {
      plannedWrites: due.length,
      plannedFields: due.reduce((n, c) => n + c.diffs.length, 0),
      plannedApiCalls: estimate.calls,
      plannedBulkJobs: estimate.mode === 'bulk' ? 1 : 0,
      waitingRetry: waiting.length,
      manualEdits: planned.manualEdits.length,
      'apiCalls.writeback': 0,
      'ms.writeback': Date.now() - started,
    });
    if (due.length > 0) ctx.log.info({ runId, accounts: due.length, apiCalls: estimate.calls, mode: estimate.mode }, `${why}: write-back would send ${due.length} accounts in ${estimate.calls} API calls`);
    // Nothing to send (a real run): the plan is committed as it is.
    await consume(planned);
    return summary;
  }
  if (paused) {
    // Paused after an earlier attempt of this run had sent some batches: settle those, send nothing more.
    summary.paused = true;
    await log(due.map((c) => entry(c.accountId, 'skipped', `write-back paused: would write ${describeChange(c)}`)));
    due = [];
  }

  const configured = ctx.sources.salesforce;
  if (!configured) throw new ConfigError('Write-back needs the Salesforce source: set SALESFORCE_* credentials (see README)');
  const session = await openSalesforceConnection(salesforceConfigSchema.parse(configured.config), ctx.log.child({ runId, stage: 'writeback' }));
  const { conn } = session;
  const today = clock().toISOString().slice(0, 10);
  let byId = new Map(due.map((c) => [c.accountId, c]));
  let modelVersions = planned.modelVersions;
  // The API calls spent since the last call, and the answers of a batch, go into the journal together.
  const journalEntries = (results: readonly RecordWriteResult[]): Array<[string, string]> => {
    const at = clock();
    return results.flatMap((r): Array<[string, string]> => {
      const change = byId.get(r.accountId);
      if (!change) return [];
      const failure = r.success
        ? failures.has(r.accountId) ? null : undefined
        : JSON.stringify(recordFailed(failures.get(r.accountId), { statusCode: r.statusCode ?? 'UNKNOWN', message: r.message ?? 'no message' }, at));
      const e: JournalEntry = {
        at: at.toISOString(), modelVersion: modelVersions.get(r.accountId) ?? null, diffs: change.diffs, values: change.values,
        success: r.success, statusCode: r.statusCode, message: r.message, ...(failure === undefined ? {} : { failure }),
      };
      return [[r.accountId, JSON.stringify(e)]];
    });
  };
  const counted = async (results: readonly RecordWriteResult[] = []): Promise<void> => {
    const calls = session.calls() - summary.apiCalls;
    summary.apiCalls = session.calls();
    await ctx.state.addApiCalls(today, calls);
    await ctx.runs.journalWrites(runId, journalEntries(results), calls);
  };
  const finish = async (counters: Record<string, number>): Promise<void> => {
    await counted();
    await ctx.runs.set(runId, { 'apiCalls.writeback': journal.apiCalls + summary.apiCalls, manualEdits: summary.manualEdits, waitingRetry: summary.waitingRetry, 'ms.writeback': Date.now() - started, ...counters });
  };
  const limitExceeded = async (err: BudgetError): Promise<never> => {
    await ctx.state.setSetting(LIMIT_EXCEEDED_SETTING, JSON.stringify({ at: clock().toISOString(), runId, message: err.message }));
    await log([{ runId, status: 'failed', source: 'salesforce', kind: 'salesforce.account', message: err.message }]);
    await finish({ limitExceeded: 1 });
    throw err;
  };

  // Pre-flight: every mapped field exists, is updateable and has a compatible type.
  let fields;
  try {
    fields = await describeAccountFields(conn);
  } catch (err) {
    if (err instanceof BudgetError) return limitExceeded(err);
    throw err;
  }
  const problems = preflightProblems(specs, fields);
  if (problems.length > 0) {
    await log(problems.map((message) => ({ runId, status: 'failed' as const, source: 'salesforce', kind: 'salesforce.account', message })));
    await finish({ preflightProblems: problems.length });
    throw new ConfigError(`Write-back pre-flight failed, nothing was written:\n  ${problems.join('\n  ')}`);
  }
  await ctx.state.setSetting(DESCRIBE_CACHE_SETTING, JSON.stringify(describedSubset(specs, fields)));
  const typed = typedByDescribe(specs, fields);
  if (JSON.stringify(typed) !== JSON.stringify(specs)) {
    // The org's types differ from the ones planned with: plan again, typed as the org stores them.
    specs = typed;
    planned = await planScoped(specs);
    summary.planned = planned.changes.length;
    due = paused ? [] : unsettled(planned).filter((c) => !waitingIds.has(c.accountId));
    byId = new Map(due.map((c) => [c.accountId, c]));
    modelVersions = planned.modelVersions;
  }
  const { accounts } = planned;

  // The API budget: a share of the org's daily requests, read from /limits before writing.
  let limits;
  try {
    limits = await readApiLimits(conn);
  } catch (err) {
    if (err instanceof BudgetError) return limitExceeded(err);
    throw err;
  }
  await counted();
  const callsBeforeWrites = summary.apiCalls;
  const budget: Budget = { max: limits.max, remaining: limits.remaining, share: ctx.options.apiBudgetShare ?? 0.2, usedToday: await ctx.state.apiCallsOn(today) };
  const plan = fitToBudget(due, allowance(budget), batchSize, bulkThreshold);
  summary.mode = plan.mode;
  summary.deferred = plan.deferred.length;
  await log(plan.deferred.map((c) => entry(c.accountId, 'skipped', `deferred to the next run: the API budget (${Math.round(budget.share * 100)}% of ${budget.max} daily requests, ${budget.usedToday} used today) is spent; would write ${describeChange(c)}`)));

  // Each batch's answers are journaled as soon as they arrive.
  const sendCollections = async (changes: readonly AccountChange[]): Promise<{ results: RecordWriteResult[]; stopped: BudgetError | null }> => {
    const out: RecordWriteResult[] = [];
    for (const batch of chunk(changes, batchSize)) {
      stopIfLockLost(options.signal);
      const sent = await writeAccounts(conn, batch, batchSize);
      out.push(...sent.results);
      await counted(sent.results);
      if (sent.stopped) return { results: out, stopped: sent.stopped };
    }
    return { results: out, stopped: null };
  };
  let results: RecordWriteResult[] = [];
  let stopped: BudgetError | null = null;
  if (plan.mode === 'bulk') {
    try {
      results = await writeAccountsBulk(conn, plan.send, new Map([...accounts].map(([id, a]) => [id, a.fields])));
    } catch (err) {
      if (err instanceof BudgetError) return limitExceeded(err);
      throw err;
    }
    await counted(results);
  } else if (plan.mode === 'collections') {
    ({ results, stopped } = await sendCollections(plan.send));
    // Lock contention is transient: retry the locked records within the run, budget allowing.
    for (const waitMs of LOCK_RETRY_WAITS_MS) {
      if (stopped) break;
      const locked = new Set(results.filter((r) => r.statusCode === 'UNABLE_TO_LOCK_ROW').map((r) => r.accountId));
      if (locked.size === 0 || allowance({ ...budget, usedToday: await ctx.state.apiCallsOn(today) }) < Math.ceil(locked.size / batchSize)) break;
      await sleep(waitMs);
      const retried = await sendCollections(plan.send.filter((c) => locked.has(c.accountId)));
      stopped = retried.stopped;
      const again = new Map(retried.results.map((r) => [r.accountId, r]));
      results = results.map((r) => again.get(r.accountId) ?? r);
    }
  }

  // Settle every answer of this run, the earlier attempts' included: log, audit, the Account
  // record, what was last written, the retry state. An earlier answer whose audit is already in
  // place was settled before the crash: it is neither logged nor audited again (the rest is idempotent).
  const settled = new Map(earlier);
  for (const [id, text] of journalEntries(results)) settled.set(id, journalEntrySchema.parse(JSON.parse(text)));
  const audited = new Set<string>();
  for (const id of earlier.keys()) if ((await ctx.state.writes(id, 50)).some((w) => w.runId === runId)) audited.add(id);
  const updatedAccounts: SalesforceAccount[] = [];
  const written: Array<[string, Record<string, unknown>]> = [];
  const failureUpdates: Array<[string, string | null]> = [];
  const logLines: NewLogEntry[] = [];
  const audits: Array<[string, WriteAudit[]]> = [];
  for (const [accountId, e] of [...settled].sort(([a], [b]) => a.localeCompare(b))) {
    const account = accounts.get(accountId);
    if (!account) continue;
    if (e.success) {
      summary.accountsWritten += 1;
      summary.fieldsWritten += e.diffs.length;
      updatedAccounts.push({ ...account, fields: { ...account.fields, ...e.values } });
      written.push([accountId, e.values]);
    } else summary.failures += 1;
    if (e.failure !== undefined) failureUpdates.push([accountId, e.failure]);
    if (audited.has(accountId)) continue;
    const error = e.success ? null : `${e.statusCode}: ${e.message}`;
    audits.push([accountId, e.diffs.map((d) => ({ at: e.at, runId, modelVersion: e.modelVersion, field: d.field, old: d.old, new: d.new, outcome: e.success ? 'written' : 'failed', error }))]);
    if (e.success) logLines.push(entry(accountId, 'written', `wrote ${e.diffs.map((d) => `${d.field} ${show(d.old)} -> ${show(d.new)}`).join('; ')}${plan.mode === 'bulk' ? ' (Bulk API)' : ''}`));
    else {
      const retry = e.failure ? recordFailureSchema.parse(JSON.parse(e.failure)).nextAttemptAt : 'the next run';
      logLines.push(entry(accountId, 'failed', `Salesforce refused the update: ${e.statusCode}: ${e.message} (retried after ${retry})`));
    }
  }
  // A failed record keeps its difference, so a later run tries it again after its backoff.
  await log(logLines);
  await ctx.state.appendWritesMany(audits);
  if (updatedAccounts.length > 0) await ctx.records.upsert('salesforce.account', updatedAccounts);
  if (written.length > 0) await ctx.state.saveLastWritten(written);
  if (failureUpdates.length > 0) await ctx.state.saveWriteFailures(failureUpdates);
  if (stopped) {
    const unsent = plan.send.filter((c) => !results.some((r) => r.accountId === c.accountId));
    await log(unsent.map((c) => entry(c.accountId, 'skipped', `not sent: ${stopped?.message ?? 'REQUEST_LIMIT_EXCEEDED'}`)));
    await finish({ accountsWritten: summary.accountsWritten, fieldsWritten: summary.fieldsWritten, writeFailures: summary.failures, deferredWrites: plan.deferred.length + unsent.length, 'budget.max': budget.max, 'budget.remaining': 0, 'budget.allowance': 0 });
    return limitExceeded(stopped);
  }
  if (settled.size > 0) await ctx.state.setSetting(LIMIT_EXCEEDED_SETTING, '');

  // Alerts for the CSM, judged on what was actually written (once per run: the journal says when they went out).
  let alertsCreated = journal.flags.alerts ?? 0;
  if (journal.flags.alerts === undefined) {
    const alerts = [...settled]
      .filter(([, e]) => e.success)
      .flatMap(([accountId, e]) => {
        const account = accounts.get(accountId);
        if (!account) return [];
        // The values before the write (the stored Account may already carry the new ones).
        const before = { ...account.fields, ...Object.fromEntries(e.diffs.map((d) => [d.field, d.old])) };
        // Alerts read Tidemark's own field names, whatever Salesforce fields they are mapped to.
        const logical = (fields: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(specs.map((spec) => [keyOf(spec), fields[spec.name]]));
        return healthAlerts({ accountId: account.id, accountName: account.name, current: logical(before), desired: logical({ ...before, ...e.values }) }, { dropPoints: ctx.options.alertDropPoints ?? 15 });
      });
    if (alerts.length > 0) {
      const delivery = await createAlertTasks(conn, alerts, (id) => accounts.get(id)?.csmId ?? accounts.get(id)?.ownerId ?? null, ctx.now().toISOString().slice(0, 10));
      alertsCreated = delivery.created;
      await ctx.runs.setJournalFlag(runId, 'alerts', alertsCreated);
      if (ctx.options.alertWebhookUrl) await postAlertWebhook(ctx.options.alertWebhookUrl, alerts, (id) => accounts.get(id)?.name ?? id, ctx.log);
      await log(alerts.map((a) => entry(a.accountId, 'info', `alert: ${a.subject}`)));
    } else await ctx.runs.setJournalFlag(runId, 'alerts', 0);
  }
  await finish({
    alertTasks: alertsCreated,
    accountsWritten: summary.accountsWritten,
    fieldsWritten: summary.fieldsWritten,
    writeFailures: summary.failures,
    deferredWrites: plan.deferred.length,
    bulkJobs: plan.mode === 'bulk' ? 1 : 0,
  });
  await ctx.runs.set(runId, {
    'budget.max': budget.max,
    'budget.remaining': Math.max(0, budget.remaining - (summary.apiCalls - callsBeforeWrites)),
    'budget.allowance': allowance({ ...budget, usedToday: await ctx.state.apiCallsOn(today) }),
  });
  // Every answer is settled: the plan's candidates are done with.
  await consume(planned);
  return summary;
}
