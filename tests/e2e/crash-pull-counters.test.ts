/**
 * A pulled page's checkpoint and its run counters are one transaction: a worker killed (through
 * the Redis tap, tests/helpers/redis-tap.ts) just before a Zendesk page's counters reach
 * Redis loses neither that page's count nor counts it twice once a second worker has resumed the
 * pull from the last saved checkpoint. The run's records.zendesk equals the dataset's records.
 */
import { describe, expect, it } from 'vitest';
import { useCrashLab } from '../helpers/crash-harness.ts';

const { lab } = useCrashLab({ dataset: { accounts: 30, seed: 17, days: 10 }, clean: false });

describe('SIGKILL between a page and its counters', () => {
  it('counts every pulled record exactly once', async () => {
    const o = await lab.org('crash-counters');
    const env = { ZENDESK_PAGE_SIZE: '20' };
    // The marker is in each page's checkpoint transaction (and in the count reset at each stream's start).
    const first = await o.spawnWorkerKilledAt('c.records.zendesk', 4, env);
    const runId = await o.requestRun(['zendesk']);
    await first.killed;
    expect(await o.stage(runId)).toBe('pull');
    const atKill = await o.ctx.runs.get(runId);
    expect(atKill?.counters['records.zendesk']).toBeGreaterThan(0);

    await o.spawnWorker(undefined, env);
    const done = await o.waitForRun(runId);
    expect(done.error).toBeNull();
    const total = lab.zendeskLines('organizations.jsonl') + lab.zendeskLines('users.jsonl') + lab.zendeskLines('tickets.jsonl');
    expect(await o.ctx.records.count('zendesk.user')).toBe(lab.zendeskLines('users.jsonl'));
    expect(done.counters['records.zendesk']).toBe(total);
  }, 60_000);
});
