/** The connectors Tidemark ships, listed explicitly (no directory autoload). */
import type { Connector } from './contracts/connector.ts';
import type { SourceId } from './contracts/records.ts';
import { salesforceConnector } from '../connectors/salesforce/index.ts';
import { zendeskConnector } from '../connectors/zendesk/index.ts';
import { mixpanelConnector } from '../connectors/mixpanel/index.ts';
import { surveysConnector } from '../connectors/surveys/index.ts';

export const CONNECTORS: Record<SourceId, Connector<unknown>> = {
  salesforce: salesforceConnector as Connector<unknown>,
  zendesk: zendeskConnector as Connector<unknown>,
  mixpanel: mixpanelConnector as Connector<unknown>,
  surveys: surveysConnector as Connector<unknown>,
};
