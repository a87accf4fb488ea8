/**
 * Horizontal scale: the same full sync (`sync --full --wait`) of one generated dataset with 1, 2
 * and 4 `tidemark worker` processes sharing one Redis, the sandbox started with `--workers 0`
 * (emulators and API only). Each configuration starts from a fresh sandbox and Redis, so every run
 * does the same work; throughput is records pulled per second of the command's wall time.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { GenerateSummary } from '../src/sandbox/generator/index.ts';
import { privateRedis, startSandboxProc, startWorkerProc, type Proc, type SandboxProc } from './sandbox-procs.ts';
import { bestRatio, wallFloorSeconds } from './cpu-floor.ts';
import { stageLine, timedSync, type TimedSync } from './end-to-end.ts';

export interface ScaleRow {
  workers: number;
  sync: TimedSync;
  records: number;
}

export async function benchScale(root: string, summary: GenerateSummary, workerCounts: number[], timeoutMs: number): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const n of workerCounts) {
    const redis = await privateRedis(join(root, `scale-redis-${n}`));
    let sandbox: SandboxProc | null = null;
    const workers: Proc[] = [];
    try {
      const cwd = join(root, `scale-${n}`);
      sandbox = await startSandboxProc(cwd, summary.dir, redis.url, { workers: 0 });
      for (let i = 0; i < n; i += 1) workers.push(await startWorkerProc(cwd, redis.url, i + 1));
      const sync = await timedSync(sandbox, redis.url, true, [...workers, sandbox], timeoutMs, () => redis.cpuSeconds());
      const records = Object.values(sync.summary.sources).reduce((sum, v) => sum + v.records, 0);
      rows.push({ workers: n, sync, records });
    } finally {
      for (const w of workers) await w.stop();
      await sandbox?.stop();
      await redis.stop();
    }
  }
  return rows;
}

export function formatScale(accounts: number, rows: ScaleRow[]): string {
  const base = rows[0];
  const cores = availableParallelism();
  const lines = [`\nhorizontal scale, ${accounts} accounts, sync --full --wait with N \`worker\` processes (sandbox --workers 0):`];
  for (const r of rows) {
    const perSecond = (r.records / r.sync.wallMs) * 1000;
    const ratio = base ? base.sync.wallMs / r.sync.wallMs : NaN;
    // The last watched process is the sandbox (emulators + API); the others are the workers.
    const rss = r.sync.peakRss.slice(0, -1).map((b) => `${Math.round(b / 1024 / 1024)}`).join('/');
    const cpu = r.sync.cpu.slice(0, -1).map((c) => c.toFixed(1)).join('/');
    const total = r.sync.cpu.reduce((a, b) => a + b, 0) + (r.sync.redisCpu ?? 0);
    lines.push(`  ${r.workers} worker${r.workers === 1 ? '' : 's'}: ${(r.sync.wallMs / 1000).toFixed(1)} s, ${Math.round(perSecond)} records/s -> throughput ratio ${ratio.toFixed(2)} vs 1; peak RSS per worker ${rss} MB`);
    lines.push(`    CPU during the sync: workers ${cpu} s, sandbox (emulators) ${(r.sync.cpu.at(-1) ?? NaN).toFixed(1)} s, Redis ${(r.sync.redisCpu ?? NaN).toFixed(1)} s; ${(total / (r.sync.wallMs / 1000)).toFixed(2)} cores busy on average`);
    // The most this run could gain on this machine: its CPU spread evenly over every core.
    if (base && r !== base) lines.push(`    with every one of the ${cores} cores busy all along, this run's CPU would still take ${wallFloorSeconds(total, cores).toFixed(1)} s: ratio at most ${bestRatio(base.sync.wallMs / 1000, total, cores).toFixed(2)} here`);
    lines.push(`    stages: ${stageLine(r.sync)}`);
  }
  return lines.join('\n');
}
