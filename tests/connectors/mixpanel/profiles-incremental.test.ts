/**
 * Incremental engage reads against the Mixpanel emulator: after a complete read, a run asks only
 * for profiles whose $last_seen is at least the latest one read minus an hour; an update (which
 * Mixpanel stamps with $last_seen, unless it says $ignore_time) is read by the next run; once per
 * UTC day, and on a full sync, every profile is read again.
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, Stream } from '../../../src/contracts/connector.ts';
import { mixpanelConnector, mixpanelConfigSchema, type MixpanelConfig } from '../../../connectors/mixpanel/index.ts';
import { createMixpanelEmulator, type MixpanelEmulator } from '../../../connectors/mixpanel/emulator/index.ts';
import { closeServer, listen } from '../../../src/sandbox/emulator-kit/index.ts';
import { writeDataset } from '../zendesk/emulator/helpers.ts';
import { collect } from '../collect.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const profiles = [
  { $distinct_id: 'old', $properties: { $email: 'old@acme.com', $last_seen: '2026-09-01T08:00:00' } },
  { $distinct_id: 'mid', $properties: { $email: 'mid@acme.com', $last_seen: '2026-11-19T09:00:00' } },
  { $distinct_id: 'new', $properties: { $email: 'new@acme.com', $last_seen: '2026-11-19T10:30:00' } },
  { $distinct_id: 'none', $properties: { $email: 'none@acme.com' } },
];

let server: Server;
let url = '';
let emulator: MixpanelEmulator;
let cleanup: () => Promise<void>;
let config: MixpanelConfig;
const stream = mixpanelConnector.streams.find((s) => s.name === 'profiles') as Stream<MixpanelConfig, 'mixpanel.profile'>;

beforeAll(async () => {
  const written = await writeDataset({ 'mixpanel/events.jsonl': [], 'mixpanel/profiles.jsonl': profiles }, NOW.toISOString());
  cleanup = written.cleanup;
  emulator = createMixpanelEmulator({ dataset: written.dataset, seed: 1 });
  ({ server, url } = await listen(emulator.app, 0));
  config = mixpanelConfigSchema.parse({ projectId: '1', serviceAccountUser: 'sandbox', serviceAccountSecret: 'sandbox', exportBaseUrl: url, queryBaseUrl: url });
});
afterAll(async () => {
  await closeServer(server);
  await cleanup();
});

const ids = (pages: Awaited<ReturnType<typeof collect<MixpanelConfig, 'mixpanel.profile'>>>): string[] => pages.flatMap((p) => p.records.map((r) => r.id)).sort();
const last = (pages: Array<{ checkpoint: Checkpoint }>): Checkpoint => pages.at(-1)?.checkpoint ?? {};
const upsert = (body: unknown): Promise<Response> => fetch(`${url}/__sandbox/profiles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('incremental engage profiles', () => {
  it('reads everything once a day and only what changed since in between', async () => {
    const first = await collect(stream, config, null, NOW);
    expect(ids(first)).toEqual(['mid', 'new', 'none', 'old']);
    expect(last(first)).toEqual({ fullDay: '2026-11-20', latest: '2026-11-19T10:30:00', since: '2026-11-19T09:30:00' });

    // Nothing changed: only the profiles within the hour before the latest $last_seen come back.
    const quiet = await collect(stream, config, last(first), NOW);
    expect(ids(quiet)).toEqual(['new']);
    expect(last(quiet)).toEqual(last(first));

    // An update: Mixpanel stamps $last_seen with the time of the update (the emulator's clock).
    await fetch(`${url}/__sandbox/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ set: '2026-11-20T11:00:00Z' }) });
    expect((await upsert({ $distinct_id: 'old', $properties: { $email: 'moved@beta.com' } })).status).toBe(201);
    const changed = await collect(stream, config, last(quiet), NOW);
    expect(ids(changed)).toEqual(['new', 'old']);
    expect(changed.flatMap((p) => p.records).find((r) => r.id === 'old')?.email).toBe('moved@beta.com');
    expect(last(changed)).toEqual({ fullDay: '2026-11-20', latest: '2026-11-20T11:00:00', since: '2026-11-20T10:00:00' });

    // An update sent with $ignore_time keeps $last_seen: the next incremental read misses it, the daily full read brings it.
    await upsert({ $distinct_id: 'mid', $ignore_time: true, $properties: { $email: 'quiet@beta.com', $last_seen: '2026-11-19T09:00:00' } });
    expect(ids(await collect(stream, config, last(changed), NOW))).toEqual(['old']);
    const nextDay = new Date(NOW.getTime() + 86_400_000);
    const daily = await collect(stream, config, last(changed), nextDay);
    expect(ids(daily)).toEqual(['mid', 'new', 'none', 'old']);
    expect(daily.flatMap((p) => p.records).find((r) => r.id === 'mid')?.email).toBe('quiet@beta.com');
    expect(last(daily)).toMatchObject({ fullDay: '2026-11-21' });

    // A full sync reads everything whatever the checkpoint.
    expect(ids(await collect(stream, config, last(daily), nextDay, true))).toHaveLength(4);
  });
});
