/**
 * The README path as real processes: `tidemark sandbox` in one process prints its URLs, starts its
 * worker process and runs a full sync; `tidemark sync --wait` from a second process (reading
 * .data/sandbox.json) runs again and writes nothing; SIGTERM shuts the sandbox and its worker
 * process down cleanly and removes its state file. A sandbox killed outright leaves no worker behind.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnTs } from '../helpers/node-process.ts';
import { dropPrefix, testRedis, uniquePrefix, TEST_REDIS_URL } from '../helpers/redis.ts';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'src', 'cli', 'main.ts');
const cwd = mkdtempSync(join(tmpdir(), 'tidemark-cli-'));
const base = uniquePrefix('cli');
const redis = testRedis();
const env = {
  ...process.env,
  REDIS_URL: TEST_REDIS_URL,
  TIDEMARK_PREFIX: base,
  TIDEMARK_PORT: '0',
  SANDBOX_SALESFORCE_PORT: '0',
  SANDBOX_ZENDESK_PORT: '0',
  SANDBOX_MIXPANEL_PORT: '0',
  LOG_LEVEL: 'warn',
  HTTP_PROXY: '',
  HTTPS_PROXY: '',
};
let sandbox: ChildProcess | null = null;

afterAll(async () => {
  sandbox?.kill('SIGKILL');
  await dropPrefix(redis, base);
  redis.disconnect();
  rmSync(cwd, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawnTs(main, args, { cwd, env: { ...env, ...extraEnv } });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('the CLI as processes', () => {
  it('sandbox, then sync --wait from a second process, then a clean SIGTERM', async () => {
    sandbox = spawnTs(main, ['sandbox'], { cwd, env });
    let out = '';
    let err = '';
    sandbox.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const firstRun = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sandbox did not finish its first run:\n${out}\n${err}`)), 60_000);
      sandbox?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (/run-\d+ (succeeded|failed) in/.test(out)) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      sandbox?.on('exit', (code) => reject(new Error(`sandbox exited early (${code}):\n${out}\n${err}`)));
    });
    expect(firstRun).toMatch(/Salesforce emulator\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(firstRun).toMatch(/run-1 succeeded in/);
    expect(firstRun).toMatch(/write-back: [1-9]\d* fields written/);
    expect(existsSync(join(cwd, '.data', 'sandbox.json'))).toBe(true);
    const workerPid = Number(/workers\s+1 process \(pid (\d+)\)/.exec(firstRun)?.[1]);
    expect(alive(workerPid)).toBe(true);

    // The second shell knows no prefix: it reads .data/sandbox.json.
    const second = await run(['sync', '--wait', '--json'], { TIDEMARK_PREFIX: '' });
    expect(second.err.replace(/npm warn.*\n/g, '')).toBe('');
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.out) as { runId: string; status: string; fieldsWritten: number; apiCalls: number };
    expect(summary).toMatchObject({ runId: 'run-2', status: 'succeeded', fieldsWritten: 0 });

    const stopped = new Promise<number | null>((resolve) => sandbox?.on('exit', resolve));
    sandbox.kill('SIGTERM');
    expect(await stopped).toBe(0);
    sandbox = null;
    expect(existsSync(join(cwd, '.data', 'sandbox.json'))).toBe(false);
    expect(alive(workerPid)).toBe(false);
  }, 120_000);

  it('a sandbox killed outright takes its worker processes with it', async () => {
    sandbox = spawnTs(main, ['sandbox', '--workers', '2', '--no-run', '--schedule', 'none'], { cwd, env });
    let out = '';
    const started = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sandbox did not start its workers:\n${out}`)), 60_000);
      sandbox?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/Tidemark workers running/g) ?? []).length === 2) {
          clearTimeout(timer);
          resolve(out);
        }
      });
    });
    const pids = (/workers\s+2 processes \(pid (\d+), (\d+)\)/.exec(started) ?? []).slice(1).map(Number);
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    sandbox.kill('SIGKILL');
    sandbox = null;
    // Their IPC channel closes with the sandbox: they stop on their own (no active job to finish).
    for (let i = 0; i < 300 && pids.some(alive); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  }, 120_000);

  it('sandbox --workers takes a count from 0 to 8 or "in-process"', async () => {
    const bad = await run(['sandbox', '--workers', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--workers must be a number of worker processes from 0 to 8/);
  }, 60_000);

  it('bad usage exits 2 and a bad setting names itself', async () => {
    const usage = await run(['sync', '--frobnicate']);
    expect(usage.code).toBe(2);
    const bad = await run(['logs'], { TIDEMARK_PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/TIDEMARK_PORT/);
  }, 60_000);
});
