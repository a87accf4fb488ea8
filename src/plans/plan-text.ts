/**
 * The success plan as text for CS_Success_Plan__c (Long Text 32000), readable by a CSM.
 * "Why they bought" (the opportunity Description, quoted verbatim) comes last, so that when the
 * plan is too long only the end of the description is cut. Numbers are formatted without the
 * host locale, so the text is the same on every machine.
 */
import type { SalesforceAccount, SalesforceOpportunity, SalesforceOpportunityLineItem } from '../contracts/records.ts';
import type { PlanSegment, PlanStage } from './milestone-templates.ts';
import type { Milestone } from './success-plan.ts';

export const PLAN_TEXT_MAX_LENGTH = 32000;

export interface PlanTextInput {
  account: SalesforceAccount;
  opportunity: SalesforceOpportunity;
  closeDate: string;
  lineItems: readonly SalesforceOpportunityLineItem[];
  owner: string | null;
  csm: string | null;
  segment: PlanSegment;
  stage: PlanStage;
  milestones: readonly Milestone[];
  nextMilestone: Milestone | null;
  onboardingOverdue: boolean;
}

export function milestoneLabel(m: Milestone): string {
  return m.progress ? `${m.title} (${m.progress})` : m.title;
}

/** 1234567.5 -> "1,234,567.50" (no locale). */
export function formatAmount(value: number): string {
  const negative = value < 0;
  const [whole = '0', cents = '00'] = Math.abs(value).toFixed(2).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${cents}`;
}

function formatQuantity(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

function productLines(items: readonly SalesforceOpportunityLineItem[]): string[] {
  if (items.length === 0) return ['- none recorded on the opportunity'];
  const named = items.map((li) => ({ li, name: li.name?.trim() || li.productName?.trim() || 'Unnamed product' }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.li.id < b.li.id ? -1 : a.li.id > b.li.id ? 1 : 0));
  return named.map(({ li, name }) => {
    const qty = li.quantity !== null ? ` x ${formatQuantity(li.quantity)}` : '';
    const price = li.totalPrice !== null ? `: ${formatAmount(li.totalPrice)}` : '';
    return `- ${name}${qty}${price}`;
  });
}

function orNone(value: string | null, none: string): string {
  const trimmed = value?.trim();
  return trimmed ? trimmed : none;
}

export function renderPlanText(input: PlanTextInput): string {
  const { account, opportunity } = input;
  const employees = account.employees !== null ? ` (${account.employees} employees)` : '';
  const lines: string[] = [
    `SUCCESS PLAN: ${account.name}`,
    `Opportunity: ${opportunity.name} (Closed Won ${input.closeDate}${opportunity.type ? `, ${opportunity.type}` : ''})`,
    `Segment: ${input.segment}${employees}`,
    `Stage: ${input.stage}`,
    '',
    'Products bought:',
    ...productLines(input.lineItems),
    `Amount: ${opportunity.amount !== null ? formatAmount(opportunity.amount) : 'not recorded'}`,
    `Renewal date: ${orNone(account.renewalDate?.slice(0, 10) ?? null, 'not set (CS_Renewal_Date__c is empty)')}`,
    `Account owner: ${orNone(input.owner, 'unknown')}`,
    `CSM: ${orNone(input.csm, 'not assigned')}`,
    `Partners: ${orNone(opportunity.partners, 'none recorded')}`,
    `Business challenges: ${orNone(opportunity.businessChallenges, 'none recorded')}`,
  ];
  if (opportunity.nextStep?.trim()) lines.push(`Next step (opportunity): ${opportunity.nextStep.trim()}`);
  lines.push('', 'Milestones:');
  for (const m of input.milestones) lines.push(`- [${m.status}] ${m.due} ${m.phase}: ${milestoneLabel(m)}`);
  lines.push(
    `Next milestone: ${input.nextMilestone ? `${milestoneLabel(input.nextMilestone)}, due ${input.nextMilestone.due}` : 'none open'}`,
    `Onboarding overdue: ${input.onboardingOverdue ? 'yes' : 'no'}`,
    '',
  );
  const head = lines.join('\n');
  const description = opportunity.description;
  if (description === null || description.trim() === '') return cut(`${head}\nWhy they bought: not recorded on the opportunity`);
  const prefix = `${head}\nWhy they bought:\n"`;
  const room = PLAN_TEXT_MAX_LENGTH - prefix.length - 1;
  if (description.length <= room) return `${prefix}${description}"`;
  if (room <= 1) return cut(prefix);
  return `${prefix}${description.slice(0, room - 1)}…`;
}

function cut(text: string): string {
  return text.length <= PLAN_TEXT_MAX_LENGTH ? text : `${text.slice(0, PLAN_TEXT_MAX_LENGTH - 1)}…`;
}
