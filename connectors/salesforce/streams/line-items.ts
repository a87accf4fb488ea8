/**
 * Opportunity line items are read in full each run (they change with their opportunity and are
 * few per account) and land as one partition, so removed line items disappear too.
 */
import type { Page, PullContext, QuarantinedRecord, Stream } from '../../../src/contracts/connector.ts';
import type { SalesforceOpportunityLineItem } from '../../../src/contracts/records.ts';
import { rawText, zodReason } from '../../../src/sources/http.ts';
import type { SalesforceConfig } from '../config.ts';
import { openSalesforceConnection } from '../connection.ts';
import { mapLineItem } from '../mappers.ts';
import { fieldNames, queryPages } from '../query.ts';
import { rawLineItemSchema } from '../raw-schemas.ts';

export const lineItemsStream: Stream<SalesforceConfig, 'salesforce.opportunity_line_item'> = {
  name: 'opportunity_line_items',
  kind: 'salesforce.opportunity_line_item',
  async *pull(ctx: PullContext<SalesforceConfig>): AsyncGenerator<Page<'salesforce.opportunity_line_item'>> {
    const { conn } = await openSalesforceConnection(ctx.config, ctx.log);
    const available = await fieldNames(conn, 'OpportunityLineItem');
    const select = ['Id', 'OpportunityId', 'Product2Id', 'Name', 'Quantity', 'TotalPrice'].filter((f) => f === 'Id' || available.has(f));
    const records: SalesforceOpportunityLineItem[] = [];
    const quarantined: QuarantinedRecord[] = [];
    let apiCalls = 1;
    for await (const page of queryPages(conn, `SELECT ${select.join(', ')} FROM OpportunityLineItem ORDER BY Id`, 'OpportunityLineItem pull')) {
      apiCalls += 1;
      for (const raw of page.records) {
        const parsed = rawLineItemSchema.safeParse(raw);
        if (parsed.success) records.push(mapLineItem(parsed.data));
        else quarantined.push({ sourceId: typeof raw.Id === 'string' ? raw.Id : null, reason: zodReason(parsed.error.issues), raw: rawText(raw) });
      }
    }
    yield { kind: 'salesforce.opportunity_line_item', records, quarantined, partition: 'all', checkpoint: {}, apiCalls };
  },
};
