/**
 * Redis for `npm start`: the one answering at REDIS_URL, else a private redis-server (AOF on,
 * data under .data/redis) started here and stopped on exit, else a clear error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfigError } from '../contracts/errors.ts';
import { redisAnswers } from '../store/redis.ts';

export interface RedisHandle {
  url: string;
  private: boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
    srv.on('error', reject);
  });
}

export function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function ensureRedis(url: string, dataDir: string): Promise<RedisHandle> {
  if (await redisAnswers(url)) return { url, private: false, stop: async () => undefined };
  if (!redisServerOnPath()) {
    throw new ConfigError(
      `No Redis answers at REDIS_URL=${url} and redis-server is not on PATH.\n` +
        '  Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)\n' +
        '  or set REDIS_URL to a running Redis (e.g. REDIS_URL=redis://host:6379).',
    );
  }
  const dir = resolve(join(dataDir, 'redis'));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(privateUrl, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ConfigError(`Started redis-server on port ${port} but it did not answer; check ${dir} is writable`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: privateUrl,
    private: true,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
