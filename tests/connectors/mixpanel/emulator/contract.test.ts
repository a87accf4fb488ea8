/** Replays the real Mixpanel samples (fixtures/api-samples/mixpanel): same lines, keys, types and statuses. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { loadDataset } from '../../../../src/sandbox/dataset.ts';
import { closeServer, listen } from '../../../../src/sandbox/emulator-kit/index.ts';
import { createMixpanelEmulator } from '../../../../connectors/mixpanel/emulator/index.ts';
import { sharedPath } from '../../../helpers/shared-dir.ts';

const DIR = sharedPath('fixtures', 'api-samples', 'mixpanel');
const AUTH = { authorization: `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}` };
const EXPORTS = ['export_raw.mixpanel_docs.ndjson', 'export_raw.airbyte_docstring.ndjson', 'export_raw.camunda_docs.ndjson', 'export_raw.adobe_aep_docs.ndjson'];

function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? ['empty'] : [shapeOf(value[0])];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  return typeof value;
}
const readJson = async (file: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(DIR, file), 'utf8')) as Record<string, unknown>;
const fileLines = async (file: string): Promise<string[]> => (await readFile(join(DIR, file), 'utf8')).split('\n').filter((l) => l.trim() !== '');

let dir: string;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-mp-contract-'));
  await mkdir(join(dir, 'mixpanel'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'contract', generatedAt: new Date().toISOString() }));
  const all: string[] = [];
  for (const file of EXPORTS) all.push(...(await fileLines(file)));
  await writeFile(join(dir, 'mixpanel', 'events.jsonl'), all.join('\n') + '\n');
  const engage = await readJson('engage_query.airbyte_fixture.json');
  await writeFile(join(dir, 'mixpanel', 'profiles.jsonl'), (engage.results as unknown[]).map((r) => JSON.stringify(r)).join('\n') + '\n');
  const emulator = createMixpanelEmulator({ dataset: await loadDataset(dir), seed: 5, limits: 'real' });
  ({ server, url } = await listen(emulator.app, 0));
});
afterAll(async () => {
  await closeServer(server);
  await rm(dir, { recursive: true, force: true });
});

describe('Mixpanel contract', () => {
  it.each(EXPORTS)('serves the lines of %s verbatim', async (file) => {
    const expected = await fileLines(file);
    const times = expected.map((l) => ((JSON.parse(l) as { properties: { time: number } }).properties.time));
    const day = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);
    const res = await fetch(`${url}/api/2.0/export?project_id=1&from_date=${day(Math.min(...times))}&to_date=${day(Math.max(...times))}`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const got = (await res.text()).split('\n').filter((l) => l !== '');
    expect([...got].sort()).toEqual([...expected].sort());
    // the clock advances past the 3/s limit between cases
    await fetch(`${url}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advanceSeconds: 2 }) });
  });

  it.each(['engage_query.airbyte_fixture.json', 'engage_query.docs.json'])('engage answers in the shape of %s', async (file) => {
    const fixture = await readJson(file);
    const res = await fetch(`${url}/api/query/engage?project_id=1`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const { results: _r, ...top } = body;
    const { results: _f, ...fixtureTop } = fixture;
    void _r;
    void _f;
    expect(shapeOf(top)).toEqual(shapeOf(fixtureTop));
    const result = (body.results as Array<Record<string, unknown>>)[0];
    expect(Object.keys(result ?? {}).sort()).toEqual(['$distinct_id', '$properties']);
    if (file.startsWith('engage_query.airbyte')) expect(body.results).toEqual(fixture.results);
  });

  it('errors carry the fixture keys', async () => {
    const range = await fetch(`${url}/api/2.0/export?project_id=1&from_date=2010-01-01&to_date=2020-01-01`, { headers: AUTH });
    expect(range.status).toBe(400);
    const fixture = await readJson('error_date_range_exceeds_365_days.json');
    const body = (await range.json()) as Record<string, unknown>;
    expect(shapeOf(body)).toEqual(shapeOf(fixture));
    expect(body.error).toBe(fixture.error);
    const plan = createMixpanelEmulator({ dataset: await loadDataset(dir), planAllowsApi: false });
    const running = await listen(plan.app, 0);
    try {
      const res = await fetch(`${running.url}/api/2.0/export?project_id=1&from_date=2024-01-01&to_date=2024-01-02`, { headers: AUTH });
      expect(res.status).toBe(402);
      expect(await res.json()).toEqual(await readJson('error_402_plan_does_not_allow_api.json'));
    } finally {
      await closeServer(running.server);
    }
  });
});
