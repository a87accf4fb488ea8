/**
 * Salesforce (jsforce 3.10.16): Accounts with the read fields and the write-back fields Tidemark
 * owns, Contacts, Users, Opportunities and opportunity line items, all incremental by
 * SystemModstamp with an Id tie-break, via queryAll so deletions and merges arrive.
 */
import { defineConnector } from '../../src/contracts/connector.ts';
import { errorMessage } from '../../src/contracts/errors.ts';
import { salesforceConfigSchema, type SalesforceConfig } from './config.ts';
import { openSalesforceConnection } from './connection.ts';
import { fieldNames } from './query.ts';
import { mapAccount, mapContact, mapOpportunity, mapUser } from './mappers.ts';
import { rawAccountSchema, rawContactSchema, rawOpportunitySchema, rawUserSchema } from './raw-schemas.ts';
import { modstampStream } from './streams/modstamp-stream.ts';
import { lineItemsStream } from './streams/line-items.ts';

export { salesforceConfigSchema, type SalesforceConfig } from './config.ts';
export { createSalesforceConnection, openSalesforceConnection, mapSalesforceError, type SalesforceSession } from './connection.ts';

export const ACCOUNT_READ_FIELDS = ['Name', 'Website', 'Industry', 'NumberOfEmployees', 'OwnerId', 'CS_Manager__c', 'CS_Email_Domains__c', 'CS_Licensed_Seats__c', 'CS_Renewal_Date__c', 'IsDeleted', 'MasterRecordId'];

const accounts = modstampStream({
  name: 'accounts',
  sobject: 'Account',
  kind: 'salesforce.account',
  required: ['Name', 'IsDeleted'],
  fields: (c) => [...ACCOUNT_READ_FIELDS, ...c.accountWriteFields],
  schema: rawAccountSchema,
  map: (raw, c) => mapAccount(raw, c.accountWriteFields),
});
const contacts = modstampStream({
  name: 'contacts',
  sobject: 'Contact',
  kind: 'salesforce.contact',
  required: ['AccountId', 'Email', 'IsDeleted'],
  fields: () => ['FirstName', 'LastName', 'CreatedDate'],
  schema: rawContactSchema,
  map: mapContact,
});
const users = modstampStream({
  name: 'users',
  sobject: 'User',
  kind: 'salesforce.user',
  required: ['Name'],
  fields: () => ['Email', 'IsActive'],
  schema: rawUserSchema,
  map: mapUser,
});
const opportunities = modstampStream({
  name: 'opportunities',
  sobject: 'Opportunity',
  kind: 'salesforce.opportunity',
  required: ['AccountId', 'Name', 'StageName', 'IsClosed', 'IsWon', 'IsDeleted'],
  fields: () => ['CloseDate', 'Amount', 'Type', 'Description', 'NextStep', 'CS_Partners__c', 'CS_Business_Challenges__c'],
  schema: rawOpportunitySchema,
  map: mapOpportunity,
});

export const salesforceConnector = defineConnector<SalesforceConfig>({
  id: 'salesforce',
  title: 'Salesforce',
  configSchema: salesforceConfigSchema,
  streams: [users, accounts, contacts, opportunities, lineItemsStream],
  async check(config, log) {
    try {
      const session = await openSalesforceConnection(config, log);
      const available = await fieldNames(session, 'Account');
      const missingRead = ACCOUNT_READ_FIELDS.filter((f) => !available.has(f));
      const missingWrite = config.accountWriteFields.filter((f) => !available.has(f));
      const problems: string[] = [];
      if (missingRead.length > 0) problems.push(`Account lacks the read field${missingRead.length > 1 ? 's' : ''} ${missingRead.join(', ')} (or the integration user cannot see ${missingRead.length > 1 ? 'them' : 'it'}): grant field-level read access or deploy the shipped metadata`);
      if (missingWrite.length > 0) problems.push(`Account lacks the write-back field${missingWrite.length > 1 ? 's' : ''} ${missingWrite.join(', ')}: deploy the shipped metadata (connectors/salesforce/metadata) or map other fields in accountWriteFields`);
      if (problems.length > 0) return { ok: false, message: `Connected to ${session.conn.instanceUrl}, but ${problems.join('; ')}` };
      return { ok: true, message: `Connected to ${session.conn.instanceUrl} (API ${config.apiVersion}); every Account field Tidemark reads and writes exists` };
    } catch (err) {
      return { ok: false, message: errorMessage(err) };
    }
  },
});
