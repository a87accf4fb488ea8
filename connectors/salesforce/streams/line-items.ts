/**
 * Opportunity line items, incremental by SystemModstamp like the other sObjects (queryAll, so a
 * line item deleted in Salesforce, or with its Opportunity, arrives with IsDeleted = true and is
 * dropped from the store). The product name comes along through Product2.Name.
 */
import { mapLineItem } from '../mappers.ts';
import { rawLineItemSchema } from '../raw-schemas.ts';
import { modstampStream } from './modstamp-stream.ts';

const LINE_ITEM_FIELDS = ['OpportunityId', 'Product2Id', 'Name', 'Quantity', 'TotalPrice'];

export const lineItemsStream = modstampStream({
  name: 'opportunity_line_items',
  sobject: 'OpportunityLineItem',
  kind: 'salesforce.opportunity_line_item',
  required: ['OpportunityId', 'IsDeleted'],
  fields: () => [...LINE_ITEM_FIELDS, 'Product2.Name'],
  schema: rawLineItemSchema,
  map: mapLineItem,
  deletedAsIds: true,
});
