import type { AccountSignals } from '../../src/signals/compute-signals.ts';

/** A healthy mid-market account's signals; override what a test is about. */
export function signals(over: Partial<AccountSignals> = {}): AccountSignals {
  return {
    activeUsers30d: 30,
    activeUsersPrior30d: 28,
    activeDays30d: 22,
    events30d: 4000,
    featureBreadth30d: 9,
    licensedSeats: 40,
    licenseUtilization: 75,
    openTickets: 1,
    ticketsCreated30d: 2,
    ticketsCreated90d: 5,
    urgentTickets90d: 0,
    csatGood90d: 9,
    csatBad90d: 1,
    csat90d: 90,
    nps180d: 40,
    npsRespondents180d: 10,
    promoters180d: 5,
    detractors180d: 1,
    contactsAdded90d: 1,
    contactsRemoved90d: 0,
    contacts: 12,
    daysSinceLastActivity: 0,
    daysToRenewal: 200,
    ...over,
  };
}

export const NO_SOURCES: Partial<AccountSignals> = {
  activeUsers30d: null,
  activeUsersPrior30d: null,
  activeDays30d: null,
  events30d: null,
  featureBreadth30d: null,
  licenseUtilization: null,
  openTickets: null,
  ticketsCreated30d: null,
  ticketsCreated90d: null,
  urgentTickets90d: null,
  csatGood90d: null,
  csatBad90d: null,
  csat90d: null,
  nps180d: null,
  npsRespondents180d: null,
  promoters180d: null,
  detractors180d: null,
  daysSinceLastActivity: null,
};
