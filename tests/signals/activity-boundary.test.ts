/** Active users are exact on the window's boundary day when activities carry their first/last event instants. */
import { describe, expect, it } from 'vitest';
import { computeSignals } from '../../src/signals/compute-signals.ts';
import { activity, bundle, DAY, NOW } from './bundle-builder.ts';

describe('30-day window on the boundary day', () => {
  const boundaryDay = new Date(NOW.getTime() - 30 * DAY).toISOString().slice(0, 10);
  const start = NOW.getTime() - 30 * DAY;

  it.each([
    ['an event after the window start on the boundary day counts', start + 3600_000, start + 3600_000, 1],
    ['an event exactly at the window start does not', start, start, 0],
    ['events only before the window start do not', start - 7200_000, start - 3600_000, 0],
  ])('%s', (_name, firstAt, lastAt, expected) => {
    const a = { ...activity(boundaryDay, 'u1'), firstAt, lastAt };
    expect(computeSignals(bundle({ activities: [a] }), NOW).activeUsers30d).toBe(expected);
  });

  it('without instants the day rule applies (the boundary date is excluded)', () => {
    expect(computeSignals(bundle({ activities: [activity(boundaryDay, 'u1')] }), NOW).activeUsers30d).toBe(0);
  });
});
