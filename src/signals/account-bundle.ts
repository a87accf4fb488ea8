/**
 * Everything the pure signal, health and plan functions need to know about one account:
 * its Salesforce records and the usage, support and survey records resolved to it.
 */
import type {
  MixpanelActivity,
  SalesforceAccount,
  SalesforceContact,
  SalesforceOpportunity,
  SalesforceOpportunityLineItem,
  SalesforceUser,
  SurveyResponse,
  ZendeskTicket,
} from '../contracts/records.ts';

export interface SourceSwitches {
  mixpanel: boolean;
  zendesk: boolean;
  surveys: boolean;
}

export interface AccountBundle {
  account: SalesforceAccount;
  contacts: SalesforceContact[];
  opportunities: SalesforceOpportunity[];
  /** Line items of those opportunities. */
  lineItems: SalesforceOpportunityLineItem[];
  /** All Salesforce users by id (owner, CSM names). */
  users: ReadonlyMap<string, SalesforceUser>;
  /** Mixpanel day aggregates whose events resolved to this account. */
  activities: MixpanelActivity[];
  /**
   * The latest active day (`YYYY-MM-DD`) among this account's activities dropped by the activity
   * retention (src/sync/activity-retention.ts); absent when none were dropped.
   */
  lastActiveDropped?: string;
  /** Zendesk tickets resolved to this account. */
  tickets: ZendeskTicket[];
  /** Survey responses resolved to this account. */
  surveys: SurveyResponse[];
  /** Which sources are enabled: a disabled source yields null signals, never zero. */
  sources: SourceSwitches;
}
