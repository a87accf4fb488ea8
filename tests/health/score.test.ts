import { describe, expect, it } from 'vitest';
import type { MeasureId } from '../../src/health/measures.ts';
import { loadHealthModel, defaultHealthModel } from '../../src/health/model.ts';
import { scoreAccount } from '../../src/health/score.ts';
import type { AccountSignals } from '../../src/signals/compute-signals.ts';
import { NO_SOURCES, signals } from './signals-fixture.ts';

const model = defaultHealthModel();
const mid = { employees: 500 };

function measure(s: AccountSignals, id: MeasureId) {
  const found = scoreAccount(s, model, mid).measures.find((m) => m.id === id);
  if (!found) throw new Error(`measure ${id} missing from result`);
  return found;
}

describe('measures of the default model (value -> subscore)', () => {
  it.each<[MeasureId, Partial<AccountSignals>, number | null, number | null]>([
    ['usage_frequency', { activeDays30d: 10 }, 10, 50],
    ['usage_frequency', { activeDays30d: 25 }, 25, 100],
    ['usage_trend', { activeUsers30d: 5, activeUsersPrior30d: 12 }, -58.33, 0],
    ['usage_trend', { activeUsers30d: 9, activeUsersPrior30d: 12 }, -25, 41.67],
    ['usage_trend', { activeUsers30d: 0, activeUsersPrior30d: 0 }, null, null],
    ['usage_trend', { activeUsers30d: 4, activeUsersPrior30d: 0 }, 100, 100],
    ['feature_breadth', { featureBreadth30d: 4 }, 4, 42.86],
    ['license_utilization', { licenseUtilization: 50 }, 50, 50],
    ['license_utilization', { licenseUtilization: 130 }, 130, 100],
    ['license_utilization', { licenseUtilization: null }, null, null],
    ['nps', { nps180d: -20 }, -20, 30],
    ['nps', { nps180d: null }, null, null],
    ['ticket_volume', { ticketsCreated30d: 4 }, 4, 70],
    ['ticket_volume', { ticketsCreated30d: 12 }, 12, 10],
    ['ticket_severity', { urgentTickets90d: 0 }, 0, 100],
    ['ticket_severity', { urgentTickets90d: 3 }, 3, 30],
    ['csat', { csat90d: 72.5 }, 72.5, 50],
    ['team_changes', { contactsAdded90d: 0, contactsRemoved90d: 2 }, -2, 25],
    ['days_since_last_activity', { daysSinceLastActivity: 10 }, 10, 50],
    ['days_since_last_activity', { daysSinceLastActivity: null }, null, null],
    ['renewal_risk', { daysToRenewal: 200 }, null, null],
    ['renewal_risk', { daysToRenewal: 60 }, 1, 50],
    ['renewal_risk', { daysToRenewal: 60, detractors180d: 0 }, 0, 100],
    ['renewal_risk', { daysToRenewal: 60, nps180d: -30, urgentTickets90d: 2, licenseUtilization: 30 }, 4, 0],
  ])('%s with %j -> value %s, subscore %s', (id, over, value, subscore) => {
    const m = measure(signals(over), id);
    expect(m.value).toBe(value);
    expect(m.subscore).toBe(subscore);
    expect(m.missingReason === null).toBe(value !== null);
  });
});

describe('scoreAccount', () => {
  it('a healthy account scores Green with the model version', () => {
    const r = scoreAccount(signals(), model, mid);
    expect(r.score).toBeGreaterThanOrEqual(70);
    expect(r.band).toBe('Green');
    expect(r.modelVersion).toBe('default-1');
  });
  it('missing data is left out, not scored as zero', () => {
    const withNps = scoreAccount(signals({ nps180d: 50 }), model, mid);
    const withoutNps = scoreAccount(signals({ nps180d: null }), model, mid);
    const withZeroNps = scoreAccount(signals({ nps180d: -50 }), model, mid);
    expect(withoutNps.measures.find((m) => m.id === 'nps')?.subscore).toBeNull();
    expect(withoutNps.score).toBeGreaterThan(withZeroNps.score ?? 0);
    expect(withoutNps.scoredMeasures).toBe(withNps.scoredMeasures - 1);
  });
  it('the score is the weighted mean of the scored measures', () => {
    const r = scoreAccount(signals(), model, mid);
    const scored = r.measures.filter((m) => m.subscore !== null);
    const expected = scored.reduce((s, m) => s + m.weight * (m.subscore ?? 0), 0) / scored.reduce((s, m) => s + m.weight, 0);
    expect(Math.abs((r.score ?? 0) - expected)).toBeLessThanOrEqual(0.5);
  });
  it('below the minimum number of measures score and band are null', () => {
    const r = scoreAccount(signals({ ...NO_SOURCES, daysToRenewal: null, licenseUtilization: null }), model, mid);
    expect(r.insufficientData).toBe(true);
    expect(r.score).toBeNull();
    expect(r.band).toBeNull();
    expect(r.scoredMeasures).toBe(1);
  });
  it('weights follow the segment (company size)', () => {
    const s = signals({ licenseUtilization: 10 });
    const smb = scoreAccount(s, model, { employees: 20 });
    const ent = scoreAccount(s, model, { employees: 5000 });
    expect(smb.segment).toBe('smb');
    expect(ent.segment).toBe('enterprise');
    expect(smb.measures.find((m) => m.id === 'license_utilization')?.weight).toBe(10);
    expect(ent.measures.find((m) => m.id === 'license_utilization')?.weight).toBe(20);
    expect(ent.score).toBeLessThan(smb.score ?? 0);
  });
  it.each([
    [70, 'Green'],
    [69, 'Yellow'],
    [40, 'Yellow'],
    [39, 'Red'],
  ])('band of a score of %d is %s with the default thresholds', (target, band) => {
    // One linear measure whose subscore equals its value gives an exact score.
    const one = loadHealthModel({
      version: 'one',
      bands: { green: 70, red: 40 },
      minMeasures: 1,
      segments: [{ name: 'all' }],
      defaultSegment: 'all',
      params: { renewalWithinDays: 120 },
      measures: [{ id: 'nps', function: { type: 'linear', worst: 0, best: 100 }, weight: 1 }],
    });
    const r = scoreAccount(signals({ nps180d: target }), one, mid);
    expect([r.score, r.band]).toEqual([target, band]);
  });
  it('bands are configurable', () => {
    const middling = signals({ activeDays30d: 8, featureBreadth30d: 4, licenseUtilization: 45, nps180d: 0, urgentTickets90d: 1 });
    const r = scoreAccount(middling, model, mid);
    expect(r.band).toBe('Yellow');
    const lenient = loadHealthModel({ ...structuredClone(defaultHealthModel()), bands: { green: (r.score ?? 0) - 1, red: 10 } });
    expect(scoreAccount(middling, lenient, mid).band).toBe('Green');
    const harsh = loadHealthModel({ ...structuredClone(defaultHealthModel()), bands: { green: 100, red: (r.score ?? 0) + 1 } });
    expect(scoreAccount(middling, harsh, mid).band).toBe('Red');
  });
  it('measures with weight 0 in a segment are left out', () => {
    const json = structuredClone(defaultHealthModel());
    json.measures = json.measures.map((m) => (m.id === 'nps' ? { ...m, segmentWeights: { smb: 0 } } : m));
    const r = scoreAccount(signals(), loadHealthModel(json), { employees: 10 });
    expect(r.measures.some((m) => m.id === 'nps')).toBe(false);
  });
});
