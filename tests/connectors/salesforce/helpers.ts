/** A running Salesforce emulator over a small dataset in a temp dir, and a jsforce connection to it. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import jsforce from 'jsforce';
import { loadDataset } from '../../../src/sandbox/dataset.ts';
import { closeServer, listen } from '../../../src/sandbox/emulator-kit/index.ts';
import { createSalesforceEmulator, type SalesforceEmulator, type SalesforceEmulatorOptions } from '../../../connectors/salesforce/emulator/index.ts';

export interface RunningSalesforce {
  url: string;
  emulator: SalesforceEmulator;
  server: Server;
  connect(): Promise<jsforce.Connection>;
  control(method: string, path: string, body?: unknown): Promise<Response>;
  stats(): Promise<Record<string, Record<string, number>>>;
  close(): Promise<void>;
}

export async function startSalesforce(objects: Record<string, Array<Record<string, unknown>>>, options: Omit<SalesforceEmulatorOptions, 'dataset'> = {}, generatedAt = '2026-11-20T12:00:00.000Z'): Promise<RunningSalesforce> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-sf-'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'sf-test', generatedAt }));
  await mkdir(join(dir, 'salesforce'), { recursive: true });
  for (const [sobject, records] of Object.entries(objects)) await writeFile(join(dir, 'salesforce', `${sobject}.jsonl`), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const emulator = createSalesforceEmulator({ dataset: await loadDataset(dir), ...options });
  const { server, url } = await listen(emulator.app, 0);
  return {
    url,
    emulator,
    server,
    async connect() {
      const conn = new jsforce.Connection({ oauth2: { loginUrl: url, clientId: 'sandbox', clientSecret: 'sandbox' }, version: '62.0' });
      await conn.authorize({ grant_type: 'client_credentials' });
      return conn;
    },
    control: (method, path, body) => fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }),
    async stats() {
      return ((await (await fetch(`${url}/__sandbox/stats`)).json()) as { calls: Record<string, Record<string, number>> }).calls;
    },
    async close() {
      await closeServer(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const sfId = (prefix: string, n: number): string => `${prefix}${String(n).padStart(12, '0')}AAA`;
