/** Pure raw -> canonical mapping for Salesforce records. */
import type {
  SalesforceAccount, SalesforceContact, SalesforceOpportunity, SalesforceOpportunityLineItem, SalesforceUser,
} from '../../src/contracts/records.ts';
import type { z } from 'zod';
import type { rawAccountSchema, rawContactSchema, rawLineItemSchema, rawOpportunitySchema, rawUserSchema } from './raw-schemas.ts';

/** Salesforce datetimes (`2026-11-20T12:00:00.000+0000`) as ISO-8601 UTC. */
export function isoInstant(value: string): string {
  const fixed = value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(fixed);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

export function splitDomains(value: string | null): string[] {
  if (!value) return [];
  return value.split(/[;,\s]+/).map((d) => d.trim().toLowerCase()).filter(Boolean);
}

export function mapAccount(raw: z.infer<typeof rawAccountSchema>, writeFields: readonly string[]): SalesforceAccount {
  const fields: Record<string, unknown> = {};
  for (const f of writeFields) if (f in raw) fields[f] = raw[f] ?? null;
  return {
    kind: 'salesforce.account',
    id: raw.Id,
    name: raw.Name,
    website: raw.Website,
    emailDomains: splitDomains(raw.CS_Email_Domains__c),
    licensedSeats: raw.CS_Licensed_Seats__c,
    renewalDate: raw.CS_Renewal_Date__c ? raw.CS_Renewal_Date__c.slice(0, 10) : null,
    ownerId: raw.OwnerId,
    csmId: raw.CS_Manager__c,
    industry: raw.Industry,
    employees: raw.NumberOfEmployees,
    isDeleted: raw.IsDeleted,
    masterRecordId: raw.MasterRecordId,
    modstamp: isoInstant(raw.SystemModstamp),
    fields,
  };
}

export function mapContact(raw: z.infer<typeof rawContactSchema>): SalesforceContact {
  return {
    kind: 'salesforce.contact',
    id: raw.Id,
    accountId: raw.AccountId,
    email: raw.Email,
    firstName: raw.FirstName,
    lastName: raw.LastName,
    isDeleted: raw.IsDeleted,
    createdAt: raw.CreatedDate ? isoInstant(raw.CreatedDate) : null,
    modstamp: isoInstant(raw.SystemModstamp),
  };
}

export function mapUser(raw: z.infer<typeof rawUserSchema>): SalesforceUser {
  return { kind: 'salesforce.user', id: raw.Id, name: raw.Name, email: raw.Email, isActive: raw.IsActive, modstamp: isoInstant(raw.SystemModstamp) };
}

export function mapOpportunity(raw: z.infer<typeof rawOpportunitySchema>): SalesforceOpportunity {
  return {
    kind: 'salesforce.opportunity',
    id: raw.Id,
    accountId: raw.AccountId,
    name: raw.Name,
    stageName: raw.StageName,
    isClosed: raw.IsClosed,
    isWon: raw.IsWon,
    closeDate: raw.CloseDate ? raw.CloseDate.slice(0, 10) : null,
    amount: raw.Amount,
    type: raw.Type,
    description: raw.Description,
    nextStep: raw.NextStep,
    partners: raw.CS_Partners__c,
    businessChallenges: raw.CS_Business_Challenges__c,
    isDeleted: raw.IsDeleted,
    modstamp: isoInstant(raw.SystemModstamp),
  };
}

export function mapLineItem(raw: z.infer<typeof rawLineItemSchema>): SalesforceOpportunityLineItem {
  return {
    kind: 'salesforce.opportunity_line_item',
    id: raw.Id,
    opportunityId: raw.OpportunityId,
    product2Id: raw.Product2Id,
    name: raw.Name,
    productName: raw.Product2?.Name ?? null,
    quantity: raw.Quantity,
    totalPrice: raw.TotalPrice,
  };
}
