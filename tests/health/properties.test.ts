import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultHealthModel } from '../../src/health/model.ts';
import { scoreAccount } from '../../src/health/score.ts';
import type { AccountSignals } from '../../src/signals/compute-signals.ts';

const model = defaultHealthModel();

const count = (max: number) => fc.option(fc.integer({ min: 0, max }), { nil: null });

const signalsArb: fc.Arbitrary<AccountSignals> = fc
  .record({
    activeUsers30d: count(500),
    activeUsersPrior30d: count(500),
    activeDays30d: count(30),
    events30d: count(100000),
    featureBreadth30d: count(40),
    licensedSeats: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    openTickets: count(50),
    ticketsCreated30d: count(60),
    ticketsCreated90d: count(200),
    urgentTickets90d: count(20),
    csatGood90d: count(50),
    csatBad90d: count(50),
    nps180d: fc.option(fc.integer({ min: -100, max: 100 }), { nil: null }),
    npsRespondents180d: count(100),
    promoters180d: count(50),
    detractors180d: count(50),
    contactsAdded90d: fc.integer({ min: 0, max: 20 }),
    contactsRemoved90d: fc.integer({ min: 0, max: 20 }),
    contacts: fc.integer({ min: 0, max: 200 }),
    daysSinceLastActivity: count(400),
    daysToRenewal: fc.option(fc.integer({ min: -100, max: 800 }), { nil: null }),
    licenseUtilization: fc.option(fc.double({ min: 0, max: 300, noNaN: true }), { nil: null }),
    csat90d: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
  });

const employeesArb = fc.option(fc.integer({ min: 1, max: 100000 }), { nil: null });

/** Improve one signal by `step` in the direction the model prefers; null stays null. */
type Improvement = { name: string; apply: (s: AccountSignals, step: number) => AccountSignals };
const improvements: Improvement[] = [
  { name: 'activeDays30d up', apply: (s, k) => ({ ...s, activeDays30d: s.activeDays30d === null ? null : s.activeDays30d + k }) },
  { name: 'featureBreadth30d up', apply: (s, k) => ({ ...s, featureBreadth30d: s.featureBreadth30d === null ? null : s.featureBreadth30d + k }) },
  { name: 'licenseUtilization up', apply: (s, k) => ({ ...s, licenseUtilization: s.licenseUtilization === null ? null : s.licenseUtilization + k }) },
  { name: 'nps180d up', apply: (s, k) => ({ ...s, nps180d: s.nps180d === null ? null : Math.min(100, s.nps180d + k) }) },
  { name: 'csat90d up', apply: (s, k) => ({ ...s, csat90d: s.csat90d === null ? null : Math.min(100, s.csat90d + k) }) },
  { name: 'ticketsCreated30d down', apply: (s, k) => ({ ...s, ticketsCreated30d: s.ticketsCreated30d === null ? null : Math.max(0, s.ticketsCreated30d - k) }) },
  { name: 'urgentTickets90d down', apply: (s, k) => ({ ...s, urgentTickets90d: s.urgentTickets90d === null ? null : Math.max(0, s.urgentTickets90d - k) }) },
  { name: 'daysSinceLastActivity down', apply: (s, k) => ({ ...s, daysSinceLastActivity: s.daysSinceLastActivity === null ? null : Math.max(0, s.daysSinceLastActivity - k) }) },
  { name: 'contactsAdded90d up', apply: (s, k) => ({ ...s, contactsAdded90d: s.contactsAdded90d + k }) },
  { name: 'activeUsers30d up (trend)', apply: (s, k) => ({ ...s, activeUsers30d: s.activeUsers30d === null ? null : s.activeUsers30d + k }) },
];

describe('health score properties', () => {
  it('stays within 0-100 (or null) with a band that matches it', () => {
    fc.assert(
      fc.property(signalsArb, employeesArb, (s, employees) => {
        const r = scoreAccount(s, model, { employees });
        if (r.score === null) return r.band === null && r.insufficientData;
        return Number.isInteger(r.score) && r.score >= 0 && r.score <= 100 && r.band !== null;
      }),
      { numRuns: 500 },
    );
  });

  it.each(improvements.map((i) => [i.name, i] as const))('never falls when %s', (_name, improvement) => {
    fc.assert(
      fc.property(signalsArb, employeesArb, fc.integer({ min: 1, max: 30 }), (s, employees, step) => {
        const before = scoreAccount(s, model, { employees });
        const after = scoreAccount(improvement.apply(s, step), model, { employees });
        if (before.score === null || after.score === null) return before.score === after.score;
        return after.score >= before.score;
      }),
      { numRuns: 300 },
    );
  });

  it('rises strictly when a measure improves across its scoring range', () => {
    const base: AccountSignals = {
      activeUsers30d: 10, activeUsersPrior30d: 10, activeDays30d: 5, events30d: 100, featureBreadth30d: 2, licensedSeats: 20,
      licenseUtilization: 50, openTickets: 0, ticketsCreated30d: 1, ticketsCreated90d: 1, urgentTickets90d: 0, csatGood90d: 1,
      csatBad90d: 1, csat90d: 50, nps180d: 0, npsRespondents180d: 1, promoters180d: 0, detractors180d: 0, contactsAdded90d: 0,
      contactsRemoved90d: 0, contacts: 1, daysSinceLastActivity: 0, daysToRenewal: null,
    };
    const before = scoreAccount(base, model, { employees: 500 }).score ?? 0;
    expect(scoreAccount({ ...base, activeDays30d: 20 }, model, { employees: 500 }).score).toBeGreaterThan(before);
    expect(scoreAccount({ ...base, nps180d: 50 }, model, { employees: 500 }).score).toBeGreaterThan(before);
    expect(scoreAccount({ ...base, urgentTickets90d: 4 }, model, { employees: 500 }).score).toBeLessThan(before);
  });

  it('is stable under re-runs', () => {
    fc.assert(
      fc.property(signalsArb, employeesArb, (s, employees) => {
        const a = scoreAccount(s, model, { employees });
        const b = scoreAccount(structuredClone(s), model, { employees });
        expect(b).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });
});
