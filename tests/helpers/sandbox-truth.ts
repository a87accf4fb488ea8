/**
 * What the fault-injection tests check after a sandbox sync: faults posted to the emulators,
 * record counts equal to the dataset's line counts (nothing lost, nothing duplicated), and the
 * Account fields written to the Salesforce emulator equal the generator's ground truth.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import jsforce from 'jsforce';
import type { Redis } from 'ioredis';
import type { RecordKind } from '../../src/contracts/records.ts';
import type { SyncContext } from '../../src/sync/context.ts';
import { loadEnv } from '../../src/config/env.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from './redis.ts';

export interface SandboxHandle {
  readonly redis: Redis;
  readonly prefix: string;
  /** The running sandbox (after beforeAll). */
  sandbox(): Sandbox;
}

/**
 * A sandbox for the tests of one file, on free ports and its own key prefix, without its initial
 * run or schedules: started before them (with the dataset `prepare` writes under the data
 * folder, else the demo dataset), closed and its keys dropped after.
 */
export function useSandbox(label: string, options: { env?: Record<string, string>; prepare?: (dataDir: string) => Promise<string>; startTimeoutMs?: number } = {}): SandboxHandle {
  const redis = testRedis();
  const prefix = uniquePrefix(label);
  const dataDir = mkdtempSync(join(tmpdir(), `tidemark-${label}-`));
  let running: Sandbox | undefined;
  beforeAll(async () => {
    const datasetDir = options.prepare ? await options.prepare(dataDir) : undefined;
    const env = loadEnv({ REDIS_URL: TEST_REDIS_URL, TIDEMARK_NOW: '2026-11-20T12:00:00.000Z', LOG_LEVEL: 'silent', ...options.env });
    running = await startSandbox({ env, log: silentLogger(), dataDir, datasetDir, ports: { api: 0, salesforce: 0, zendesk: 0, mixpanel: 0 }, prefix, writeStateFile: false, initialRun: false, schedule: null });
  }, options.startTimeoutMs ?? 60_000);
  afterAll(async () => {
    await running?.close();
    await dropPrefix(redis, prefix);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    redis,
    prefix,
    sandbox() {
      if (!running) throw new Error('the sandbox is not started');
      return running;
    },
  };
}

export async function injectFaults(url: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
}

export type CallsByStatus = Record<string, Record<string, number>>;

export async function emulatorCalls(url: string): Promise<CallsByStatus> {
  return ((await (await fetch(`${url}/__sandbox/stats`)).json()) as { calls: CallsByStatus }).calls;
}

/** Calls answered with this status (0 = connection closed before the answer) over every route. */
export function callsWithStatus(calls: CallsByStatus, status: number): number {
  return Object.values(calls).reduce((n, byStatus) => n + (byStatus[String(status)] ?? 0), 0);
}

export function datasetLines(datasetDir: string, file: string): number {
  return readFileSync(join(datasetDir, file), 'utf8').split('\n').filter(Boolean).length;
}

/** Record kinds and the dataset file holding exactly their entities. */
export const DATASET_FILES: ReadonlyArray<[RecordKind, string]> = [
  ['salesforce.account', 'salesforce/Account.jsonl'],
  ['salesforce.contact', 'salesforce/Contact.jsonl'],
  ['salesforce.opportunity', 'salesforce/Opportunity.jsonl'],
  ['salesforce.opportunity_line_item', 'salesforce/OpportunityLineItem.jsonl'],
  ['zendesk.organization', 'zendesk/organizations.jsonl'],
  ['zendesk.user', 'zendesk/users.jsonl'],
  ['zendesk.ticket', 'zendesk/tickets.jsonl'],
  ['mixpanel.profile', 'mixpanel/profiles.jsonl'],
  ['surveys.response', 'surveys/responses.jsonl'],
];

/** Every kind holds exactly the dataset's entities: nothing lost, nothing counted twice. */
export async function expectDatasetCounts(ctx: Pick<SyncContext, 'records'>, datasetDir: string, kinds: ReadonlyArray<[RecordKind, string]> = DATASET_FILES): Promise<void> {
  const got: Record<string, number> = {};
  const want: Record<string, number> = {};
  for (const [kind, file] of kinds) {
    got[kind] = await ctx.records.count(kind);
    want[kind] = datasetLines(datasetDir, file);
  }
  expect(got).toEqual(want);
}

/**
 * The given truth fields (truth/accounts.jsonl) of every account, as read back from the
 * Salesforce emulator through jsforce like any Salesforce client.
 */
export async function expectTruthFields(salesforceUrl: string, datasetDir: string, fields: readonly string[]): Promise<number> {
  const truth = readFileSync(join(datasetDir, 'truth', 'accounts.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown> & { accountId: string });
  const conn = new jsforce.Connection({ oauth2: { loginUrl: salesforceUrl, clientId: 'sandbox', clientSecret: 'sandbox' }, version: '62.0' });
  await conn.authorize({ grant_type: 'client_credentials' });
  const rows = (await conn.query<Record<string, unknown> & { Id: string }>(`SELECT Id, ${fields.join(', ')} FROM Account`, { autoFetch: true, maxFetch: 1_000_000 })).records;
  const byId = new Map(rows.map((r) => [r.Id, r]));
  const pick = (row: Record<string, unknown> | undefined): Record<string, unknown> => Object.fromEntries(fields.map((f) => [f, row?.[f] ?? null]));
  const got = truth.map((t) => ({ id: t.accountId, ...pick(byId.get(t.accountId)) }));
  const want = truth.map((t) => ({ id: t.accountId, ...pick(t) }));
  expect(got).toEqual(want);
  return truth.length;
}
