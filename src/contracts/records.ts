/**
 * Canonical records: what connectors produce and what identity, health and plans consume.
 * Source casing lives in each connector's raw-schemas.ts; these shapes are source-neutral.
 */
import { z } from 'zod';

export const RECORD_KINDS = [
  'salesforce.account',
  'salesforce.contact',
  'salesforce.user',
  'salesforce.opportunity',
  'salesforce.opportunity_line_item',
  'zendesk.organization',
  'zendesk.user',
  'zendesk.ticket',
  'mixpanel.profile',
  'mixpanel.activity',
  'surveys.response',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];
export const recordKindSchema = z.enum(RECORD_KINDS);

export const SOURCES = ['salesforce', 'zendesk', 'mixpanel', 'surveys'] as const;
export type SourceId = (typeof SOURCES)[number];
export const sourceIdSchema = z.enum(SOURCES);

export function sourceOfKind(kind: RecordKind): SourceId {
  return kind.slice(0, kind.indexOf('.')) as SourceId;
}

const nullableString = z.string().nullable();

export const salesforceAccountSchema = z.object({
  kind: z.literal('salesforce.account'),
  id: z.string(),
  name: z.string(),
  website: nullableString,
  emailDomains: z.array(z.string()),
  licensedSeats: z.number().nullable(),
  renewalDate: nullableString,
  ownerId: nullableString,
  csmId: nullableString,
  industry: nullableString,
  employees: z.number().nullable(),
  isDeleted: z.boolean(),
  masterRecordId: nullableString,
  modstamp: z.string(),
  /** Values Salesforce holds for the write-back fields (API name -> value), read during the pull. */
  fields: z.record(z.string(), z.unknown()),
});
export type SalesforceAccount = z.infer<typeof salesforceAccountSchema>;

export const salesforceContactSchema = z.object({
  kind: z.literal('salesforce.contact'),
  id: z.string(),
  accountId: nullableString,
  email: nullableString,
  firstName: nullableString,
  lastName: nullableString,
  isDeleted: z.boolean(),
  createdAt: nullableString,
  modstamp: z.string(),
});
export type SalesforceContact = z.infer<typeof salesforceContactSchema>;

export const salesforceUserSchema = z.object({
  kind: z.literal('salesforce.user'),
  id: z.string(),
  name: z.string(),
  email: nullableString,
  isActive: z.boolean(),
  modstamp: z.string(),
});
export type SalesforceUser = z.infer<typeof salesforceUserSchema>;

export const salesforceOpportunitySchema = z.object({
  kind: z.literal('salesforce.opportunity'),
  id: z.string(),
  accountId: nullableString,
  name: z.string(),
  stageName: z.string(),
  isClosed: z.boolean(),
  isWon: z.boolean(),
  closeDate: nullableString,
  amount: z.number().nullable(),
  type: nullableString,
  description: nullableString,
  nextStep: nullableString,
  partners: nullableString,
  businessChallenges: nullableString,
  isDeleted: z.boolean(),
  modstamp: z.string(),
});
export type SalesforceOpportunity = z.infer<typeof salesforceOpportunitySchema>;

export const salesforceOpportunityLineItemSchema = z.object({
  kind: z.literal('salesforce.opportunity_line_item'),
  id: z.string(),
  opportunityId: z.string(),
  product2Id: nullableString,
  name: nullableString,
  productName: nullableString,
  quantity: z.number().nullable(),
  totalPrice: z.number().nullable(),
});
export type SalesforceOpportunityLineItem = z.infer<typeof salesforceOpportunityLineItemSchema>;

export const zendeskOrganizationSchema = z.object({
  kind: z.literal('zendesk.organization'),
  id: z.string(),
  name: z.string(),
  domainNames: z.array(z.string()),
  externalId: nullableString,
  updatedAt: z.string(),
});
export type ZendeskOrganization = z.infer<typeof zendeskOrganizationSchema>;

export const zendeskUserSchema = z.object({
  kind: z.literal('zendesk.user'),
  id: z.string(),
  name: nullableString,
  email: nullableString,
  organizationId: nullableString,
  externalId: nullableString,
  role: nullableString,
  active: z.boolean(),
  updatedAt: z.string(),
});
export type ZendeskUser = z.infer<typeof zendeskUserSchema>;

export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted'] as const;
export const zendeskTicketSchema = z.object({
  kind: z.literal('zendesk.ticket'),
  id: z.string(),
  subject: nullableString,
  status: z.enum(TICKET_STATUSES),
  priority: nullableString,
  requesterId: nullableString,
  organizationId: nullableString,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Zendesk satisfaction rating score: good, bad, offered, unoffered, or null. */
  satisfaction: nullableString,
});
export type ZendeskTicket = z.infer<typeof zendeskTicketSchema>;

export const mixpanelProfileSchema = z.object({
  kind: z.literal('mixpanel.profile'),
  id: z.string(),
  email: nullableString,
  accountId: nullableString,
});
export type MixpanelProfile = z.infer<typeof mixpanelProfileSchema>;

/**
 * Events are aggregated per UTC day, distinct_id and explicit account id (the event's own
 * account property). A day partition is always replaced whole, so re-reading a day is idempotent.
 */
export const mixpanelActivitySchema = z.object({
  kind: z.literal('mixpanel.activity'),
  id: z.string(),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  distinctId: z.string(),
  accountId: nullableString,
  eventCount: z.number().int().nonnegative(),
  eventNames: z.array(z.string()),
  /** Epoch ms of the day's first and last event: windows are exact on their boundary day. */
  firstAt: z.number().optional(),
  lastAt: z.number().optional(),
});
export type MixpanelActivity = z.infer<typeof mixpanelActivitySchema>;

export const surveyResponseSchema = z.object({
  kind: z.literal('surveys.response'),
  id: z.string(),
  email: nullableString,
  score: z.number().int().min(0).max(10),
  comment: nullableString,
  submittedAt: z.string(),
  accountId: nullableString,
});
export type SurveyResponse = z.infer<typeof surveyResponseSchema>;

export const canonicalRecordSchema = z.discriminatedUnion('kind', [
  salesforceAccountSchema,
  salesforceContactSchema,
  salesforceUserSchema,
  salesforceOpportunitySchema,
  salesforceOpportunityLineItemSchema,
  zendeskOrganizationSchema,
  zendeskUserSchema,
  zendeskTicketSchema,
  mixpanelProfileSchema,
  mixpanelActivitySchema,
  surveyResponseSchema,
]);
export type CanonicalRecord = z.infer<typeof canonicalRecordSchema>;
export type RecordOf<K extends RecordKind> = Extract<CanonicalRecord, { kind: K }>;

export function activityId(day: string, distinctId: string, accountId: string | null): string {
  return `${day}|${distinctId}|${accountId ?? ''}`;
}
