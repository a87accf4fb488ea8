/**
 * Opportunity line items have no useful modstamp filter of their own, so they are read in full
 * each run (they are few per account) and land as one partition: line items removed in
 * Salesforce disappear too. The product name comes along through Product2.Name.
 */
import type { Page, PullContext, QuarantinedRecord, Stream } from '../../../src/contracts/connector.ts';
import type { SalesforceOpportunityLineItem } from '../../../src/contracts/records.ts';
import { rawText, zodReason } from '../../../src/sources/http.ts';
import type { SalesforceConfig } from '../config.ts';
import { openSalesforceConnection } from '../connection.ts';
import { mapLineItem } from '../mappers.ts';
import { fieldNames, queryPages } from '../query.ts';
import { rawLineItemSchema } from '../raw-schemas.ts';

export const LINE_ITEM_FIELDS = ['OpportunityId', 'Product2Id', 'Name', 'Quantity', 'TotalPrice'];

export const lineItemsStream: Stream<SalesforceConfig, 'salesforce.opportunity_line_item'> = {
  name: 'opportunity_line_items',
  kind: 'salesforce.opportunity_line_item',
  async *pull(ctx: PullContext<SalesforceConfig>): AsyncGenerator<Page<'salesforce.opportunity_line_item'>> {
    const session = await openSalesforceConnection(ctx.config, ctx.log, { signal: ctx.signal });
    const available = await fieldNames(session, 'OpportunityLineItem');
    const select = ['Id', ...LINE_ITEM_FIELDS.filter((f) => available.has(f))];
    if (available.has('Product2Id')) select.push('Product2.Name');
    const records: SalesforceOpportunityLineItem[] = [];
    const quarantined: QuarantinedRecord[] = [];
    for await (const page of queryPages(session, `SELECT ${select.join(', ')} FROM OpportunityLineItem WHERE IsDeleted = false ORDER BY Id`, 'OpportunityLineItem pull', ctx.config.batchSize)) {
      for (const raw of page.records) {
        const parsed = rawLineItemSchema.safeParse(raw);
        if (parsed.success) records.push(mapLineItem(parsed.data));
        else quarantined.push({ sourceId: typeof raw.Id === 'string' ? raw.Id : null, reason: zodReason(parsed.error.issues), raw: rawText(raw) });
      }
    }
    yield { kind: 'salesforce.opportunity_line_item', records, quarantined, partition: 'all', checkpoint: {}, apiCalls: session.calls() };
  },
};
