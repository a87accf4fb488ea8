import { describe, expect, it } from 'vitest';
import { buildSuccessPlan } from '../../src/plans/success-plan.ts';
import { PLAN_TEXT_MAX_LENGTH, formatAmount } from '../../src/plans/plan-text.ts';
import { computeSignals } from '../../src/signals/compute-signals.ts';
import type { AccountBundle } from '../../src/signals/account-bundle.ts';
import { DAY, NOW, account, activity, bundle, dayAgo, lineItem, opportunity, usage } from '../signals/bundle-builder.ts';

const options = { lookbackDays: 90, previous: null };
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

function planAt(b: AccountBundle, now: Date, opts: Parameters<typeof buildSuccessPlan>[2] = options) {
  return buildSuccessPlan(b, now, opts, computeSignals(b, now));
}

const DESCRIPTION = 'Replace three spreadsheets;\n  "renewals" slipped twice —   we need   one view.  ';
const won = opportunity({ id: '006WON', closeDate: dayAgo(10), description: DESCRIPTION, amount: 1234567.5 });
const items = [lineItem('006WON', { name: 'Tidemark Platform', quantity: 40, totalPrice: 48000 }), lineItem('006WON', { name: null, productName: 'Premium Support', quantity: 1, totalPrice: 9000 })];

describe('buildSuccessPlan: which opportunity', () => {
  it('uses the latest Closed Won opportunity in the look-back window', () => {
    const older = opportunity({ id: '006OLD', closeDate: dayAgo(40) });
    const lost = opportunity({ id: '006LOST', closeDate: dayAgo(2), isWon: false, stageName: 'Closed Lost' });
    const plan = planAt(bundle({ opportunities: [older, won, lost], lineItems: items }), NOW);
    expect(plan?.opportunityId).toBe('006WON');
  });
  it('returns null when the latest Closed Won is outside the window, and honours the configured look-back', () => {
    const old = opportunity({ closeDate: dayAgo(90) });
    expect(planAt(bundle({ opportunities: [old] }), NOW)).toBeNull();
    expect(planAt(bundle({ opportunities: [opportunity({ closeDate: dayAgo(89) })] }), NOW)).not.toBeNull();
    expect(planAt(bundle({ opportunities: [old] }), NOW, { lookbackDays: 120, previous: null })).not.toBeNull();
    expect(planAt(bundle({ opportunities: [] }), NOW)).toBeNull();
  });
  it('ignores a Closed Won dated in the future', () => {
    expect(planAt(bundle({ opportunities: [opportunity({ closeDate: '2024-07-15' })] }), NOW)).toBeNull();
  });
});

describe('buildSuccessPlan: content', () => {
  const b = bundle({ opportunities: [won], lineItems: items });
  const plan = planAt(b, NOW);
  it('lists products (line item Name, else product name) and amount', () => {
    expect(plan?.text).toContain('- Premium Support x 1: 9,000.00');
    expect(plan?.text).toContain('- Tidemark Platform x 40: 48,000.00');
    expect(plan?.text).toContain('Amount: 1,234,567.50');
  });
  it('names the renewal date, the owner and the CSM from the users', () => {
    expect(plan?.text).toContain('Renewal date: 2025-03-31');
    expect(plan?.text).toContain('Account owner: Olivia Owner');
    expect(plan?.text).toContain('CSM: Casey Success');
    const noCsm = planAt(bundle({ account: account({ csmId: null }), opportunities: [won] }), NOW);
    expect(noCsm?.text).toContain('CSM: not assigned');
  });
  it('quotes the Description verbatim', () => {
    expect(plan?.text).toContain(`Why they bought:\n"${DESCRIPTION}"`);
  });
  it('shows partners and business challenges', () => {
    expect(plan?.text).toContain('Partners: Globex Implementation');
    expect(plan?.text).toContain('Business challenges: Churn in the SMB book');
  });
  it('truncates a long Description only at its end and fits Long Text 32000', () => {
    const long = `START ${'x'.repeat(40000)} END`;
    const big = planAt(bundle({ opportunities: [opportunity({ id: '006BIG', description: long })] }), NOW);
    expect(big?.text.length).toBeLessThanOrEqual(PLAN_TEXT_MAX_LENGTH);
    expect(big?.text).toContain('Why they bought:\n"START xxx');
    expect(big?.text.endsWith('…')).toBe(true);
    expect(big?.text).toContain('Milestones:');
  });
  it('is deterministic on the same day and carries no time of day', () => {
    const later = planAt(b, new Date(NOW.getTime() + 6 * 3600_000));
    expect(later?.text).toBe(plan?.text);
    expect(plan?.text).not.toMatch(/T\d{2}:\d{2}/);
    const shuffled = planAt({ ...b, lineItems: [...items].reverse() }, NOW);
    expect(shuffled?.fields).toEqual(plan?.fields);
  });
  it('formats amounts without the host locale', () => {
    expect([formatAmount(0), formatAmount(999.999), formatAmount(-1000)]).toEqual(['0.00', '1,000.00', '-1,000.00']);
  });
});

describe('buildSuccessPlan: milestones and stage move with time', () => {
  const close = '2024-06-20'; // NOW is 2024-06-30
  const deal = opportunity({ id: '006T', closeDate: close });
  const base = { account: account({ employees: 500, licensedSeats: 40, renewalDate: '2025-06-20' }), opportunities: [deal] };

  it('due dates follow the templates: kickoff +7, first value +30, adoption +60 and +90, review 60 days before renewal', () => {
    const plan = planAt(bundle(base), NOW);
    expect(plan?.milestones.map((m) => [m.id, m.due])).toEqual([
      ['kickoff', '2024-06-27'],
      ['first-value', '2024-07-20'],
      ['adoption-breadth', '2024-08-19'],
      ['adoption-depth', '2024-09-18'],
      ['business-review', '2025-04-21'],
    ]);
  });
  it('no activity after the kickoff timer: onboarding overdue, kickoff next', () => {
    const plan = planAt(bundle(base), NOW);
    expect(plan?.milestones[0]?.status).toBe('overdue');
    expect(plan?.stage).toBe('Onboarding');
    expect(plan?.onboardingOverdue).toBe(true);
    expect(plan?.fields.CS_Next_Milestone__c).toBe('Kickoff: first user active (no activity yet)');
    expect(plan?.fields.CS_Next_Milestone_Due__c).toBe('2024-06-27');
    expect(plan?.fields.CS_Onboarding_Overdue__c).toBe(true);
  });
  it('before the kickoff timer runs out nothing is overdue', () => {
    const plan = planAt(bundle(base), new Date('2024-06-25T12:00:00Z'));
    expect(plan?.milestones[0]?.status).toBe('open');
    expect(plan?.onboardingOverdue).toBe(false);
  });
  it('first login done: the next milestone is first value with progress', () => {
    const plan = planAt(bundle({ ...base, activities: [activity(dayAgo(1), 'u1')] }), NOW);
    expect(plan?.milestones[0]?.status).toBe('done');
    expect(plan?.onboardingOverdue).toBe(false);
    expect(plan?.fields.CS_Next_Milestone__c).toBe('First value: 10 active users (now 1 active user)');
    expect(plan?.fields.CS_Next_Milestone_Due__c).toBe('2024-07-20');
  });
  it('reaching active users and features moves the stage to Adoption, then Value', () => {
    const day40 = at(40);
    const adoption = planAt(bundle({ ...base, activities: usage([1, 2], 12, 2, day40) }), day40);
    expect(adoption?.stage).toBe('Adoption');
    expect(adoption?.nextMilestone?.id).toBe('adoption-breadth');
    const day75 = at(75);
    const value = planAt(bundle({ ...base, activities: usage([1, 2], 25, 7, day75) }), day75);
    expect(value?.stage).toBe('Value');
    expect(value?.nextMilestone?.id).toBe('business-review');
  });
  it('the stage is Renewal within 90 days of the renewal date', () => {
    const plan = planAt(bundle({ ...base, account: account({ renewalDate: '2024-09-01' }), activities: usage([1], 25, 7) }), NOW);
    expect(plan?.stage).toBe('Renewal');
  });
  it('user targets follow the segment and are capped at the licensed seats', () => {
    const smb = planAt(bundle({ ...base, account: account({ employees: 30, licensedSeats: 40 }) }), NOW);
    expect(smb?.milestones.find((m) => m.id === 'first-value')?.title).toBe('First value: 3 active users');
    const ent = planAt(bundle({ ...base, account: account({ employees: 9000, licensedSeats: 12 }) }), NOW);
    expect(ent?.milestones.find((m) => m.id === 'first-value')?.title).toBe('First value: 12 active users');
  });
  it('without Mixpanel usage milestones are unknown, never overdue', () => {
    const plan = planAt(bundle({ ...base, sources: { mixpanel: false, zendesk: true, surveys: true } }), NOW);
    expect(plan?.milestones[0]?.status).toBe('unknown');
    expect(plan?.onboardingOverdue).toBe(false);
  });
  it('without a renewal date there is no business review milestone', () => {
    const plan = planAt(bundle({ ...base, account: account({ renewalDate: null }) }), NOW);
    expect(plan?.milestones.some((m) => m.id === 'business-review')).toBe(false);
    expect(plan?.text).toContain('Renewal date: not set');
  });
  it('the next milestone label fits 255 characters', () => {
    const plan = planAt(bundle(base), NOW);
    expect((plan?.fields.CS_Next_Milestone__c ?? '').length).toBeLessThanOrEqual(255);
  });
});

describe('buildSuccessPlan: review flag', () => {
  const b = bundle({ opportunities: [won] });
  it.each([
    ['no previous plan', null, true],
    ['a previous plan for another opportunity', { opportunityId: '006OTHER' }, true],
    ['the same opportunity as before', { opportunityId: '006WON' }, false],
  ])('%s -> review %s', (_name, previous, expected) => {
    const plan = planAt(b, NOW, { lookbackDays: 90, previous });
    expect(plan?.review).toBe(expected);
    expect(plan?.fields.CS_Success_Plan_Review__c).toBe(expected);
  });
});
