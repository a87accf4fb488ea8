/**
 * End to end: a generated dataset served by `tidemark sandbox` (a real process: emulators, admin
 * API and in-process workers, default relaxed limits) over a private redis-server, and
 * `tidemark sync --full --wait` timed as a real process, against the bare parse of the same
 * events file (read + JSON.parse per line) measured in the same run. Then an incremental
 * `sync --wait` with nothing changed by us (it re-reads what the full run's write-back touched),
 * then 1% of every source changed through the emulators' write APIs and `sync --wait` again, as a
 * ratio of the full run. Per stage: the run record's ms.<stage> counters. Peak memory: VmHWM of
 * the sandbox process (emulators + workers), reset just before each sync. Redis: used_memory of the
 * private server over its empty baseline.
 */
import { availableParallelism } from 'node:os';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { generateDataset, type GenerateSummary } from '../src/sandbox/generator/index.ts';
import { connectRedis } from '../src/store/redis.ts';
import { RunStore } from '../src/store/run-store.ts';
import { cpuCutNeeded, wallFloorSeconds } from './cpu-floor.ts';
import { bareParseInProcess } from './ingest.ts';
import { logTail, privateRedis, runCli, startSandboxProc, type BenchRedis, type SandboxProc, type Watched } from './sandbox-procs.ts';

/** The issue's shapes: 2,000 accounts with about a million events; 20,000 accounts with 200,000 contacts, 100,000 tickets, 5 million events. */
export interface DatasetShape {
  accounts: number;
  seed: number;
  eventsPerUserDay: number;
  days: number;
  contactsPerAccount?: number;
}

export function shapeFor(accounts: number): DatasetShape {
  // About 520 events per account at 4 per active person-day (90 days); the large shape has 10
  // contacts per account and about 250 events per account.
  if (accounts < 10_000) return { accounts, seed: 11, eventsPerUserDay: 4, days: 90 };
  return { accounts, seed: 11, eventsPerUserDay: 1.9, days: 90, contactsPerAccount: 10 };
}

export async function generateShape(dir: string, shape: DatasetShape): Promise<{ summary: GenerateSummary; ms: number }> {
  const started = performance.now();
  const summary = await generateDataset({ accounts: shape.accounts, seed: shape.seed, out: dir, now: new Date(), days: shape.days, eventsPerActiveUserPerDay: shape.eventsPerUserDay, contactsPerAccount: shape.contactsPerAccount });
  return { summary, ms: performance.now() - started };
}

const summarySchema = z.object({
  runId: z.string(),
  status: z.string(),
  durationMs: z.number().nullable(),
  sources: z.record(z.string(), z.object({ records: z.number(), changed: z.number(), quarantined: z.number(), apiCalls: z.number() })),
  resolved: z.number(),
  unmatched: z.number(),
  accountsScored: z.number(),
  fieldsWritten: z.number(),
  accountsWritten: z.number(),
  apiCalls: z.number(),
});
export type SyncSummary = z.infer<typeof summarySchema>;

export interface TimedSync {
  /** Wall time of the `tidemark sync ... --wait` process, start to exit. */
  wallMs: number;
  summary: SyncSummary;
  /** ms.<stage> counters of the run record (pull.<source>, resolve, score, writeback). */
  stages: Record<string, number>;
  /** VmHWM of the given processes during the sync, bytes. */
  peakRss: number[];
  /** CPU seconds each of the given processes used during the sync. */
  cpu: number[];
  /** CPU seconds of the Redis server during the sync (INFO cpu), when asked for. */
  redisCpu: number | null;
}

/** `sync [--full] --wait --json` in the sandbox's directory, with the run record's stage times and the processes' peak RSS. */
export async function timedSync(sandbox: SandboxProc, redisUrl: string, full: boolean, watched: Watched[], timeoutMs: number, redisCpu?: () => Promise<number>): Promise<TimedSync> {
  for (const p of watched) p.resetPeak();
  const cpuBefore = watched.map((p) => p.cpuSeconds());
  const redisCpuBefore = redisCpu ? await redisCpu() : null;
  const out = await runCli(sandbox.cwd, redisUrl, ['sync', ...(full ? ['--full'] : []), '--wait', '--json'], timeoutMs).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\nsandbox log (${sandbox.logFile}):\n${logTail(sandbox.logFile)}`);
  });
  const summary = summarySchema.parse(JSON.parse(out.stdout));
  const redis = connectRedis(redisUrl);
  try {
    const run = await new RunStore(redis, sandbox.state.prefix).get(summary.runId);
    const stages = Object.fromEntries(Object.entries(run?.counters ?? {}).filter(([k]) => k.startsWith('ms.')).map(([k, v]) => [k.slice(3), v]));
    const cpu = watched.map((p, i) => p.cpuSeconds() - (cpuBefore[i] ?? 0));
    return { wallMs: out.ms, summary, stages, peakRss: watched.map((p) => p.peakRss()), cpu, redisCpu: redisCpu && redisCpuBefore !== null ? (await redisCpu()) - redisCpuBefore : null };
  } finally {
    redis.disconnect();
  }
}

/** Every nth line of a JSONL file, parsed. */
async function everyNth(file: string, n: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let i = 0;
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    if (line && i % n === 0) out.push(z.record(z.string(), z.unknown()).parse(JSON.parse(line)));
    i += 1;
  }
  return out;
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${(await res.text()).slice(0, 300)}`);
}

async function postChunks(url: string, rows: unknown[], size = 2_000): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await post(url, rows.slice(i, i + size));
}

export interface Changed {
  accounts: number;
  contacts: number;
  opportunities: number;
  tickets: number;
  events: number;
}

/**
 * Changes `share` of each source through the emulators' write APIs (docs/sandbox.md): every
 * 1/share-th Account (employees), Contact (title), Opportunity (next step) and Zendesk ticket
 * (status), and share x the events file's lines as new Mixpanel events of every 1/share-th
 * existing person, stamped ten minutes ago.
 * The Zendesk clock moves on two minutes so its export no longer holds back the last minute.
 */
export async function changeShare(sandbox: SandboxProc, summary: GenerateSummary, share: number): Promise<Changed> {
  const every = Math.round(1 / share);
  const { salesforce, zendesk, mixpanel } = sandbox.state.urls as Record<string, string>;
  const accounts = await everyNth(summary.paths.account, every);
  await postChunks(`${salesforce}/__sandbox/records/Account`, accounts.map((a) => ({ Id: a.Id, NumberOfEmployees: Number(a.NumberOfEmployees ?? 0) + 7 })));
  const contacts = await everyNth(summary.paths.contact, every);
  await postChunks(`${salesforce}/__sandbox/records/Contact`, contacts.map((c) => ({ Id: c.Id, Title: 'Chief Benchmark Officer' })));
  const opportunities = await everyNth(summary.paths.opportunity, every);
  await postChunks(`${salesforce}/__sandbox/records/Opportunity`, opportunities.map((o) => ({ Id: o.Id, NextStep: 'Benchmark follow-up' })));
  const tickets = await everyNth(summary.paths.ticket, every);
  await postChunks(`${zendesk}/__sandbox/records/tickets`, tickets.map((t) => ({ ...t, status: t.status === 'open' ? 'solved' : 'open' })));
  await post(`${zendesk}/__sandbox/clock`, { advanceSeconds: 120 });
  // The new events belong to 1% of the people (so to about 1% of the accounts), as the other changes.
  const profiles = await everyNth(summary.paths.profile, every);
  const events = Math.round(summary.counts.event * share);
  const time = Math.floor(Date.now() / 1000) - 600;
  const rows = Array.from({ length: events }, (_, i) => ({
    event: 'Report Viewed',
    properties: { time: time + (i % 300), distinct_id: String(profiles[(i * 7) % profiles.length]?.$distinct_id), $insert_id: `bench-inc-${i}`, mp_lib: 'web' },
  }));
  await postChunks(`${mixpanel}/__sandbox/events`, rows, 10_000);
  return { accounts: accounts.length, contacts: contacts.length, opportunities: opportunities.length, tickets: tickets.length, events };
}

export interface EndToEndFull {
  shape: DatasetShape;
  counts: GenerateSummary['counts'];
  generateMs: number;
  bareParseMs: number;
  sandboxStartMs: number;
  full: TimedSync;
  redisBytesAfterFull: number;
}

/**
 * Prints each phase as soon as it is measured (a 20,000-account run takes many minutes, and a
 * later phase that fails or times out leaves the earlier numbers standing).
 */
export async function benchEndToEnd(root: string, shape: DatasetShape, generated: { summary: GenerateSummary; ms: number }, timeoutMs: number, print: (text: string) => void): Promise<void> {
  const datasetDir = generated.summary.dir;
  const bare = await bareParseInProcess(generated.summary.paths.event);
  const redis: BenchRedis = await privateRedis(join(root, `redis-${shape.accounts}`));
  let sandbox: SandboxProc | null = null;
  try {
    const baseline = await redis.usedMemory();
    const started = performance.now();
    // The sandbox as `npm start` runs it: emulators and API in one process, one worker process.
    sandbox = await startSandboxProc(join(root, `sandbox-${shape.accounts}`), datasetDir, redis.url, { workers: 1 });
    const sandboxStartMs = performance.now() - started;
    const watched = [sandbox, ...sandbox.workers];
    await redis.resetStats();
    const full = await timedSync(sandbox, redis.url, true, watched, timeoutMs, () => redis.cpuSeconds());
    const first: EndToEndFull = { shape, counts: generated.summary.counts, generateMs: generated.ms, bareParseMs: bare.ms, sandboxStartMs, full, redisBytesAfterFull: (await redis.usedMemory()) - baseline };
    print(formatFull(first));
    const busiest = (await redis.commandStats()).slice(0, 8);
    print(`    Redis time by command (a script's commands also count under their own names): ${busiest.map((c) => `${c.command} ${c.seconds.toFixed(2)} s (${c.calls} calls)`).join(', ')}`);
    const unchanged = await timedSync(sandbox, redis.url, false, watched, timeoutMs);
    print(`  sync --wait right after (nothing changed by the benchmark): ${s(unchanged.wallMs)} -> ratio ${(unchanged.wallMs / full.wallMs).toFixed(3)}; stages: ${stageLine(unchanged)}\n    pulled: ${pulled(unchanged)}; ${unchanged.summary.accountsScored} accounts scored; ${unchanged.summary.fieldsWritten} fields written`);
    const changed = await changeShare(sandbox, generated.summary, 0.01);
    const t = await timedSync(sandbox, redis.url, false, watched, timeoutMs);
    const redisBytes = (await redis.usedMemory()) - baseline;
    print([
      `  1% changed (${changed.accounts} accounts, ${changed.contacts} contacts, ${changed.opportunities} opportunities, ${changed.tickets} tickets, ${changed.events} new events), sync --wait: ${s(t.wallMs)} -> ratio ${(t.wallMs / full.wallMs).toFixed(3)} of the full run (target <= 0.03)`,
      `    stages: ${stageLine(t)}`,
      `    pulled: ${pulled(t)}; ${t.summary.accountsScored} accounts scored; ${t.summary.fieldsWritten} fields written on ${t.summary.accountsWritten} accounts; peak RSS ${rssLine(t)}; Redis used_memory +${mb(redisBytes)}`,
    ].join('\n'));
  } finally {
    await sandbox?.stop();
    await redis.stop();
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The CPU the sync took from this machine (sandbox, workers, Redis; the CLI process aside) and the
 * wall time it needs at least when every core is busy all along, against the time a target allows:
 * a wall-time target below that floor cannot be met by running the work side by side, only by
 * doing less of it.
 */
export function cpuFloorLine(t: TimedSync, allowedMs: number, cores = availableParallelism()): string {
  const total = t.cpu.reduce((a, b) => a + b, 0) + (t.redisCpu ?? 0);
  const cut = cpuCutNeeded(total, cores, allowedMs / 1000);
  return `CPU of the sync on this machine ${total.toFixed(1)} s (${(total / (t.wallMs / 1000)).toFixed(2)} cores busy on average): at least ${s(wallFloorSeconds(total, cores) * 1000)} of wall time on ${cores} cores with every core busy, against ${s(allowedMs)} allowed (${cut === 0 ? 'within reach by running side by side' : `${Math.ceil(cut * 100)}% of the CPU has to go first`})`;
}
/** Peak RSS of the sandbox process (emulators, API) and of its worker process(es). */
const rssLine = (t: TimedSync): string => `sandbox process (emulators, API) ${mb(t.peakRss[0] ?? NaN)}, worker ${t.peakRss.slice(1).map((b) => mb(b)).join('/')}`;
const mb = (b: number): string => `${Math.round(b / 1024 / 1024)} MB`;

export function stageLine(t: TimedSync): string {
  const order = ['pull.salesforce', 'pull.zendesk', 'pull.mixpanel', 'resolve', 'score', 'writeback'];
  const keys = [...order.filter((k) => k in t.stages), ...Object.keys(t.stages).filter((k) => !order.includes(k))];
  return keys.map((k) => `${k} ${s(t.stages[k] ?? 0)}`).join(', ');
}

function pulled(t: TimedSync): string {
  return Object.entries(t.summary.sources).map(([source, v]) => `${source} ${v.records} (${v.changed} changed)`).join(', ');
}

function formatFull(r: EndToEndFull): string {
  const c = r.counts;
  return [
    `\nend to end, ${r.shape.accounts} accounts (seed ${r.shape.seed}, ${r.shape.days} days, ${r.shape.eventsPerUserDay} events per active person-day${r.shape.contactsPerAccount ? `, ${r.shape.contactsPerAccount} contacts per account` : ''}): ${c.contact} contacts, ${c.ticket} tickets, ${c.event} events; generated in ${s(r.generateMs)}; sandbox up in ${s(r.sandboxStartMs)}`,
    `  bare read+parse of the events file: ${s(r.bareParseMs)}`,
    `  sync --full --wait: ${s(r.full.wallMs)} (run ${s(r.full.summary.durationMs ?? NaN)}) -> ratio bare/full ${(r.bareParseMs / r.full.wallMs).toFixed(3)} (target >= 0.2)`,
    `    stages: ${stageLine(r.full)}`,
    `    pulled: ${pulled(r.full)}; resolved ${r.full.summary.resolved}, unmatched ${r.full.summary.unmatched}; ${r.full.summary.accountsScored} accounts scored; ${r.full.summary.fieldsWritten} fields written on ${r.full.summary.accountsWritten} accounts; ${r.full.summary.apiCalls} API calls`,
    `    peak RSS ${rssLine(r.full)}; CPU: sandbox ${(r.full.cpu[0] ?? NaN).toFixed(1)} s, worker ${r.full.cpu.slice(1).map((c) => c.toFixed(1)).join('/')} s, Redis ${(r.full.redisCpu ?? NaN).toFixed(1)} s; Redis used_memory +${mb(r.redisBytesAfterFull)}`,
    `    ${cpuFloorLine(r.full, r.bareParseMs * 5)}`,
  ].join('\n');
}
