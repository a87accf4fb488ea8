/**
 * The Account fields Tidemark owns (contracts.md section 1), with the types the shipped
 * metadata gives them. Write-back compares and sends values typed by these specs.
 */
export type FieldType = 'double' | 'percent' | 'string' | 'textarea' | 'picklist' | 'date' | 'datetime' | 'boolean';

export interface FieldSpec {
  /** The Salesforce field written (after the field mapping). */
  name: string;
  /** Tidemark's name for the value (the default field name); defaults to `name`. */
  key?: string;
  type: FieldType;
  /** Text length limit. */
  length?: number;
  /** Total digits of a number (digits left of the point = precision - scale). */
  precision?: number;
  /** Decimal places kept for numbers. */
  scale?: number;
  picklist?: string[];
}

export const OWNED_ACCOUNT_FIELDS: readonly FieldSpec[] = [
  { name: 'CS_Health_Score__c', type: 'double', precision: 3, scale: 0 },
  { name: 'CS_Health_Band__c', type: 'picklist', picklist: ['Green', 'Yellow', 'Red'] },
  { name: 'CS_Health_Trend__c', type: 'double', precision: 4, scale: 0 },
  { name: 'CS_Health_Drivers__c', type: 'textarea', length: 4000 },
  { name: 'CS_Health_Updated__c', type: 'datetime' },
  { name: 'CS_Active_Users_30d__c', type: 'double', precision: 8, scale: 0 },
  { name: 'CS_License_Utilization__c', type: 'percent', precision: 5, scale: 1 },
  { name: 'CS_Open_Tickets__c', type: 'double', precision: 6, scale: 0 },
  { name: 'CS_Urgent_Tickets_90d__c', type: 'double', precision: 6, scale: 0 },
  { name: 'CS_NPS__c', type: 'double', precision: 4, scale: 0 },
  { name: 'CS_Success_Plan_Stage__c', type: 'picklist', picklist: ['Onboarding', 'Adoption', 'Value', 'Renewal'] },
  { name: 'CS_Next_Milestone__c', type: 'string', length: 255 },
  { name: 'CS_Next_Milestone_Due__c', type: 'date' },
  { name: 'CS_Onboarding_Overdue__c', type: 'boolean' },
  { name: 'CS_Success_Plan__c', type: 'textarea', length: 32000 },
  { name: 'CS_Success_Plan_Review__c', type: 'boolean' },
];

export const OWNED_FIELD_NAMES = OWNED_ACCOUNT_FIELDS.map((f) => f.name);

/** Fields whose change moves CS_Health_Updated__c. */
export const HEALTH_FIELDS = ['CS_Health_Score__c', 'CS_Health_Band__c', 'CS_Health_Trend__c', 'CS_Health_Drivers__c'] as const;
export const HEALTH_UPDATED_FIELD = 'CS_Health_Updated__c';

/** Tidemark's name for the value a spec carries. */
export const keyOf = (spec: FieldSpec): string => spec.key ?? spec.name;
