/**
 * A transparent TCP proxy in front of Redis that lands a crash at an exact point of a worker's
 * work: a worker whose REDIS_URL is the tap's sends every command through it; when the bytes a
 * client sends contain `marker` for the `occurrence`-th time (a key name, e.g. `<prefix>:scores:`),
 * the tap calls `onFire` (SIGKILL the worker) *before* forwarding that chunk, then forwards nothing
 * more and closes every connection. So the command carrying the marker, and anything after it,
 * never reaches Redis: the state is exactly the one of a process killed at that point (the few
 * commands batched into the same chunk before the marker are dropped with it, which is a kill a
 * moment earlier). No timing is involved.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export class RedisTap {
  private readonly sockets = new Set<Socket>();
  private armedWith: { marker: Buffer; remaining: number; onFire: () => void; fired: () => void } | null = null;
  private cut = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(redisUrl: string): Promise<RedisTap> {
    const target = new URL(redisUrl);
    const host = target.hostname || '127.0.0.1';
    const port = Number(target.port || 6379);
    let tap: RedisTap | null = null;
    const server = createServer((client) => tap?.accept(client, host, port));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(redisUrl);
    url.hostname = '127.0.0.1';
    url.port = String((server.address() as AddressInfo).port);
    tap = new RedisTap(server, url.toString());
    return tap;
  }

  /** Resolves once the marker's occurrence-th appearance fired (onFire already called). */
  arm(marker: string, occurrence: number, onFire: () => void): Promise<void> {
    return new Promise<void>((fired) => {
      this.armedWith = { marker: Buffer.from(marker), remaining: occurrence, onFire, fired };
    });
  }

  get hasFired(): boolean {
    return this.cut;
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = connect(port, host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (this.cut) return;
      const armed = this.armedWith;
      if (armed) {
        // Search across chunk boundaries: keep the last marker.length - 1 bytes of the previous chunk.
        const window = Buffer.concat([tail, chunk]);
        tail = window.subarray(Math.max(0, window.length - armed.marker.length + 1));
        for (let at = window.indexOf(armed.marker); at !== -1; at = window.indexOf(armed.marker, at + armed.marker.length)) {
          // A match lying wholly inside the kept tail was counted with the previous chunk.
          if (at + armed.marker.length <= window.length - chunk.length) continue;
          armed.remaining -= 1;
          if (armed.remaining === 0) {
            this.fire(armed);
            return;
          }
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!this.cut) client.write(chunk);
    });
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  }

  private fire(armed: NonNullable<RedisTap['armedWith']>): void {
    this.cut = true;
    this.armedWith = null;
    armed.onFire();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    armed.fired();
  }

  async close(): Promise<void> {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
