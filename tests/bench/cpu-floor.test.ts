/** The CPU floor the benchmarks print next to wall-time targets (bench/cpu-floor.ts). */
import { describe, expect, it } from 'vitest';
import { bestRatio, cpuCutNeeded, wallFloorSeconds } from '../../bench/cpu-floor.ts';
import { cpuFloorLine, type TimedSync } from '../../bench/end-to-end.ts';

const sync = (wallMs: number, cpu: number[], redisCpu: number | null): TimedSync => ({
  wallMs, cpu, redisCpu, stages: {}, peakRss: [],
  summary: { runId: 'r', status: 'succeeded', sources: {}, resolved: 0, unmatched: 0, accountsScored: 0, fieldsWritten: 0, accountsWritten: 0, apiCalls: 0 } as unknown as TimedSync['summary'],
});

describe('CPU floor', () => {
  it('spreads the CPU over the cores', () => {
    expect(wallFloorSeconds(23, 2)).toBe(11.5);
    expect(wallFloorSeconds(23, 0)).toBe(23);
  });

  it('says how much CPU has to go before a wall-time target can hold it', () => {
    expect(cpuCutNeeded(23, 2, 9.2)).toBeCloseTo(0.2, 10);
    expect(cpuCutNeeded(18, 2, 9)).toBe(0);
    expect(cpuCutNeeded(10, 2, 9)).toBe(0);
  });

  it('bounds a scale ratio by the run\'s CPU', () => {
    // A base run of 18.3 s; the two-worker run used 23.4 s of CPU: 11.7 s at least on 2 cores.
    expect(bestRatio(18.3, 23.4, 2)).toBeCloseTo(18.3 / 11.7, 10);
  });

  it('counts every process and the Redis server in the line it prints', () => {
    const line = cpuFloorLine(sync(16_900, [4.4, 14.6], 4.0), 9_800, 2);
    expect(line).toContain('CPU of the sync on this machine 23.0 s (1.36 cores busy on average)');
    expect(line).toContain('at least 11.5 s of wall time on 2 cores');
    expect(line).toContain('against 9.8 s allowed (15% of the CPU has to go first)');
    expect(cpuFloorLine(sync(10_000, [4, 4], null), 9_000, 2)).toContain('within reach by running side by side');
  });
});
