/**
 * Success plans (domain.md "Success plans", contracts.md section 1): generated for the latest
 * Closed Won opportunity whose CloseDate falls in the look-back window, populated from what the
 * CRM holds, with a milestone timeline whose status follows the account's signals.
 *
 * Dates are UTC dates. The look-back uses the day rule of src/signals/time-window.ts: a CloseDate
 * counts when it is one of the last `lookbackDays` dates up to today; a CloseDate after today is
 * not a signed contract yet and is ignored. The plan holds no timestamp finer than a day, so it
 * is identical for unchanged inputs on the same day.
 */
import type { SalesforceOpportunity } from '../contracts/records.ts';
import type { AccountBundle } from '../signals/account-bundle.ts';
import type { AccountSignals } from '../signals/compute-signals.ts';
import { dateOfDayNumber, dayInWindow, dayNumberOfDate, dayNumberOfInstant } from '../signals/time-window.ts';
import type { MilestoneGoal, MilestoneTemplate, PlanSegment, PlanStage } from './milestone-templates.ts';
import { milestoneTemplates, planSegmentOf } from './milestone-templates.ts';
import { milestoneLabel, renderPlanText } from './plan-text.ts';

export const NEXT_MILESTONE_MAX_LENGTH = 255;
/** The stage is Renewal once the renewal date is this close (or passed within the plan). */
export const RENEWAL_STAGE_DAYS = 90;

/** done: goal met; open: not yet due; overdue: past its due date and not done; unknown: the signal it needs is unavailable. */
export type MilestoneStatus = 'done' | 'open' | 'overdue' | 'unknown';

export interface Milestone {
  id: string;
  phase: MilestoneTemplate['phase'];
  title: string;
  /** YYYY-MM-DD */
  due: string;
  status: MilestoneStatus;
  /** Where the account stands on the goal, e.g. "now 4 active users"; null when not measurable. */
  progress: string | null;
}

export interface SuccessPlanOptions {
  /** Days back from now in which the CloseDate must fall (default mapping: 90). */
  lookbackDays: number;
  /** The opportunity of the plan generated before, or null when there was none. */
  previous: { opportunityId: string } | null;
}

export interface SuccessPlanFields {
  CS_Success_Plan_Stage__c: PlanStage;
  CS_Next_Milestone__c: string | null;
  CS_Next_Milestone_Due__c: string | null;
  CS_Onboarding_Overdue__c: boolean;
  CS_Success_Plan__c: string;
  CS_Success_Plan_Review__c: boolean;
}

export interface SuccessPlan {
  opportunityId: string;
  segment: PlanSegment;
  stage: PlanStage;
  milestones: Milestone[];
  nextMilestone: Milestone | null;
  onboardingOverdue: boolean;
  /** True when this is a new plan (no previous plan, or one for another opportunity). */
  review: boolean;
  text: string;
  fields: SuccessPlanFields;
}

/**
 * Everything scoring reads of an opportunity: the plan reads only the latest live Closed Won one
 * (latestClosedWon), and all of its fields but the modstamp; of any other, that it is not one.
 * The score stage rescores an account for a changed opportunity only when this changed (keep it
 * in step with latestClosedWon and the plan text).
 */
export function opportunityScoreInputs(opportunity: SalesforceOpportunity): unknown {
  if (!opportunity.isWon || opportunity.isDeleted) return [opportunity.accountId, opportunity.isWon, opportunity.isDeleted];
  const { modstamp: _modstamp, ...read } = opportunity;
  return read;
}

/** The latest Closed Won opportunity with a CloseDate on or before `today` (ties: greatest id). */
export function latestClosedWon(opportunities: readonly SalesforceOpportunity[], today: number): { opportunity: SalesforceOpportunity; closeDay: number } | null {
  let best: { opportunity: SalesforceOpportunity; closeDay: number } | null = null;
  for (const opportunity of opportunities) {
    if (!opportunity.isWon || opportunity.isDeleted) continue;
    const closeDay = dayNumberOfDate(opportunity.closeDate);
    if (Number.isNaN(closeDay) || closeDay > today) continue;
    if (!best || closeDay > best.closeDay || (closeDay === best.closeDay && opportunity.id > best.opportunity.id)) best = { opportunity, closeDay };
  }
  return best;
}

function users(n: number): string {
  return `${n} active user${n === 1 ? '' : 's'}`;
}

function features(n: number): string {
  return `${n} feature${n === 1 ? '' : 's'}`;
}

function goalStatus(goal: MilestoneGoal, s: AccountSignals): { met: boolean | null; progress: string | null } {
  switch (goal.kind) {
    case 'first-login':
      if (s.activeUsers30d === null) return { met: null, progress: null };
      return { met: s.daysSinceLastActivity !== null, progress: s.daysSinceLastActivity === null ? 'no activity yet' : null };
    case 'active-users':
      if (s.activeUsers30d === null) return { met: null, progress: null };
      return { met: s.activeUsers30d >= goal.users, progress: `now ${users(s.activeUsers30d)}` };
    case 'features':
      if (s.featureBreadth30d === null) return { met: null, progress: null };
      return { met: s.featureBreadth30d >= goal.features, progress: `now ${features(s.featureBreadth30d)}` };
    case 'adoption':
      if (s.activeUsers30d === null || s.featureBreadth30d === null) return { met: null, progress: null };
      return {
        met: s.activeUsers30d >= goal.users && s.featureBreadth30d >= goal.features,
        progress: `now ${users(s.activeUsers30d)} and ${features(s.featureBreadth30d)}`,
      };
    case 'business-review':
      return { met: false, progress: null };
  }
}

function buildMilestones(templates: readonly MilestoneTemplate[], closeDay: number, renewalDay: number, today: number, signals: AccountSignals): Milestone[] {
  const out: Array<Milestone & { dueDay: number; order: number }> = [];
  templates.forEach((template, order) => {
    const dueDay = template.due.from === 'close' ? closeDay + template.due.days : renewalDay - template.due.daysBefore;
    if (Number.isNaN(dueDay)) return;
    const { met, progress } = goalStatus(template.goal, signals);
    const status: MilestoneStatus = met === null ? 'unknown' : met ? 'done' : dueDay < today ? 'overdue' : 'open';
    out.push({ id: template.id, phase: template.phase, title: template.title, due: dateOfDayNumber(dueDay), status, progress: met ? null : progress, dueDay, order });
  });
  out.sort((a, b) => a.dueDay - b.dueDay || a.order - b.order);
  return out.map(({ dueDay: _dueDay, order: _order, ...m }) => m);
}

/** A milestone counts as behind the account when done, or when its status is unknown and its due date has passed. */
function passed(m: Milestone, todayDate: string): boolean {
  return m.status === 'done' || (m.status === 'unknown' && m.due < todayDate);
}

function stageOf(milestones: readonly Milestone[], todayDate: string, daysToRenewal: number | null): PlanStage {
  if (daysToRenewal !== null && daysToRenewal <= RENEWAL_STAGE_DAYS) return 'Renewal';
  if (milestones.some((m) => m.phase === 'Onboarding' && !passed(m, todayDate))) return 'Onboarding';
  if (milestones.some((m) => m.phase === 'Adoption' && !passed(m, todayDate))) return 'Adoption';
  return 'Value';
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function buildSuccessPlan(bundle: AccountBundle, now: Date, options: SuccessPlanOptions, signals: AccountSignals): SuccessPlan | null {
  const today = dayNumberOfInstant(now.getTime());
  const todayDate = dateOfDayNumber(today);
  const latest = latestClosedWon(bundle.opportunities, today);
  if (!latest || !dayInWindow(latest.closeDay, today, options.lookbackDays)) return null;
  const { opportunity, closeDay } = latest;

  const segment = planSegmentOf(bundle.account.employees);
  const renewalDay = dayNumberOfDate(bundle.account.renewalDate);
  const milestones = buildMilestones(milestoneTemplates(segment, signals.licensedSeats), closeDay, renewalDay, today, signals);
  const stage = stageOf(milestones, todayDate, Number.isNaN(renewalDay) ? null : renewalDay - today);
  const nextMilestone = milestones.find((m) => !passed(m, todayDate)) ?? null;
  const onboardingOverdue = milestones.some((m) => m.phase === 'Onboarding' && m.status === 'overdue');
  const review = options.previous === null || options.previous.opportunityId !== opportunity.id;

  const items = bundle.lineItems.filter((li) => li.opportunityId === opportunity.id);
  const text = renderPlanText({
    account: bundle.account,
    opportunity,
    closeDate: dateOfDayNumber(closeDay),
    lineItems: items,
    owner: bundle.account.ownerId ? (bundle.users.get(bundle.account.ownerId)?.name ?? null) : null,
    csm: bundle.account.csmId ? (bundle.users.get(bundle.account.csmId)?.name ?? null) : null,
    segment,
    stage,
    milestones,
    nextMilestone,
    onboardingOverdue,
  });

  return {
    opportunityId: opportunity.id,
    segment,
    stage,
    milestones,
    nextMilestone,
    onboardingOverdue,
    review,
    text,
    fields: {
      CS_Success_Plan_Stage__c: stage,
      CS_Next_Milestone__c: nextMilestone ? truncate(milestoneLabel(nextMilestone), NEXT_MILESTONE_MAX_LENGTH) : null,
      CS_Next_Milestone_Due__c: nextMilestone?.due ?? null,
      CS_Onboarding_Overdue__c: onboardingOverdue,
      CS_Success_Plan__c: text,
      CS_Success_Plan_Review__c: review,
    },
  };
}
