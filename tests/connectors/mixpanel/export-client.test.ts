/**
 * The export request on node:http against a local server that misbehaves on purpose: a body that
 * stalls (idle timeout), a gzip body cut by a reset, a gzip error body, a body in deflate.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamExport } from '../../../connectors/mixpanel/export-client.ts';
import { RateLimitError, TransientError } from '../../../src/contracts/errors.ts';

const line = (i: number): string => JSON.stringify({ event: 'e', properties: { time: 1, distinct_id: 'u', $insert_id: `i${i}` } });
const body = Array.from({ length: 2000 }, (_, i) => line(i)).join('\n') + '\n';
const handlers = new Map<string, (res: ServerResponse) => void>([
  ['/stall', (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(`${line(0)}\n`); // then nothing, the socket stays open
  }],
  ['/reset-gzip', (res) => {
    const gz = gzipSync(body);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    res.write(gz.subarray(0, Math.floor(gz.length / 2)), () => setImmediate(() => res.socket?.destroy()));
  }],
  ['/limited', (res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'retry-after': '7' });
    res.end(gzipSync(JSON.stringify({ request: '/api/2.0/export', error: 'Query rate limit exceeded' })));
  }],
  ['/deflate', (res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'deflate' });
    res.end(deflateSync(body));
  }],
]);

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => handlers.get(req.url ?? '')?.(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function read(path: string, idleTimeoutMs = 5_000): Promise<number> {
  let lines = 0;
  for await (const batch of streamExport({ url: `${base}${path}`, authorization: 'Basic x', timeoutMs: 5_000, idleTimeoutMs })) lines += batch.texts.length;
  return lines;
}

describe('export request', () => {
  it('a body that stops arriving fails as stalled (transient) after the idle timeout', async () => {
    const started = Date.now();
    const err = await read('/stall', 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/stalled \(no data for 200 ms\)/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('a gzip body cut by a connection reset is transient, never a clean end', async () => {
    await expect(read('/reset-gzip')).rejects.toBeInstanceOf(TransientError);
  });

  it('reads a gzip error body for the message and Retry-After', async () => {
    const err = await read('/limited').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfterMs).toBe(7_000);
    expect((err as Error).message).toMatch(/Query rate limit exceeded/);
  });

  it('reads a deflate body whole', async () => {
    expect(await read('/deflate')).toBe(2000);
  });
});
