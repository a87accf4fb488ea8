/**
 * The crash tests' lab: an org is one key prefix on the test Redis plus its own emulators over a
 * generated dataset (so two orgs never see each other's writes). Workers run as real processes
 * (tests/helpers/worker-main.ts through spawnTs, so SIGKILL kills the program itself) or, for a
 * control run, in this process. A snapshot gathers what a run produced (counters, matches,
 * desired values, the owned fields on the emulated Accounts, the write audit of the run, the
 * alert Tasks), so a run that was crashed can be compared with a clean run of the same dataset.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Redis } from 'ioredis';
import { loadDataset } from '../../src/sandbox/dataset.ts';
import { generateDataset } from '../../src/sandbox/generator/index.ts';
import { startEmulators, type RunningEmulators } from '../../src/sandbox/emulators.ts';
import { sandboxSources } from '../../src/sandbox/sandbox.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/context.ts';
import { importSurveyText } from '../../src/sync/survey-import.ts';
import { requestRun, waitForRun } from '../../src/sync/run.ts';
import { RESOLVED_KINDS } from '../../src/sync/resolve.ts';
import { startServices, type Services } from '../../src/runtime/services.ts';
import { bullConnection } from '../../src/store/redis.ts';
import { keys } from '../../src/store/keys.ts';
import type { RunView } from '../../src/store/run-store.ts';
import type { SourceId } from '../../src/contracts/records.ts';
import { OWNED_FIELD_NAMES } from '../../src/writeback/field-specs.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { spawnTs } from './node-process.ts';
import { RedisTap } from './redis-tap.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from './redis.ts';

const root = join(import.meta.dirname, '..', '..');
export const COLLECTION_PATCH = 'PATCH /services/data/vXX.X/composite/sobjects';

/** Polls `check` until it returns a value other than undefined/false, or fails after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The counters a crash must neither lose nor count twice. */
export const RUN_COUNTERS = [
  'records.salesforce', 'records.zendesk', 'records.mixpanel', 'resolved', 'unmatched', 'accountsScored', 'plans',
  'accountsWritten', 'fieldsWritten', 'writeFailures', 'alertTasks',
] as const;

export interface RunSnapshot {
  status: RunView['status'];
  error: string | null;
  counters: Record<string, number | undefined>;
  matches: Record<string, Record<string, string>>;
  desired: Record<string, string>;
  /** Owned fields on every emulated Account. */
  accounts: Record<string, Record<string, unknown>>;
  /** The run's write audit, one line per entry: account field old -> new outcome (sorted; a field written twice shows twice). */
  audit: string[];
  tasks: number;
}

export interface OrgOptions {
  datasetDir: string;
  label: string;
  now: string;
  /** The org's Redis (default: the shared test Redis); the `redis` given to start() must talk to it. */
  redisUrl?: string;
  writebackBatch?: number;
  lockMs?: number;
}

export class CrashOrg {
  readonly workers: ChildProcess[] = [];
  private inProcess: Services | null = null;
  private closed = false;

  private constructor(
    readonly options: OrgOptions,
    readonly prefix: string,
    readonly emulators: RunningEmulators,
    readonly ctx: SyncContext,
    private readonly redis: Redis,
  ) {}

  static async start(redis: Redis, options: OrgOptions): Promise<CrashOrg> {
    const dataset = await loadDataset(options.datasetDir);
    const emulators = await startEmulators(dataset, { salesforce: 0, zendesk: 0, mixpanel: 0 }, { limits: 'relaxed', seed: 1 });
    const prefix = uniquePrefix(options.label);
    const now = new Date(options.now);
    const ctx = createSyncContext({
      redis, prefix, log: silentLogger(), now: () => now, sources: sandboxSources(emulators.urls),
      options: { successPlanLookbackDays: 90, writebackBatchSize: options.writebackBatch ?? 200 },
    });
    if (dataset.surveys.responsesFile) await importSurveyText(ctx, readFileSync(dataset.surveys.responsesFile, 'utf8'), 'jsonl', undefined, 'surveys/responses.jsonl');
    return new CrashOrg(options, prefix, emulators, ctx, redis);
  }

  get redisUrl(): string {
    return this.options.redisUrl ?? TEST_REDIS_URL;
  }

  private env(redisUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      ...process.env,
      REDIS_URL: redisUrl,
      TIDEMARK_PREFIX: this.prefix,
      TIDEMARK_NOW: this.options.now,
      TIDEMARK_TEST_EMULATORS: JSON.stringify(this.emulators.urls),
      TIDEMARK_JOB_LOCK_MS: String(this.options.lockMs ?? 2000),
      TIDEMARK_WRITEBACK_BATCH: String(this.options.writebackBatch ?? 200),
      TIDEMARK_WORKER_CONCURRENCY: '1',
      LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'silent',
      HTTP_PROXY: '',
      HTTPS_PROXY: '',
      http_proxy: '',
      https_proxy: '',
      ...extra,
    };
  }

  /** A worker process on this org; resolves once its workers listen. */
  async spawnWorker(redisUrl = this.redisUrl, extra: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawnTs(join(root, 'tests', 'helpers', 'worker-main.ts'), [], { cwd: root, env: this.env(redisUrl, extra), stdio: ['ignore', 'pipe', 'inherit'] });
    this.workers.push(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes('ready\n')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code, signal) => reject(new Error(`worker exited before it was ready (${code ?? signal}): ${out.slice(-2000)}`)));
    });
    return child;
  }

  /**
   * A worker whose Redis traffic goes through a tap (tests/helpers/redis-tap.ts) that SIGKILLs it
   * just before the occurrence-th command carrying marker reaches Redis. `killed` resolves once
   * the process is gone (and never if the marker does not come).
   */
  async spawnWorkerKilledAt(marker: string, occurrence: number, extra: Record<string, string> = {}): Promise<{ child: ChildProcess; killed: Promise<void> }> {
    const tap = await RedisTap.start(this.redisUrl);
    let child: ChildProcess | null = null;
    const fired = tap.arm(marker, occurrence, () => child?.kill('SIGKILL'));
    child = await this.spawnWorker(tap.url, extra);
    const spawned = child;
    const killed = fired.then(() => exited(spawned)).finally(() => tap.close());
    return { child, killed };
  }

  /** Resolves once `child` was SIGKILLed when the occurrence-th sObject Collections PATCH reached the emulated Salesforce. */
  killAtPatch(child: ChildProcess, occurrence: number): Promise<void> {
    const faults = this.emulators.salesforce.kit.faults;
    const take = faults.take.bind(faults);
    let patches = 0;
    return new Promise<void>((resolve) => {
      faults.take = (label) => {
        if (label === COLLECTION_PATCH && ++patches === occurrence) {
          faults.take = take;
          child.kill('SIGKILL');
          void exited(child).then(resolve);
        }
        return take(label);
      };
    });
  }

  /** The real workers in this process (for a control run). */
  async startInProcessWorkers(): Promise<void> {
    this.inProcess = await startServices({
      redisUrl: this.redisUrl, prefix: this.prefix, sources: this.ctx.sources, log: silentLogger(), now: this.ctx.now,
      roles: { api: false, workers: true, schedulers: false }, port: 0, defaultSchedule: null, options: this.ctx.options, workerConcurrency: 1,
    });
  }

  async requestRun(sources: SourceId[] = ['salesforce', 'zendesk', 'mixpanel', 'surveys']): Promise<string> {
    const run = await requestRun(this.ctx, bullConnection(this.redisUrl), { sources, full: true, dryRun: false, trigger: 'test' });
    return run.id;
  }

  async waitForRun(runId: string, timeoutMs = 60_000): Promise<RunView> {
    return waitForRun(this.ctx, runId, timeoutMs);
  }

  async stage(runId: string): Promise<string | undefined> {
    return (await this.ctx.runs.get(runId))?.stage;
  }

  /** Collection update calls the emulated Salesforce answered, by status ("0": the client went away). */
  async collectionPatches(): Promise<Record<string, number>> {
    return this.emulators.salesforce.kit.stats.toJSON().calls[COLLECTION_PATCH] ?? {};
  }

  async snapshot(runId: string): Promise<RunSnapshot> {
    const run = await this.ctx.runs.get(runId);
    if (!run) throw new Error(`run ${runId} not found`);
    const k = keys(this.prefix);
    const matches: RunSnapshot['matches'] = {};
    for (const kind of RESOLVED_KINDS) matches[kind] = await this.redis.hgetall(k.matches(kind));
    const desired = await this.redis.hgetall(k.desired);
    const accounts: RunSnapshot['accounts'] = {};
    const audit: string[] = [];
    for (const raw of this.emulators.salesforce.store.getAll('Account')) {
      const id = String(raw.Id);
      accounts[id] = Object.fromEntries(OWNED_FIELD_NAMES.map((f) => [f, raw[f] ?? null]));
      for (const w of await this.ctx.state.writes(id, 500)) {
        if (w.runId === runId) audit.push(`${id} ${w.field} ${JSON.stringify(w.old)} -> ${JSON.stringify(w.new)} ${w.outcome}`);
      }
    }
    audit.sort();
    const counters = Object.fromEntries(RUN_COUNTERS.map((c) => [c, run.counters[c]]));
    return { status: run.status, error: run.error, counters, matches, desired, accounts, audit, tasks: this.emulators.salesforce.store.getAll('Task').length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
        await exited(w);
      }),
    );
    await this.inProcess?.close();
    await this.emulators.close();
    await dropPrefix(this.redis, this.prefix);
  }
}

/** The crashed run equals the clean one: same records, matches, desired values, written fields, audit, Tasks, counters. */
export function expectSameOutcome(crashed: RunSnapshot, clean: RunSnapshot): void {
  expect(crashed.error).toBeNull();
  expect(crashed.status).toBe('succeeded');
  for (const kind of Object.keys(clean.matches)) expect(crashed.matches[kind], kind).toEqual(clean.matches[kind]);
  // Field by field, so a difference reads as one line.
  const fieldsOf = (text: string | undefined): Record<string, unknown> => (text ? (JSON.parse(text) as { fields: Record<string, unknown> }).fields : {});
  const differences = [...new Set([...Object.keys(clean.desired), ...Object.keys(crashed.desired)])].sort().flatMap((account) => {
    const a = fieldsOf(crashed.desired[account]);
    const b = fieldsOf(clean.desired[account]);
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f])).map((f) => `${account} ${f}: ${JSON.stringify(a[f])} after the crash, ${JSON.stringify(b[f])} in the clean run`);
  });
  expect(differences, 'desired values').toEqual([]);
  expect(crashed.desired).toEqual(clean.desired);
  expect(crashed.counters).toEqual(clean.counters);
  expect(crashed.accounts).toEqual(clean.accounts);
  // Every field change audited exactly once (a re-sent batch must not be audited again).
  expect(new Set(crashed.audit).size).toBe(crashed.audit.length);
  expect(crashed.audit).toEqual(clean.audit);
  expect(crashed.tasks).toBe(clean.tasks);
}

/** A temp directory with one generated dataset, the orgs started on it (closed together), and a clean control run. */
export class CrashLab {
  readonly dir: string;
  readonly datasetDir: string;
  private readonly orgs: CrashOrg[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly defaults: Omit<OrgOptions, 'datasetDir' | 'label'>,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'tidemark-crash-'));
    this.datasetDir = join(this.dir, 'ds');
  }

  async generate(options: { accounts: number; seed: number; days: number }): Promise<void> {
    await generateDataset({ ...options, out: this.datasetDir, now: new Date(this.defaults.now) });
  }

  async org(label: string, overrides: Partial<OrgOptions> = {}, redis: Redis = this.redis): Promise<CrashOrg> {
    const o = await CrashOrg.start(redis, { ...this.defaults, datasetDir: this.datasetDir, label, ...overrides });
    this.orgs.push(o);
    return o;
  }

  /** A run with in-process workers and no crash: what every crashed run is compared with. */
  async cleanRun(timeoutMs = 60_000): Promise<RunSnapshot> {
    const control = await this.org('control');
    await control.startInProcessWorkers();
    const runId = await control.requestRun();
    await control.waitForRun(runId, timeoutMs);
    const snapshot = await control.snapshot(runId);
    expect(snapshot.status).toBe('succeeded');
    expect(snapshot.counters.fieldsWritten).toBeGreaterThan(0);
    return snapshot;
  }

  /** Zendesk records in the dataset (organizations, users, tickets). */
  zendeskLines(file: 'organizations.jsonl' | 'users.jsonl' | 'tickets.jsonl'): number {
    return readFileSync(join(this.datasetDir, 'zendesk', file), 'utf8').split('\n').filter(Boolean).length;
  }

  async close(): Promise<void> {
    for (const o of this.orgs) await o.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The usual set-up of a crash test file: beforeAll generates the dataset and (unless clean is
 * false) makes the clean control run; afterAll closes every org and the Redis connection.
 */
export function useCrashLab(options: {
  dataset: { accounts: number; seed: number; days: number };
  writebackBatch?: number;
  clean?: boolean;
  timeoutMs?: number;
}): { lab: CrashLab; redis: Redis; clean: () => RunSnapshot } {
  const redis = testRedis();
  const lab = new CrashLab(redis, { now: '2026-11-20T12:00:00.000Z', writebackBatch: options.writebackBatch });
  let snapshot: RunSnapshot | null = null;
  beforeAll(async () => {
    await lab.generate(options.dataset);
    if (options.clean !== false) snapshot = await lab.cleanRun(options.timeoutMs);
  }, options.timeoutMs ?? 60_000);
  afterAll(async () => {
    await lab.close();
    redis.disconnect();
  });
  return {
    lab,
    redis,
    clean: () => {
      if (!snapshot) throw new Error('no clean run');
      return snapshot;
    },
  };
}
