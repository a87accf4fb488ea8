/**
 * The sandbox as real processes for the end-to-end and scale benchmarks: a private redis-server,
 * `tidemark sandbox` (emulators, API, in-process workers or none), `tidemark worker` processes
 * that join it, and CLI commands such as `sync --full --wait`, each spawned with
 * `node --import tsx` (the spawned PID is the program, so its /proc numbers are the program's).
 * Every process runs in its own working directory, so its .data/sandbox.json is private to the
 * benchmark and never the checkout's.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { spawnTs } from '../tests/helpers/node-process.ts';
import { withWorkerNodeFlags } from '../src/runtime/node-flags.ts';
import { readSandboxState, type SandboxState } from '../src/sandbox/state-file.ts';
import { ensureRedis } from '../src/sandbox/redis-bootstrap.ts';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

/** Polls `check` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, check: () => T | null | Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Environment of the spawned programs: no proxies (loopback traffic), ephemeral ports, the sandbox's prefix from its state file. */
function childEnv(redisUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redisUrl, TIDEMARK_PORT: '0', SANDBOX_SALESFORCE_PORT: '0', SANDBOX_ZENDESK_PORT: '0', SANDBOX_MIXPANEL_PORT: '0' };
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'TIDEMARK_PREFIX']) delete env[name];
  return env;
}

export interface BenchRedis {
  url: string;
  /** INFO memory used_memory in bytes. */
  usedMemory(): Promise<number>;
  /** INFO cpu: the server's CPU time so far (user + system, main and background threads), seconds. */
  cpuSeconds(): Promise<number>;
  /** INFO commandstats: time spent in each command since the last CONFIG RESETSTAT (scripts count as EVALSHA), busiest first. */
  commandStats(): Promise<Array<{ command: string; calls: number; seconds: number }>>;
  /** CONFIG RESETSTAT. */
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private redis-server (AOF on, as the sandbox's own) on a free port, so its used_memory
 * belongs to the benchmark alone and other users of the shared Redis neither see nor disturb it.
 */
export async function privateRedis(dir: string): Promise<BenchRedis> {
  // ensureRedis starts a private redis-server under dir when nothing answers at the URL it is given.
  const handle = await ensureRedis('redis://127.0.0.1:1', dir);
  if (!handle.private) throw new Error('expected a private redis-server');
  const client = new Redis(handle.url, { maxRetriesPerRequest: null });
  return {
    url: handle.url,
    async usedMemory() {
      const info = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
    },
    async commandStats() {
      const info = await client.info('commandstats');
      const out: Array<{ command: string; calls: number; seconds: number }> = [];
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.push({ command: m[1] as string, calls: Number(m[2]), seconds: Number(m[3]) / 1e6 });
      return out.sort((a, b) => b.seconds - a.seconds);
    },
    async resetStats() {
      await client.config('RESETSTAT');
    },
    async cpuSeconds() {
      const info = await client.info('cpu');
      return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? NaN) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? NaN);
    },
    async stop() {
      client.disconnect();
      await handle.stop();
    },
  };
}

/** What the benchmarks read of a process. */
export interface Watched {
  pid: number;
  /** Peak resident set (VmHWM) since start or the last resetPeak(), in bytes. */
  peakRss(): number;
  /** Resets VmHWM to the current RSS (Linux clear_refs 5); false when the kernel refuses. */
  resetPeak(): boolean;
  /** CPU time (user + system) the process has used so far, seconds. */
  cpuSeconds(): number;
}

export interface Proc extends Watched {
  child: ChildProcess;
  /** Its working directory (the sandbox's state file lives under it). */
  cwd: string;
  logFile: string;
  stop(): Promise<void>;
}

function vmHwm(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15, after the parenthesized command name), at 100 ticks per second. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A running process by pid (a sandbox's worker child). */
export function watchPid(pid: number): Watched {
  return {
    pid,
    peakRss: () => vmHwm(pid),
    cpuSeconds: () => cpuOf(pid),
    resetPeak: () => {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** The child processes of a process (Linux /proc/<pid>/task/<tid>/children). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

function spawnProc(cwd: string, name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  mkdirSync(cwd, { recursive: true });
  const logFile = join(cwd, `${name}.log`);
  const fd = openSync(logFile, 'a');
  // As `npm start` and `npm run tidemark -- worker` start them: with a worker's V8 flags.
  const child = spawnTs(MAIN, args, { cwd, env, stdio: ['ignore', fd, fd] }, withWorkerNodeFlags([], env.NODE_OPTIONS ?? ''));
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  return {
    ...watchPid(pid),
    child,
    cwd,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const logTail = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : '');

/** Fails fast with the program's output when it exits before it is ready. */
function alive(proc: Proc, what: string): void {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${what} exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${logTail(proc.logFile)}`);
}

export interface SandboxProc extends Proc {
  state: SandboxState;
  /** Its worker processes (`--workers N`), once each has said it runs. */
  workers: Watched[];
}

/**
 * `tidemark sandbox --dataset DIR --no-run --schedule none --workers W`, ready when its state file
 * names it and each of its worker processes (W = N) logged that it runs.
 */
export async function startSandboxProc(cwd: string, datasetDir: string, redisUrl: string, options: { workers: number | 'in-process'; timeoutMs?: number; prefixBase?: string; env?: Record<string, string> }): Promise<SandboxProc> {
  const args = ['sandbox', '--dataset', datasetDir, '--no-run', '--schedule', 'none', '--workers', String(options.workers)];
  // TIDEMARK_PREFIX only for the sandbox itself (the base of its derived prefix); the CLI and workers read its state file.
  const proc = spawnProc(cwd, 'sandbox', args, { ...childEnv(redisUrl), ...(options.prefixBase ? { TIDEMARK_PREFIX: options.prefixBase } : {}), ...options.env });
  const statePath = join(cwd, '.data', 'sandbox.json');
  try {
    const state = await until('the sandbox to start', options.timeoutMs ?? 600_000, () => {
      alive(proc, 'the sandbox');
      const s = existsSync(statePath) ? readSandboxState(statePath) : null;
      return s && s.pid === proc.pid ? s : null;
    });
    const expected = options.workers === 'in-process' ? 0 : options.workers;
    await until('the sandbox worker processes to start', options.timeoutMs ?? 600_000, () => {
      alive(proc, 'the sandbox');
      const running = readFileSync(proc.logFile, 'utf8').split('Tidemark workers running').length - 1;
      return running >= expected ? true : null;
    });
    return { ...proc, state, workers: childPids(proc.pid).map(watchPid) };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

/** `tidemark worker` in the sandbox's directory: it joins the running sandbox. */
export async function startWorkerProc(cwd: string, redisUrl: string, n: number, env: Record<string, string> = {}): Promise<Proc> {
  const proc = spawnProc(cwd, `worker-${n}`, ['worker'], { ...childEnv(redisUrl), ...env });
  try {
    await until(`worker ${n} to start`, 120_000, () => {
      alive(proc, `worker ${n}`);
      return readFileSync(proc.logFile, 'utf8').includes('Tidemark workers running') ? true : null;
    });
    return proc;
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

/** Runs one CLI command to its end in `cwd` (the sandbox's directory); wall time includes process start. */
export async function runCli(cwd: string, redisUrl: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; ms: number }> {
  const started = performance.now();
  const child = spawnTs(MAIN, args, { cwd, env: childEnv(redisUrl), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number>((done) => child.once('exit', (c) => done(c ?? 1)));
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`tidemark ${args.join(' ')} exited with ${code}:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  return { code, stdout, ms };
}
