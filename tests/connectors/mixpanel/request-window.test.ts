/** The days of each Mixpanel export request, sized by the density of the request before. */
import { describe, expect, it } from 'vitest';
import { FIRST_REQUEST_DAYS, RequestWindow } from '../../../connectors/mixpanel/request-window.ts';

describe('RequestWindow', () => {
  it('starts with a week at most, then aims at eventsPerRequest lines', () => {
    const w = new RequestWindow({ maxDaysPerRequest: 30, eventsPerRequest: 1_000_000 });
    expect(w.nextDays()).toBe(FIRST_REQUEST_DAYS);
    w.observe(7, 7 * 16_000); // 16,000 lines a day: 62 days would fit, 30 is the most
    expect(w.nextDays()).toBe(30);
    w.observe(30, 30 * 67_000); // denser: 14 days of 67,000 stay under a million
    expect(w.nextDays()).toBe(14);
    w.observe(14, 14 * 3_000_000); // a day denser than the target is still read, one at a time
    expect(w.nextDays()).toBe(1);
  });

  it('never exceeds maxDaysPerRequest, and an empty request allows the most', () => {
    const w = new RequestWindow({ maxDaysPerRequest: 3, eventsPerRequest: 1_000_000 });
    expect(w.nextDays()).toBe(3);
    w.observe(3, 0);
    expect(w.nextDays()).toBe(3);
    w.observe(0, 10); // a request of no days tells nothing
    expect(w.nextDays()).toBe(3);
  });

  it('follows the last request, not the average of the run (volume drifts)', () => {
    const w = new RequestWindow({ maxDaysPerRequest: 30, eventsPerRequest: 100_000 });
    w.observe(7, 7_000);
    expect(w.nextDays()).toBe(30);
    w.observe(30, 30 * 20_000);
    expect(w.nextDays()).toBe(5);
    w.observe(5, 5 * 1_000);
    expect(w.nextDays()).toBe(30);
  });
});
