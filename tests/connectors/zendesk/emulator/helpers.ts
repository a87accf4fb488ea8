/** Small datasets in a temp directory and a running Zendesk emulator for the tests. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Server } from 'node:http';
import { loadDataset, type Dataset } from '../../../../src/sandbox/dataset.ts';
import { closeServer, listen } from '../../../../src/sandbox/emulator-kit/index.ts';
import { createZendeskEmulator, type ZendeskEmulator } from '../../../../connectors/zendesk/emulator/index.ts';

export const AUTH = `Basic ${Buffer.from('sandbox@example.com/token:sandbox').toString('base64')}`;

export async function writeDataset(files: Record<string, unknown[]>, generatedAt = new Date().toISOString()): Promise<{ dataset: Dataset; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-zd-'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'test', generatedAt }));
  for (const [file, records] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  return { dataset: await loadDataset(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface Running {
  url: string;
  emulator: ZendeskEmulator;
  server: Server;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json(path: string): Promise<Record<string, unknown>>;
  control(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startZendesk(dataset: Dataset, limits: 'relaxed' | 'real' = 'relaxed'): Promise<Running> {
  const emulator = createZendeskEmulator({ dataset, seed: 7, limits });
  const { server, url } = await listen(emulator.app, 0);
  const get = (path: string, headers: Record<string, string> = { authorization: AUTH }): Promise<Response> =>
    fetch(path.startsWith('http') ? path : `${url}${path}`, { headers });
  return {
    url,
    emulator,
    server,
    get,
    async json(path) {
      const res = await get(path);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    control: (method, path, body) =>
      fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
    close: () => closeServer(server),
  };
}

export const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Recursive type shape: objects -> keys -> shapes, arrays -> shape of the first element. */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? ['empty'] : [shapeOf(value[0])];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  return typeof value;
}

export function asArray(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>[];
}
