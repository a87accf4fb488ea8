import { describe, expect, it } from 'vitest';
import { computeSignals, licenseUtilization } from '../../src/signals/compute-signals.ts';
import { roundHalfAway } from '../../src/signals/rounding.ts';
import { DAY, NOW, account, activity, bundle, contact, dayAgo, daysAgo, survey, ticket, usage } from './bundle-builder.ts';

const ms = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();

describe('roundHalfAway', () => {
  it.each([
    [12.25, 1, 12.3],
    [12.35, 1, 12.4],
    [-12.25, 1, -12.3],
    [0.5, 0, 1],
    [-0.5, 0, -1],
    [1.5, 0, 2],
    [-2.5, 0, -3],
    [1.005, 2, 1.01],
    [-0.4, 0, 0],
  ])('rounds %d to %d decimals as %d', (value, decimals, expected) => {
    expect(roundHalfAway(value, decimals)).toBe(expected);
  });
  it('never yields negative zero', () => {
    expect(Object.is(roundHalfAway(-0.2), 0)).toBe(true);
  });
});

describe('computeSignals: activeUsers30d', () => {
  it('counts distinct distinct_ids with events on days in the window', () => {
    const b = bundle({ activities: [activity(dayAgo(1), 'a'), activity(dayAgo(2), 'a'), activity(dayAgo(3), 'b')] });
    expect(computeSignals(b, NOW).activeUsers30d).toBe(2);
  });
  it('ignores day aggregates with zero events', () => {
    const b = bundle({ activities: [activity(dayAgo(1), 'a', 0), activity(dayAgo(1), 'b', 1)] });
    expect(computeSignals(b, NOW).activeUsers30d).toBe(1);
  });
  it('window edges: today counts, the date 30 days ago does not, 29 days ago does, tomorrow does not', () => {
    expect(dayAgo(0)).toBe('2024-06-30');
    expect(dayAgo(30)).toBe('2024-05-31');
    const b = bundle({
      activities: [activity('2024-06-30', 'today'), activity('2024-06-01', 'edge-in'), activity('2024-05-31', 'edge-out'), activity('2024-07-01', 'future')],
    });
    const s = computeSignals(b, NOW);
    expect(s.activeUsers30d).toBe(2);
    expect(s.activeDays30d).toBe(2);
  });
  it('is 0 when Mixpanel is enabled and nothing counts, null when it is disabled', () => {
    expect(computeSignals(bundle(), NOW).activeUsers30d).toBe(0);
    const off = bundle({ activities: [activity(dayAgo(1), 'a')], sources: { mixpanel: false, zendesk: true, surveys: true } });
    const s = computeSignals(off, NOW);
    expect(s.activeUsers30d).toBeNull();
    expect(s.activeDays30d).toBeNull();
    expect(s.events30d).toBeNull();
    expect(s.featureBreadth30d).toBeNull();
    expect(s.licenseUtilization).toBeNull();
    expect(s.daysSinceLastActivity).toBeNull();
  });
});

describe('computeSignals: usage measures', () => {
  it('activeUsersPrior30d counts the 30 dates before the window', () => {
    const b = bundle({ activities: [activity(dayAgo(30), 'p1'), activity(dayAgo(59), 'p2'), activity(dayAgo(60), 'out'), activity(dayAgo(29), 'now')] });
    const s = computeSignals(b, NOW);
    expect(s.activeUsersPrior30d).toBe(2);
    expect(s.activeUsers30d).toBe(1);
  });
  it('activeDays30d, events30d and featureBreadth30d', () => {
    const b = bundle({
      activities: [activity(dayAgo(1), 'a', 3, ['x', 'y']), activity(dayAgo(1), 'b', 2, ['y']), activity(dayAgo(4), 'a', 10, ['z']), activity(dayAgo(40), 'a', 99, ['old'])],
    });
    const s = computeSignals(b, NOW);
    expect(s.activeDays30d).toBe(2);
    expect(s.events30d).toBe(15);
    expect(s.featureBreadth30d).toBe(3);
  });
  it('daysSinceLastActivity is whole UTC days from the last active day, ignoring later days', () => {
    expect(computeSignals(bundle({ activities: [activity(dayAgo(12), 'a'), activity('2024-07-05', 'b')] }), NOW).daysSinceLastActivity).toBe(12);
    expect(computeSignals(bundle({ activities: [activity(dayAgo(0), 'a')] }), NOW).daysSinceLastActivity).toBe(0);
    expect(computeSignals(bundle(), NOW).daysSinceLastActivity).toBeNull();
  });
});

describe('computeSignals: licenseUtilization', () => {
  it.each([
    ['rounds half away from zero to one decimal (49/400 = 12.25 -> 12.3)', 49, 400, 12.3],
    ['is not capped', 50, 40, 125],
    ['is 0 with seats and no users', 0, 10, 0],
    ['one third', 1, 3, 33.3],
    ['null when seats are missing', 5, null, null],
    ['null when seats are zero', 5, 0, null],
    ['null when seats are negative', 5, -3, null],
  ])('%s', (_name, users, seats, expected) => {
    expect(licenseUtilization(users, seats)).toBe(expected);
  });
  it('is computed from activeUsers30d and the account seats', () => {
    const b = bundle({ account: account({ licensedSeats: 400 }), activities: Array.from({ length: 49 }, (_, i) => activity(dayAgo(2), `u${i}`)) });
    expect(computeSignals(b, NOW).licenseUtilization).toBe(12.3);
    expect(computeSignals({ ...b, account: account({ licensedSeats: null }) }, NOW).licenseUtilization).toBeNull();
  });
});

describe('computeSignals: tickets', () => {
  it('openTickets counts new, open, pending and hold', () => {
    const tickets = (['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted'] as const).map((status) => ticket({ status, createdAt: daysAgo(200) }));
    expect(computeSignals(bundle({ tickets }), NOW).openTickets).toBe(4);
  });
  it('ticketsCreated30d / 90d: exactly N days ago excluded, now included', () => {
    const tickets = [
      ticket({ createdAt: ms(30) }),
      ticket({ createdAt: ms(29.999) }),
      ticket({ createdAt: NOW.toISOString() }),
      ticket({ createdAt: ms(90) }),
      ticket({ createdAt: ms(89.9) }),
      ticket({ createdAt: new Date(NOW.getTime() + 1000).toISOString() }),
    ];
    const s = computeSignals(bundle({ tickets }), NOW);
    expect(s.ticketsCreated30d).toBe(2);
    expect(s.ticketsCreated90d).toBe(4);
  });
  it('urgentTickets90d counts priority urgent or high created in 90 days', () => {
    const tickets = [
      ticket({ priority: 'urgent', createdAt: ms(1) }),
      ticket({ priority: 'high', createdAt: ms(89) }),
      ticket({ priority: 'high', createdAt: ms(90) }),
      ticket({ priority: 'normal', createdAt: ms(1) }),
      ticket({ priority: null, createdAt: ms(1) }),
    ];
    expect(computeSignals(bundle({ tickets }), NOW).urgentTickets90d).toBe(2);
  });
  it('CSAT is good / (good + bad) over 90 days, one decimal; null with no rated ticket', () => {
    const tickets = [
      ticket({ satisfaction: 'good' }),
      ticket({ satisfaction: 'good' }),
      ticket({ satisfaction: 'bad' }),
      ticket({ satisfaction: 'offered' }),
      ticket({ satisfaction: 'bad', createdAt: ms(120) }),
    ];
    const s = computeSignals(bundle({ tickets }), NOW);
    expect([s.csatGood90d, s.csatBad90d, s.csat90d]).toEqual([2, 1, 66.7]);
    expect(computeSignals(bundle({ tickets: [ticket()] }), NOW).csat90d).toBeNull();
  });
  it('counts are 0 when Zendesk is enabled with no tickets and null when it is disabled', () => {
    const on = computeSignals(bundle(), NOW);
    expect([on.openTickets, on.ticketsCreated30d, on.ticketsCreated90d, on.urgentTickets90d]).toEqual([0, 0, 0, 0]);
    const off = computeSignals(bundle({ tickets: [ticket({ status: 'open' })], sources: { mixpanel: true, zendesk: false, surveys: true } }), NOW);
    expect([off.openTickets, off.ticketsCreated30d, off.ticketsCreated90d, off.urgentTickets90d, off.csat90d]).toEqual([null, null, null, null, null]);
  });
  it('signals 30 days ago ignore later tickets and count tickets solved since then as open then', () => {
    const then = new Date(NOW.getTime() - 30 * DAY);
    const tickets = [
      ticket({ status: 'solved', createdAt: ms(40), updatedAt: ms(10) }),
      ticket({ status: 'solved', createdAt: ms(50), updatedAt: ms(45) }),
      ticket({ status: 'open', createdAt: ms(5), updatedAt: ms(5) }),
    ];
    expect(computeSignals(bundle({ tickets }), then).openTickets).toBe(1);
    expect(computeSignals(bundle({ tickets }), NOW).openTickets).toBe(1);
  });
});

describe('computeSignals: NPS', () => {
  it('uses the latest response of each respondent (trimmed lower-cased email)', () => {
    const surveys = [survey(2, ms(100), 'Ann@Acme.com'), survey(10, ms(10), ' ann@acme.com '), survey(3, ms(5), 'bob@acme.com')];
    const s = computeSignals(bundle({ surveys }), NOW);
    expect([s.npsRespondents180d, s.promoters180d, s.detractors180d, s.nps180d]).toEqual([2, 1, 1, 0]);
  });
  it('a response without email is its own respondent (by response id)', () => {
    const surveys = [survey(9, ms(10), null, 'r1'), survey(9, ms(11), null, 'r2'), survey(0, ms(12), '  ', 'r3')];
    const s = computeSignals(bundle({ surveys }), NOW);
    expect([s.npsRespondents180d, s.nps180d]).toEqual([3, 33]);
  });
  it('window: exactly 180 days ago excluded, now included', () => {
    const surveys = [survey(0, ms(180), 'a@x.com'), survey(10, NOW.toISOString(), 'b@x.com')];
    const s = computeSignals(bundle({ surveys }), NOW);
    expect([s.npsRespondents180d, s.nps180d]).toEqual([1, 100]);
  });
  it('a later response after asOf does not replace the latest one in the window', () => {
    const surveys = [survey(0, ms(20), 'a@x.com'), survey(10, new Date(NOW.getTime() + DAY).toISOString(), 'a@x.com')];
    expect(computeSignals(bundle({ surveys }), NOW).nps180d).toBe(-100);
  });
  it.each([
    ['-0.5 rounds to -1', 0, -1],
    ['+0.5 rounds to 1', 10, 1],
  ])('%s', (_name, oneScore, expected) => {
    const surveys = [survey(oneScore, ms(1), 'one@x.com'), ...Array.from({ length: 199 }, (_, i) => survey(8, ms(2), `p${i}@x.com`))];
    expect(computeSignals(bundle({ surveys }), NOW).nps180d).toBe(expected);
  });
  it('is null with no responses; counts are 0 when enabled and null when disabled', () => {
    const on = computeSignals(bundle(), NOW);
    expect([on.nps180d, on.npsRespondents180d, on.promoters180d, on.detractors180d]).toEqual([null, 0, 0, 0]);
    const off = computeSignals(bundle({ surveys: [survey(10, ms(1))], sources: { mixpanel: true, zendesk: true, surveys: false } }), NOW);
    expect([off.nps180d, off.npsRespondents180d, off.promoters180d, off.detractors180d]).toEqual([null, null, null, null]);
  });
});

describe('computeSignals: team and renewal', () => {
  it('contactsAdded90d counts contacts created in the window; contacts counts those existing at asOf', () => {
    const contacts = [contact({ createdAt: ms(10) }), contact({ createdAt: ms(90) }), contact({ createdAt: ms(89) }), contact({ createdAt: null }), contact({ createdAt: ms(-2) })];
    const s = computeSignals(bundle({ contacts }), NOW);
    expect([s.contactsAdded90d, s.contacts]).toEqual([2, 4]);
  });
  it('contactsRemoved90d counts deleted contacts by their modstamp', () => {
    const contacts = [contact({ isDeleted: true, modstamp: ms(5) }), contact({ isDeleted: true, modstamp: ms(100) })];
    const s = computeSignals(bundle({ contacts }), NOW);
    expect([s.contactsRemoved90d, s.contacts]).toEqual([1, 0]);
  });
  it('daysToRenewal counts whole UTC days, negative once past, null when missing', () => {
    expect(computeSignals(bundle({ account: account({ renewalDate: '2024-07-30' }) }), NOW).daysToRenewal).toBe(30);
    expect(computeSignals(bundle({ account: account({ renewalDate: '2024-06-20' }) }), NOW).daysToRenewal).toBe(-10);
    expect(computeSignals(bundle({ account: account({ renewalDate: null }) }), NOW).daysToRenewal).toBeNull();
  });
  it('is linear enough for a large bundle', () => {
    const b = bundle({ activities: usage(Array.from({ length: 60 }, (_, i) => i), 200, 10) });
    const s = computeSignals(b, NOW);
    expect(s.activeUsers30d).toBe(200);
    expect(s.featureBreadth30d).toBe(10);
  });
});
