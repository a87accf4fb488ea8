/**
 * Milestone timelines per segment (company size): what similar customers reach and when.
 * Due dates count from the CloseDate of the Closed Won opportunity, or back from the renewal
 * date. Goals are checked against account signals: first login = any recorded activity,
 * N active users in the last 30 days, N features (distinct event names) used in the last 30 days.
 */
export type PlanStage = 'Onboarding' | 'Adoption' | 'Value' | 'Renewal';
export type PlanSegment = 'smb' | 'mid-market' | 'enterprise';

export type MilestoneGoal =
  | { kind: 'first-login' }
  | { kind: 'active-users'; users: number }
  | { kind: 'features'; features: number }
  | { kind: 'adoption'; users: number; features: number }
  | { kind: 'business-review' };

export interface MilestoneTemplate {
  id: string;
  phase: Exclude<PlanStage, 'Value'>;
  title: string;
  due: { from: 'close'; days: number } | { from: 'renewal'; daysBefore: number };
  goal: MilestoneGoal;
}

interface SegmentTargets {
  firstValueUsers: number;
  breadthFeatures: number;
  depthUsers: number;
  depthFeatures: number;
}

const TARGETS: Readonly<Record<PlanSegment, SegmentTargets>> = {
  smb: { firstValueUsers: 3, breadthFeatures: 3, depthUsers: 5, depthFeatures: 5 },
  'mid-market': { firstValueUsers: 10, breadthFeatures: 4, depthUsers: 20, depthFeatures: 6 },
  enterprise: { firstValueUsers: 25, breadthFeatures: 5, depthUsers: 50, depthFeatures: 8 },
};

/** smb up to 199 employees, mid-market up to 1,999, enterprise above; unknown -> mid-market. */
export function planSegmentOf(employees: number | null): PlanSegment {
  if (employees === null || !Number.isFinite(employees)) return 'mid-market';
  if (employees <= 199) return 'smb';
  if (employees <= 1999) return 'mid-market';
  return 'enterprise';
}

/**
 * The milestone templates of a segment. User targets are capped at the licensed seats (a
 * 3-seat contract cannot reach 10 active users).
 */
export function milestoneTemplates(segment: PlanSegment, licensedSeats: number | null): MilestoneTemplate[] {
  const t = TARGETS[segment];
  const cap = (n: number): number => (licensedSeats !== null && licensedSeats > 0 ? Math.max(1, Math.min(n, Math.floor(licensedSeats))) : n);
  const firstValue = cap(t.firstValueUsers);
  const depthUsers = cap(t.depthUsers);
  return [
    { id: 'kickoff', phase: 'Onboarding', title: 'Kickoff: first user active', due: { from: 'close', days: 7 }, goal: { kind: 'first-login' } },
    { id: 'first-value', phase: 'Onboarding', title: `First value: ${firstValue} active users`, due: { from: 'close', days: 30 }, goal: { kind: 'active-users', users: firstValue } },
    { id: 'adoption-breadth', phase: 'Adoption', title: `Adoption breadth: ${t.breadthFeatures} features used`, due: { from: 'close', days: 60 }, goal: { kind: 'features', features: t.breadthFeatures } },
    {
      id: 'adoption-depth',
      phase: 'Adoption',
      title: `Adoption depth: ${depthUsers} active users and ${t.depthFeatures} features`,
      due: { from: 'close', days: 90 },
      goal: { kind: 'adoption', users: depthUsers, features: t.depthFeatures },
    },
    { id: 'business-review', phase: 'Renewal', title: 'Business review before renewal', due: { from: 'renewal', daysBefore: 60 }, goal: { kind: 'business-review' } },
  ];
}
