/** `sync --wait` reads the run record until it has finished (src/sync/run.ts waitForRun). */
import { afterAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.ts';
import { waitForRun } from '../../src/sync/run.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix('wait-run');
const store = new RunStore(redis, prefix);

afterAll(async () => {
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

/** The store, finishing the run on the `finishOn`th read. */
function finishingOn(finishOn: number, runId: string): { runs: RunStore; reads: () => number } {
  let reads = 0;
  const runs = Object.create(store) as RunStore;
  runs.get = async (id: string) => {
    reads += 1;
    if (reads === finishOn) await store.update(runId, { status: 'succeeded', stage: 'done', finishedAt: new Date().toISOString() });
    return store.get(id);
  };
  return { runs, reads: () => reads };
}

describe('waitForRun', () => {
  it('returns the finished run as soon as a read finds it finished', async () => {
    const run = await store.create({ sources: ['zendesk'], full: false, dryRun: false, trigger: 'test' }, new Date());
    await store.update(run.id, { status: 'running', stage: 'pull', startedAt: new Date().toISOString() });
    const { runs, reads } = finishingOn(3, run.id);
    const done = await waitForRun({ runs }, run.id, 60_000, 1);
    expect(done.status).toBe('succeeded');
    expect(reads()).toBe(3);
  });

  it('says which run is missing, and which did not finish in time', async () => {
    await expect(waitForRun({ runs: store }, 'run-nope', 60_000, 1)).rejects.toThrow('run run-nope not found');
    const run = await store.create({ sources: ['zendesk'], full: false, dryRun: false, trigger: 'test' }, new Date());
    await expect(waitForRun({ runs: store }, run.id, -1, 1)).rejects.toThrow(`run ${run.id} did not finish within 0 s`);
  });
});
