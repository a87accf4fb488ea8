import { describe, expect, it } from 'vitest';
import { computeAccountHealth } from '../../src/health/account-health.ts';
import { DRIVERS_MAX_LENGTH, explainHealth } from '../../src/health/explain.ts';
import { defaultHealthModel } from '../../src/health/model.ts';
import { scoreAccount } from '../../src/health/score.ts';
import { DAY, NOW, account, bundle, daysAgo, survey, ticket, usage } from '../signals/bundle-builder.ts';
import { NO_SOURCES, signals } from './signals-fixture.ts';

const model = defaultHealthModel();
const mid = { employees: 500 };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** An account whose usage fell from 12 to 5 users, with 3 urgent tickets and two detractors this month. */
function decliningBundle() {
  return bundle({
    account: account({ licensedSeats: 20, renewalDate: '2025-06-30' }),
    activities: [...usage(range(31, 59), 12, 8), ...usage(range(0, 29).filter((d) => d % 3 === 0), 5, 3)],
    tickets: [1, 3, 5].map((d) => ticket({ priority: 'urgent', status: 'open', createdAt: daysAgo(d), updatedAt: daysAgo(d) })),
    surveys: [survey(2, daysAgo(4), 'a@acme.com'), survey(5, daysAgo(6), 'b@acme.com'), survey(8, daysAgo(8), 'c@acme.com'), survey(9, daysAgo(50), 'd@acme.com'), survey(9, daysAgo(55), 'e@acme.com')],
  });
}

describe('computeAccountHealth', () => {
  it('recomputes the score 30 days ago from the signals as they stood then when none is stored', () => {
    const h = computeAccountHealth(decliningBundle(), NOW, model, null);
    const then = scoreAccount(h.signalsThen, model, mid);
    expect(h.signalsThen.activeUsers30d).toBe(12);
    expect(h.signals.activeUsers30d).toBe(5);
    expect(h.scoreThen).toBe(then.score);
    expect(h.result.score).not.toBeNull();
    expect(h.trend).toBe((h.result.score ?? 0) - (then.score ?? 0));
    expect(h.trend).toBeLessThan(0);
  });
  it('uses the stored score of 30 days ago when there is one', () => {
    const h = computeAccountHealth(decliningBundle(), NOW, model, 90);
    expect(h.scoreThen).toBe(90);
    expect(h.trend).toBe((h.result.score ?? 0) - 90);
    expect(h.drivers).toContain(`(${h.trend} vs 30d)`);
  });
  it('trend is null when the score is null', () => {
    const h = computeAccountHealth(bundle({ account: account({ licensedSeats: null, renewalDate: null }), sources: { mixpanel: false, zendesk: false, surveys: false } }), NOW, model, 50);
    expect(h.result.score).toBeNull();
    expect(h.trend).toBeNull();
  });
  it('fills the contract fields under their default API names', () => {
    const h = computeAccountHealth(decliningBundle(), NOW, model, null);
    expect(h.fields).toEqual({
      CS_Health_Score__c: h.result.score,
      CS_Health_Band__c: h.result.band,
      CS_Health_Trend__c: h.trend,
      CS_Health_Drivers__c: h.drivers,
      CS_Active_Users_30d__c: 5,
      CS_License_Utilization__c: 25,
      CS_Open_Tickets__c: 3,
      CS_Urgent_Tickets_90d__c: 3,
      CS_NPS__c: 0,
    });
  });
  it('is deterministic: same inputs give the same fields, whatever the input order', () => {
    const b = decliningBundle();
    const a = computeAccountHealth(b, NOW, model, null);
    const reversed = computeAccountHealth({ ...b, activities: [...b.activities].reverse(), surveys: [...b.surveys].reverse(), tickets: [...b.tickets].reverse() }, NOW, model, null);
    expect(reversed.fields).toEqual(a.fields);
  });
  it('drivers do not change within the day for unchanged data', () => {
    const b = decliningBundle();
    const morning = computeAccountHealth(b, new Date(NOW.getTime() - 11 * 3600_000), model, null);
    const evening = computeAccountHealth(b, new Date(NOW.getTime() + 11 * 3600_000), model, null);
    expect(evening.fields.CS_Health_Drivers__c).toBe(morning.fields.CS_Health_Drivers__c);
  });
});

describe('explainHealth (CS_Health_Drivers__c)', () => {
  it('names the measures pulling down and up with numbers and the change vs 30 days ago', () => {
    const h = computeAccountHealth(decliningBundle(), NOW, model, null);
    expect(h.drivers).toMatch(/^Score \d+ (Green|Yellow|Red) \(-\d+ vs 30d\)\. Pulling down: /);
    expect(h.drivers).toContain('active users 12 -> 5 (-58%)');
    expect(h.drivers).toContain('3 urgent tickets opened in 90d (0 30d ago)');
    expect(h.drivers).toContain('NPS 100 -> 0 (2 detractors, 2 promoters, 5 respondents)');
    expect(h.drivers).toContain('license utilization 60.0% -> 25.0% (5 of 20 seats)');
    expect(h.drivers).toContain('Pulling up:');
  });
  it('holds no timestamps, run ids or sub-day ages', () => {
    const h = computeAccountHealth(decliningBundle(), NOW, model, null);
    expect(h.drivers).not.toMatch(/\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}|\b\d+ ?(h|hours?|minutes?|min|seconds?)\b|run/i);
  });
  it('says "insufficient data" and lists what is missing when the score is null', () => {
    const s = signals({ ...NO_SOURCES, licenseUtilization: null, daysToRenewal: null });
    const r = scoreAccount(s, model, mid);
    const text = explainHealth(r, null, s);
    expect(r.score).toBeNull();
    expect(text).toContain('insufficient data');
    expect(text).toContain('NPS (no survey responses in 180d)');
  });
  it('says when there was no score 30 days ago', () => {
    const s = signals();
    const then = signals({ ...NO_SOURCES, licenseUtilization: null, daysToRenewal: null });
    const text = explainHealth(scoreAccount(s, model, mid), { result: scoreAccount(then, model, mid), signals: then }, s);
    expect(text).toMatch(/^Score \d+ Green \(no score 30d ago\)/);
  });
  it('is deterministic and at most 4000 characters', () => {
    const s = signals({ nps180d: -90, urgentTickets90d: 9, licenseUtilization: 5 });
    const r = scoreAccount(s, model, mid);
    expect(explainHealth(r, null, s)).toBe(explainHealth(scoreAccount(s, model, mid), null, s));
    expect(explainHealth(r, null, s).length).toBeLessThanOrEqual(DRIVERS_MAX_LENGTH);
  });
  it('reports changes vs 30 days ago of measures not already named', () => {
    const now = signals({ featureBreadth30d: 6 });
    const then = signals({ featureBreadth30d: 8 });
    const text = explainHealth(scoreAccount(now, model, mid), { result: scoreAccount(then, model, mid), signals: then }, now);
    expect(text).toContain('Changed vs 30d: features used 8 -> 6 (-25%)');
  });
  it('signals 30 days ago see the data of that day only', () => {
    const b = bundle({ surveys: [survey(0, new Date(NOW.getTime() - 2 * DAY).toISOString(), 'x@y.com')] });
    const h = computeAccountHealth(b, NOW, model, null);
    expect(h.signals.nps180d).toBe(-100);
    expect(h.signalsThen.nps180d).toBeNull();
  });
});
