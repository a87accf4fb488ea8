/** The raw Salesforce fields Tidemark relies on (API casing lives only here). */
import { z } from 'zod';

const text = z.union([z.string(), z.number(), z.null(), z.undefined()]).transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));
const num = z.union([z.number(), z.string(), z.null(), z.undefined()]).transform((v) => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
});
const bool = z.union([z.boolean(), z.string(), z.null(), z.undefined()]).transform((v) => v === true || v === 'true');
const sfId = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'a 15- or 18-character Salesforce Id');

export const rawAccountSchema = z.looseObject({
  Id: sfId,
  Name: z.string(),
  Website: text,
  Industry: text,
  NumberOfEmployees: num,
  OwnerId: text,
  CS_Manager__c: text,
  CS_Email_Domains__c: text,
  CS_Licensed_Seats__c: num,
  CS_Renewal_Date__c: text,
  IsDeleted: bool,
  MasterRecordId: text,
  SystemModstamp: z.string(),
});

export const rawContactSchema = z.looseObject({
  Id: sfId,
  AccountId: text,
  FirstName: text,
  LastName: text,
  Email: text,
  IsDeleted: bool,
  CreatedDate: text,
  SystemModstamp: z.string(),
});

export const rawUserSchema = z.looseObject({ Id: sfId, Name: z.string(), Email: text, IsActive: bool, SystemModstamp: z.string() });

export const rawOpportunitySchema = z.looseObject({
  Id: sfId,
  AccountId: text,
  Name: z.string(),
  StageName: z.string(),
  IsClosed: bool,
  IsWon: bool,
  CloseDate: text,
  Amount: num,
  Type: text,
  Description: text,
  NextStep: text,
  CS_Partners__c: text,
  CS_Business_Challenges__c: text,
  IsDeleted: bool,
  SystemModstamp: z.string(),
});

export const rawLineItemSchema = z.looseObject({
  Id: sfId,
  OpportunityId: sfId,
  Product2Id: text,
  Name: text,
  Quantity: num,
  TotalPrice: num,
  /** The parent product, when the query asked for Product2.Name. */
  Product2: z.looseObject({ Name: text }).nullish(),
});

export const describeSchema = z.looseObject({ fields: z.array(z.looseObject({ name: z.string(), type: z.string() })) });
