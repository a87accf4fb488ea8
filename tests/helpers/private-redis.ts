/**
 * A private redis-server for tests that kill Redis itself: its own port and temp directory, AOF on
 * (`appendfsync` chosen by the test), no RDB snapshots. kill() is SIGKILL (no shutdown save: what
 * survives is what the AOF had on disk); start() again comes back on the same port and directory
 * and reloads the AOF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../../src/store/redis.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class PrivateRedis {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'tidemark-redis-'));
  /** Times the server was started (1 after create). */
  starts = 0;

  private constructor(
    readonly port: number,
    private readonly appendfsync: 'always' | 'everysec',
  ) {}

  static async create(appendfsync: 'always' | 'everysec'): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), appendfsync);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', this.appendfsync, '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction'],
      { stdio: 'ignore' },
    );
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 15_000;
    // PING answers only once the AOF is loaded (LOADING errors before that).
    while (!(await redisAnswers(this.url, 500))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within 15 s`);
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.starts += 1;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.child = null;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
