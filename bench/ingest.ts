/**
 * Mixpanel ingest through the real path against the bare limit on the same file (read it and
 * JSON.parse each line, nothing else).
 *
 * Real path: the Mixpanel emulator in its own process serves the raw export over HTTP (gzip) ->
 * connectors/mixpanel streaming reader, raw event check, per-day aggregation with exact
 * de-duplication -> RecordStore.upsert of each day page into Redis -> the page's activities
 * resolved to accounts with the identity rules (src/identity; profiles resolved first, as the
 * resolve stage orders them) -> the usage signals of every account the activities resolved to
 * (src/signals computeSignals). Memory is the peak RSS growth (the kernel's VmHWM, reset at the start).
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawn } from 'node:child_process';
import { mixpanelConfigSchema } from '../connectors/mixpanel/config.ts';
import { activitiesStream } from '../connectors/mixpanel/streams/activities.ts';
import type { MixpanelActivity, MixpanelProfile, SalesforceAccount } from '../src/contracts/records.ts';
import { buildIdentityIndex, parentsOf, resolveAll, resolveOne, toSalesforceId18, type IdentityIndex, type Parents } from '../src/identity/index.ts';
import { computeSignals } from '../src/signals/compute-signals.ts';
import type { AccountBundle } from '../src/signals/account-bundle.ts';
import { LineWriter } from '../src/sandbox/generator/line-writer.ts';
import { RecordStore } from '../src/store/record-store.ts';
import { connectRedis, clearPrefix } from '../src/store/redis.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { withWorkerNodeFlags } from '../src/runtime/node-flags.ts';
import { watchPid } from './sandbox-procs.ts';

export const NOW = new Date('2026-11-20T12:00:00Z');
const ACCOUNTS = 500;

const accountId = (n: number): string => toSalesforceId18(`001BENCH${String(n).padStart(7, '0')}`) as string;
/** The account of bench user k: every user works at one of ACCOUNTS companies. */
const accountOfUser = (k: number): number => k % ACCOUNTS;

/**
 * Events of `users` people, runs of `perPersonDay` per person (8: a busy product's rhythm), over `days` days
 * before NOW, in time order; a third carry their account's id (the explicit rule), the rest
 * resolve through their profile's email domain. Also writes the accounts and profiles the
 * resolve step reads (bench/accounts.json, mixpanel/profiles.jsonl).
 */
export async function writeEvents(dir: string, events: number, users = 5_000, days = 30, perPersonDay = 8): Promise<string> {
  await mkdir(join(dir, 'mixpanel'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'bench', generatedAt: NOW.toISOString() }));
  await writeFile(join(dir, 'bench-identity.json'), JSON.stringify({ users, accounts: ACCOUNTS }));
  const profiles = new LineWriter(join(dir, 'mixpanel', 'profiles.jsonl'));
  for (let k = 0; k < users; k += 1) await profiles.write({ $distinct_id: `user-${k}`, $properties: { $email: `person${k}@company${accountOfUser(k)}.com` } });
  await profiles.close();
  const w = new LineWriter(join(dir, 'mixpanel', 'events.jsonl'));
  const start = NOW.getTime() / 1000 - (days - 1) * 86400;
  for (let i = 0; i < events; i += 1) {
    const user = Math.floor(i / perPersonDay) % users;
    await w.write({ event: `feature_${i % 12}`, properties: { time: Math.floor(start + ((i * (days - 1) * 86400) / events)), distinct_id: `user-${user}`, $insert_id: `ins-${i}`, account_id: i % 3 === 0 ? accountId(accountOfUser(user)) : undefined, $browser: 'Chrome', $os: 'Linux' } });
  }
  await w.close();
  return join(dir, 'mixpanel', 'events.jsonl');
}

/** The CRM side the resolve step needs: accounts with websites, and the users' profiles (already pulled). */
async function identityInputs(dir: string): Promise<{ index: IdentityIndex; profiles: Parents; accounts: Map<string, SalesforceAccount> }> {
  const { users, accounts: count } = JSON.parse(await readFile(join(dir, 'bench-identity.json'), 'utf8')) as { users: number; accounts: number };
  const accounts: SalesforceAccount[] = Array.from({ length: count }, (_, n) => ({
    kind: 'salesforce.account', id: accountId(n), name: `Company ${n}`, website: `https://www.company${n}.com`, emailDomains: [], licensedSeats: 20, renewalDate: null,
    ownerId: null, csmId: null, industry: null, employees: 200, isDeleted: false, masterRecordId: null, modstamp: '2026-01-01T00:00:00Z', fields: {},
  }));
  const index = buildIdentityIndex({ accounts, contacts: [], zendeskOrganizations: [], manualRules: [] });
  const mixpanelProfiles: MixpanelProfile[] = Array.from({ length: users }, (_, k) => ({ kind: 'mixpanel.profile', id: `user-${k}`, email: `person${k}@company${accountOfUser(k)}.com`, accountId: null }));
  const profiles = resolveAll(index, { zendeskOrganizations: [], zendeskUsers: [], zendeskTickets: [], mixpanelProfiles, mixpanelActivities: [], surveyResponses: [] });
  return { index, profiles: parentsOf(profiles), accounts: new Map(accounts.map((a) => [a.id, a])) };
}

/**
 * Peak RSS growth: the kernel's high-water mark (VmHWM), reset to the current RSS when the
 * measurement starts (Linux clear_refs 5), read when it ends: exact, and no CPU spent in the
 * measured process. Where the kernel refuses the reset, RSS sampled every 20 ms.
 */
function rssPeak(): { stop(): number } {
  const base = process.memoryUsage.rss();
  if (watchPid(process.pid).resetPeak()) {
    return { stop: () => Math.max(0, watchPid(process.pid).peakRss() - base) };
  }
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(0, Math.max(peak, process.memoryUsage.rss()) - base);
    },
  };
}

export interface BareResult {
  ms: number;
  lines: number;
  cpuSeconds: number;
}

export async function bareParse(file: string): Promise<BareResult> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let lines = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line) {
      JSON.parse(line);
      lines += 1;
    }
  }
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, lines, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** CPU seconds a process has used so far (Linux /proc; null elsewhere). */
async function cpuSecondsOf(pid: number | undefined): Promise<number | null> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The Mixpanel emulator in a child process, as the remote API would be. */
async function startRemoteEmulator(dir: string): Promise<{ url: string; cpuSeconds(): Promise<number | null>; stop(): void }> {
  // node --import tsx directly (no tsx wrapper process); TIDEMARK_BENCH_EMULATOR_NODE_ARGS adds
  // node flags to the emulator process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const extra = (process.env.TIDEMARK_BENCH_EMULATOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', join(import.meta.dirname, 'emulator-process.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
  });
  return { url, cpuSeconds: () => cpuSecondsOf(child.pid), stop: () => child.kill('SIGTERM') };
}

export interface RealPathResult {
  ms: number;
  /** Day activities landed in Redis. */
  activities: number;
  /** Activities resolved to an account, and the accounts whose usage signals were computed. */
  resolved: number;
  accountsUpdated: number;
  /** Sum of events30d over the updated accounts (a check that the signals saw the events). */
  events30d: number;
  peakRssBytes: number;
  /** CPU the emulator process spent during the measurement, and the measuring process. */
  emulatorCpuSeconds: number | null;
  clientCpuSeconds: number;
  phases: { pullMs: number; upsertMs: number; resolveMs: number; signalsMs: number };
}

export async function realPath(dir: string, redisUrl: string, prefix: string, days = 30): Promise<RealPathResult> {
  const remote = await startRemoteEmulator(dir);
  const { url } = remote;
  const redis = connectRedis(redisUrl);
  const store = new RecordStore(redis, prefix);
  const config = mixpanelConfigSchema.parse({ projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', exportBaseUrl: url, queryBaseUrl: url, backfillDays: Math.min(365, days + 1), maxDaysPerRequest: 30 });
  const identity = await identityInputs(dir);
  const emulatorCpuBefore = await remote.cpuSeconds();
  const cpuBefore = process.cpuUsage();
  const sampler = rssPeak();
  const started = performance.now();
  const phases = { pullMs: 0, upsertMs: 0, resolveMs: 0, signalsMs: 0 };
  let activities = 0;
  let resolved = 0;
  // The signal inputs: each account's resolved activities (day aggregates, not events) of the
  // days the usage signals read (30-day window and the 30 days before it), plus its latest
  // older activity (days since last activity), so they do not grow with the backfill's days.
  const byAccount = new Map<string, { recent: MixpanelActivity[]; latestOlder: MixpanelActivity | null }>();
  const oldestKept = new Date(NOW.getTime() - 61 * 86_400_000).toISOString().slice(0, 10);
  try {
    let mark = performance.now();
    for await (const page of activitiesStream.pull({ config, checkpoint: null, full: true, now: NOW, log: silentLogger() })) {
      let t = performance.now();
      phases.pullMs += t - mark;
      await store.upsert('mixpanel.activity', page.records, { partition: page.partition });
      phases.upsertMs += performance.now() - t;
      t = performance.now();
      for (const activity of page.records) {
        const r = resolveOne(identity.index, activity, identity.profiles, false);
        if (r.accountId === null) continue;
        resolved += 1;
        let inputs = byAccount.get(r.accountId);
        if (!inputs) {
          inputs = { recent: [], latestOlder: null };
          byAccount.set(r.accountId, inputs);
        }
        if (activity.day >= oldestKept) inputs.recent.push(activity);
        else if (!inputs.latestOlder || activity.day > inputs.latestOlder.day) inputs.latestOlder = activity;
      }
      activities += page.records.length;
      mark = performance.now();
      phases.resolveMs += mark - t;
    }
    const t = performance.now();
    let events30d = 0;
    for (const [id, inputs] of byAccount) {
      const account = identity.accounts.get(id);
      if (!account) continue;
      const activities = inputs.latestOlder ? [...inputs.recent, inputs.latestOlder] : inputs.recent;
      const bundle: AccountBundle = { account, contacts: [], opportunities: [], lineItems: [], users: new Map(), activities, tickets: [], surveys: [], sources: { mixpanel: true, zendesk: false, surveys: false } };
      events30d += computeSignals(bundle, NOW).events30d ?? 0;
    }
    phases.signalsMs = performance.now() - t;
    const ms = performance.now() - started;
    const peakRssBytes = sampler.stop();
    const cpu = process.cpuUsage(cpuBefore);
    const emulatorCpuAfter = await remote.cpuSeconds();
    return {
      ms, activities, resolved, accountsUpdated: byAccount.size, events30d, peakRssBytes, phases,
      emulatorCpuSeconds: emulatorCpuBefore === null || emulatorCpuAfter === null ? null : emulatorCpuAfter - emulatorCpuBefore,
      clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await clearPrefix(redis, prefix);
    redis.disconnect();
    remote.stop();
  }
}

/** The lines `npm run bench` prints for the ingest comparison. */
export function formatIngest(bare: BareResult, real: RealPathResult): string[] {
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return [
    `\ningest, ${bare.lines} events: bare read+parse ${s(bare.ms)} (${Math.round((bare.lines / bare.ms) * 1000)}/s); real path ${s(real.ms)} (${Math.round((bare.lines / real.ms) * 1000)}/s) -> ${real.activities} day activities, ${real.resolved} resolved, usage signals of ${real.accountsUpdated} accounts (events30d total ${real.events30d})`,
    `  phases: export+parse+aggregate ${s(real.phases.pullMs)}, Redis upserts ${s(real.phases.upsertMs)}, resolve ${s(real.phases.resolveMs)}, signals ${s(real.phases.signalsMs)}; CPU: this process ${real.clientCpuSeconds.toFixed(2)} s, emulator process ${real.emulatorCpuSeconds === null ? 'n/a' : `${real.emulatorCpuSeconds.toFixed(2)} s`}`,
    `  ratio real/bare rate: ${(bare.ms / real.ms).toFixed(2)} (target >= 0.5); peak RSS growth ${mb(real.peakRssBytes)}`,
    // On a loaded machine wall time measures the other processes too; CPU seconds do not (the
    // bare parse's against the real path's own, and with the emulator's added).
    `  CPU ratio (bare ${bare.cpuSeconds.toFixed(2)} s): real path process ${(bare.cpuSeconds / real.clientCpuSeconds).toFixed(2)}, with the emulator ${real.emulatorCpuSeconds === null ? 'n/a' : (bare.cpuSeconds / (real.clientCpuSeconds + real.emulatorCpuSeconds)).toFixed(2)}`,
  ];
}

/**
 * One measurement in a fresh process (bench/ingest-process.ts) with the V8 flags a worker runs with
 * (src/runtime/node-flags.ts): one measurement's heap does not hide the next one's growth, and
 * the bare pass and the real path run under the same flags.
 */
async function inProcess<T>(args: string[]): Promise<T> {
  const child = spawn(process.execPath, [...withWorkerNodeFlags(['--import', 'tsx']), join(import.meta.dirname, 'ingest-process.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`ingest process exited with ${code}`);
  return JSON.parse(out) as T;
}

export const bareParseInProcess = (file: string): Promise<BareResult> => inProcess<BareResult>(['bare', file]);
export const realPathInProcess = (dir: string, redisUrl: string, prefix: string, days = 30): Promise<RealPathResult> => inProcess<RealPathResult>(['real', dir, redisUrl, prefix, String(days)]);

/**
 * Peak memory as the file grows from N/2 to 2N events (1M vs 4M for --events 2000000), each
 * measured in a fresh process: (a) a longer backfill at the same daily volume (60 vs 240 days,
 * requests of at most 30 days), which the request window keeps flat; (b) the same people and days
 * with four times the events per person-day (the same day activities), where the exact
 * de-duplication state (one entry per event with an $insert_id, for the days of one request)
 * would grow with the events of a request, but the requests' days follow the density (decision
 * 0006: about 1,000,000 export lines a request). The base spans 60 days because the
 * usage signals read 60 days: their inputs (resolved day activities) grow up to 60 days of a
 * backfill and then stay flat.
 */
export async function benchMemory(root: string, events: number, redisUrl: string, prefix: string, runs = 3): Promise<string[]> {
  const small = Math.round(events / 2);
  const large = small * 4;
  const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const cases = [
    { name: 'base', events: small, days: 60, perPersonDay: 8 },
    { name: 'longer', events: large, days: 240, perPersonDay: 8 },
    { name: 'denser', events: large, days: 60, perPersonDay: 32 },
  ];
  for (const c of cases) await writeEvents(join(root, c.name), c.events, 5_000, c.days, c.perPersonDay);
  // A peak depends on when the garbage collector ran (tens of MB from one process to the next):
  // each case runs `runs` times, the cases taking turns, and the median is compared.
  const peaks = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let run = 0; run < runs; run += 1) {
    for (const c of cases) peaks.get(c.name)?.push((await realPathInProcess(join(root, c.name), redisUrl, `${prefix}:${c.name}`, c.days)).peakRssBytes);
  }
  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  const show = (name: string): string => {
    const xs = peaks.get(name) ?? [];
    return `${mb(median(xs))} (runs ${xs.map(mb).join(', ')})`;
  };
  const base = median(peaks.get('base') ?? []);
  const ratio = (name: string): string => (median(peaks.get(name) ?? []) / Math.max(1, base)).toFixed(2);
  return [
    `\nmemory, real path, peak RSS growth, median of ${runs} fresh processes per case: ${small} events in 60 days ${show('base')}`,
    `  ${large} events in 240 days (longer backfill, same daily volume): ${show('longer')} -> ratio ${ratio('longer')} (target < 1.2)`,
    `  ${large} events in 60 days (same people and days, 4x the events per person-day): ${show('denser')} -> ratio ${ratio('denser')} (target < 1.2; fewer days a request as the days get denser)`,
  ];
}
