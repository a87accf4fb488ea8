/**
 * sObject describe for the emulator: fields inferred from the dataset's records, the standard
 * audit fields, and on Account the custom fields of contracts.md section 1. Fields can be made
 * missing or read-only to exercise the write-back pre-flight.
 */
export type FieldType = 'id' | 'string' | 'textarea' | 'picklist' | 'double' | 'int' | 'percent' | 'currency' | 'boolean' | 'date' | 'datetime' | 'reference' | 'url' | 'email';

export interface FieldDescribe {
  name: string;
  type: FieldType;
  label: string;
  updateable: boolean;
  createable: boolean;
  custom: boolean;
  nillable: boolean;
  length: number;
  precision: number;
  scale: number;
  referenceTo: string[];
  picklistValues: Array<{ value: string; label: string; active: boolean; defaultValue: boolean; validFor: null }>;
  restrictedPicklist: boolean;
  relationshipName: string | null;
  soapType: string;
  externalId: boolean;
  calculated: boolean;
  defaultValue: boolean | null;
  defaultedOnCreate: boolean;
  digits: number;
  byteLength: number;
  filterable: boolean;
  sortable: boolean;
  groupable: boolean;
  unique: boolean;
  idLookup: boolean;
  nameField: boolean;
  deprecatedAndHidden: boolean;
}

type Spec = Partial<FieldDescribe> & { type: FieldType };

/** Account.Industry's standard (unrestricted) values. */
const INDUSTRIES = 'Agriculture,Apparel,Banking,Biotechnology,Chemicals,Communications,Construction,Consulting,Education,Electronics,Energy,Engineering,Entertainment,Environmental,Finance,Food & Beverage,Government,Healthcare,Hospitality,Insurance,Machinery,Manufacturing,Media,Not For Profit,Recreation,Retail,Shipping,Technology,Telecommunications,Transportation,Utilities,Other'.split(',');

const ACCOUNT_CUSTOM: Record<string, Spec> = {
  CS_Health_Score__c: { type: 'double', precision: 3, scale: 0 },
  CS_Health_Band__c: { type: 'picklist', length: 255, picklistValues: picklist(['Green', 'Yellow', 'Red']), restrictedPicklist: true },
  CS_Health_Trend__c: { type: 'double', precision: 4, scale: 0 },
  CS_Health_Drivers__c: { type: 'textarea', length: 4000 },
  CS_Health_Updated__c: { type: 'datetime' },
  CS_Active_Users_30d__c: { type: 'double', precision: 8, scale: 0 },
  CS_License_Utilization__c: { type: 'percent', precision: 5, scale: 1 },
  CS_Open_Tickets__c: { type: 'double', precision: 6, scale: 0 },
  CS_Urgent_Tickets_90d__c: { type: 'double', precision: 6, scale: 0 },
  CS_NPS__c: { type: 'double', precision: 4, scale: 0 },
  CS_Success_Plan_Stage__c: { type: 'picklist', length: 255, picklistValues: picklist(['Onboarding', 'Adoption', 'Value', 'Renewal']), restrictedPicklist: true },
  CS_Next_Milestone__c: { type: 'string', length: 255 },
  CS_Next_Milestone_Due__c: { type: 'date' },
  CS_Onboarding_Overdue__c: { type: 'boolean', nillable: false },
  CS_Success_Plan__c: { type: 'textarea', length: 32000 },
  CS_Success_Plan_Review__c: { type: 'boolean', nillable: false },
  CS_Email_Domains__c: { type: 'string', length: 255 },
  CS_Licensed_Seats__c: { type: 'double', precision: 8, scale: 0 },
  CS_Renewal_Date__c: { type: 'date' },
  CS_Manager__c: { type: 'reference', referenceTo: ['User'] },
};

const STANDARD: Record<string, Record<string, Spec>> = {
  Account: {
    Name: { type: 'string', length: 255, nillable: false },
    Website: { type: 'url', length: 255 },
    Industry: { type: 'picklist', length: 40, picklistValues: picklist(INDUSTRIES) },
    NumberOfEmployees: { type: 'int', digits: 8 },
    OwnerId: { type: 'reference', referenceTo: ['User'], nillable: false },
    MasterRecordId: { type: 'reference', referenceTo: ['Account'], updateable: false },
  },
  Contact: { AccountId: { type: 'reference', referenceTo: ['Account'] }, Email: { type: 'email', length: 80 }, FirstName: { type: 'string', length: 40 }, LastName: { type: 'string', length: 80 } },
  Opportunity: {
    AccountId: { type: 'reference', referenceTo: ['Account'] },
    Name: { type: 'string', length: 120 },
    StageName: { type: 'picklist', length: 255 },
    IsClosed: { type: 'boolean', updateable: false },
    IsWon: { type: 'boolean', updateable: false },
    CloseDate: { type: 'date' },
    Amount: { type: 'currency', precision: 18, scale: 2 },
    Type: { type: 'picklist', length: 255 },
    Description: { type: 'textarea', length: 32000 },
    NextStep: { type: 'string', length: 255 },
    CS_Partners__c: { type: 'string', length: 255 },
    CS_Business_Challenges__c: { type: 'textarea', length: 32000 },
  },
  OpportunityLineItem: { OpportunityId: { type: 'reference', referenceTo: ['Opportunity'] }, Product2Id: { type: 'reference', referenceTo: ['Product2'] }, Name: { type: 'string', length: 376, updateable: false }, Quantity: { type: 'double', precision: 12, scale: 2 }, TotalPrice: { type: 'currency', precision: 18, scale: 2 } },
  Product2: { Name: { type: 'string', length: 255, nillable: false }, ProductCode: { type: 'string', length: 255 }, Family: { type: 'picklist', length: 255 }, IsActive: { type: 'boolean' } },
  User: { Name: { type: 'string', length: 121, updateable: false }, Email: { type: 'email', length: 128 }, IsActive: { type: 'boolean' } },
  Task: {
    Subject: { type: 'string', length: 255 },
    Description: { type: 'textarea', length: 32000 },
    WhatId: { type: 'reference', referenceTo: ['Account', 'Opportunity'] },
    OwnerId: { type: 'reference', referenceTo: ['User'] },
    Status: { type: 'picklist', length: 255 },
    Priority: { type: 'picklist', length: 255 },
    ActivityDate: { type: 'date' },
  },
};

function picklist(values: string[]): FieldDescribe['picklistValues'] {
  return values.map((value) => ({ active: true, defaultValue: false, label: value, validFor: null, value }));
}

const REFERENCE_PREFIX: Record<string, string> = { '001': 'Account', '003': 'Contact', '005': 'User', '006': 'Opportunity', '01t': 'Product2', '00k': 'OpportunityLineItem' };

function infer(name: string, sample: unknown): Spec {
  if (name === 'Id') return { type: 'id', updateable: false, createable: false, nillable: false, length: 18 };
  if (['CreatedDate', 'LastModifiedDate', 'SystemModstamp'].includes(name)) return { type: 'datetime', updateable: false, createable: false, nillable: false };
  if (name === 'IsDeleted') return { type: 'boolean', updateable: false, createable: false };
  if (typeof sample === 'boolean') return { type: 'boolean' };
  if (typeof sample === 'number') return { type: 'double', precision: 18, scale: 2 };
  if (typeof sample === 'string') {
    if (/Id$/.test(name) && /^[a-zA-Z0-9]{15,18}$/.test(sample)) return { type: 'reference', referenceTo: [REFERENCE_PREFIX[sample.slice(0, 3)] ?? 'Account'] };
    if (/^\d{4}-\d{2}-\d{2}$/.test(sample)) return { type: 'date' };
    if (/^\d{4}-\d{2}-\d{2}T/.test(sample)) return { type: 'datetime' };
    return { type: sample.length > 255 ? 'textarea' : 'string', length: sample.length > 255 ? 32000 : 255 };
  }
  return { type: 'string', length: 255 };
}

const SOAP_TYPE: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  url: 'xsd:string',
  email: 'xsd:string',
  double: 'xsd:double',
  percent: 'xsd:double',
  currency: 'xsd:double',
  int: 'xsd:int',
  boolean: 'xsd:boolean',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

function relationshipNameOf(name: string, type: FieldType): string | null {
  if (type !== 'reference') return null;
  if (name.endsWith('__c')) return `${name.slice(0, -3)}__r`;
  return name.endsWith('Id') ? name.slice(0, -2) : null;
}

function full(name: string, spec: Spec, custom: boolean): FieldDescribe {
  const length = spec.length ?? (spec.type === 'id' || spec.type === 'reference' ? 18 : 0);
  const textual = ['string', 'textarea', 'picklist', 'url', 'email', 'id', 'reference'].includes(spec.type);
  return {
    relationshipName: relationshipNameOf(name, spec.type),
    soapType: SOAP_TYPE[spec.type],
    externalId: false,
    calculated: false,
    defaultValue: spec.type === 'boolean' ? false : null,
    defaultedOnCreate: spec.type === 'boolean' || name === 'Id' || ['CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'OwnerId'].includes(name),
    digits: spec.type === 'int' ? (spec.digits ?? 9) : 0,
    byteLength: spec.type === 'id' || spec.type === 'reference' ? length : textual ? length * 3 : 0,
    filterable: spec.type !== 'textarea' || length <= 255,
    sortable: spec.type !== 'textarea' || length <= 255,
    groupable: !['double', 'percent', 'currency', 'datetime', 'textarea'].includes(spec.type),
    unique: false,
    idLookup: name === 'Id',
    nameField: name === 'Name',
    deprecatedAndHidden: false,
    name,
    label: name.replace(/__c$/, '').replace(/_/g, ' '),
    updateable: true,
    createable: true,
    nillable: spec.type !== 'boolean' && name !== 'Id',
    length,
    precision: 0,
    scale: 0,
    referenceTo: [],
    picklistValues: [],
    restrictedPicklist: false,
    ...spec,
    custom,
  };
}

export class DescribeRegistry {
  private missing = new Set<string>();
  private readOnly = new Set<string>();
  private readonly inferred = new Map<string, Map<string, Spec>>();
  private readonly cache = new Map<string, { list: FieldDescribe[]; byLower: Map<string, FieldDescribe> }>();

  constructor(objects: Map<string, Array<Record<string, unknown>>>, options: { missingFields?: string[]; readOnlyFields?: string[] } = {}) {
    for (const [sobject, records] of objects) for (const r of records) this.learn(sobject, r);
    for (const o of Object.keys(STANDARD)) if (!this.inferred.has(o)) this.inferred.set(o, new Map());
    this.configure(options);
  }

  /** Adds the fields of a record (dataset or sandbox write) to its object's describe. */
  learn(sobject: string, record: Record<string, unknown>): void {
    let fields = this.inferred.get(sobject);
    if (!fields) {
      fields = new Map();
      this.inferred.set(sobject, fields);
    }
    for (const [k, v] of Object.entries(record)) {
      if (k === 'attributes') continue;
      if (!fields.has(k) || (v !== null && v !== undefined)) fields.set(k, infer(k, v));
    }
    this.cache.delete(sobject);
  }

  configure(options: { missingFields?: string[]; readOnlyFields?: string[] }): void {
    if (options.missingFields) this.missing = new Set(options.missingFields);
    if (options.readOnlyFields) this.readOnly = new Set(options.readOnlyFields);
    this.cache.clear();
  }

  has(sobject: string): boolean {
    return this.inferred.has(sobject);
  }

  /** The object's API name as the org spells it (Salesforce matches object names case-insensitively), or undefined when unknown. */
  canonical(sobject: string): string | undefined {
    if (this.inferred.has(sobject)) return sobject;
    const lower = sobject.toLowerCase();
    return [...this.inferred.keys()].find((o) => o.toLowerCase() === lower);
  }

  objects(): string[] {
    return [...this.inferred.keys()].sort();
  }

  fields(sobject: string): FieldDescribe[] {
    return this.compiled(sobject).list;
  }

  private compiled(sobject: string): { list: FieldDescribe[]; byLower: Map<string, FieldDescribe> } {
    const hit = this.cache.get(sobject);
    if (hit) return hit;
    const list = this.build(sobject);
    const entry = { list, byLower: new Map(list.map((f) => [f.name.toLowerCase(), f] as const)) };
    this.cache.set(sobject, entry);
    return entry;
  }

  private build(sobject: string): FieldDescribe[] {
    const out = new Map<string, FieldDescribe>();
    const add = (name: string, spec: Spec, custom: boolean): void => {
      if (this.missing.has(`${sobject}.${name}`)) return;
      const f = full(name, spec, custom);
      if (this.readOnly.has(`${sobject}.${name}`)) f.updateable = false;
      out.set(name, f);
    };
    for (const name of ['Id', 'IsDeleted', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp']) add(name, infer(name, null), false);
    for (const [name, spec] of this.inferred.get(sobject) ?? []) add(name, spec, name.endsWith('__c'));
    for (const [name, spec] of Object.entries(STANDARD[sobject] ?? {})) add(name, spec, name.endsWith('__c'));
    if (sobject === 'Account') for (const [name, spec] of Object.entries(ACCOUNT_CUSTOM)) add(name, spec, true);
    return [...out.values()];
  }

  /** Field by case-insensitive name. */
  field(sobject: string, name: string): FieldDescribe | undefined {
    return this.has(sobject) ? this.compiled(sobject).byLower.get(name.toLowerCase()) : undefined;
  }
}
