/**
 * The resolution rules of contracts.md section 2, first match wins: RevOps' manual rules, then
 * explicit id, parent, contact email, domain; otherwise unmatched with the reason of the last rule
 * reached. A wrong match is worse than no match: ambiguity is reported with its candidates,
 * never guessed. The readable rule chain (`steps`) is built only when explaining: in bulk no
 * step or detail string is allocated (optional-call short-circuit skips the arguments).
 */
import type { RecordKind } from '../contracts/records.ts';
import { emailDomainOf, isFreeMailDomain, normalizeEmail, registrableDomain } from './domains.ts';
import { lookupExplicitId, type IdentityIndex } from './identity-index.ts';
import { describeRule, type ManualRule } from './manual-rules.ts';

export const METHODS = ['manual', 'explicit-id', 'parent', 'contact-email', 'domain'] as const;
export type Method = (typeof METHODS)[number];
export const UNMATCHED_REASONS = [
  'no-key', 'invalid-email', 'free-mail-domain', 'unknown-domain', 'ambiguous-domain', 'ambiguous-contact', 'stale-id', 'excluded',
] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];

export interface Step {
  rule: 'manual' | 'explicit-id' | 'parent' | 'contact-email' | 'domain';
  outcome: string;
  detail: string;
}

export interface Resolution {
  kind: RecordKind;
  id: string;
  accountId: string | null;
  method: Method | null;
  reason: UnmatchedReason | null;
  /** Sorted candidate accounts of an ambiguous record (empty otherwise). */
  candidates: string[];
  /** The rule chain, present only when explaining. */
  steps?: Step[];
  /** Id of the exclude-domain rule that excluded this person (a profile's exclusion carries to its events). */
  excludedBy?: string;
}

/** What a record offers to resolve on. */
export interface Keys {
  explicitIds: Array<{ label: string; value: string | null }>;
  /** Parents to try, in order (organization, requester, profile), with their resolution if it exists. */
  parents: Array<{ label: string; id: string | null; resolution: Resolution | undefined; sharesPerson?: boolean }>;
  email: string | null;
  /** The record kind has an email field (so a present but malformed one is `invalid-email`). */
  hasEmailField: boolean;
  /** Domains the record itself carries (a Zendesk organization's domain_names). */
  domains: string[];
}

const step = (rule: Step['rule'], outcome: string, detail: string): Step => ({ rule, outcome, detail });
const NO_DOMAINS: readonly string[] = [];
const sorted = (ids: Iterable<string>): string[] => [...ids].sort();

function uniqueDomains(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const d = registrableDomain(v);
    if (d !== null && !out.includes(d)) out.push(d);
  }
  return out;
}

function matchedAs(kind: RecordKind, id: string, accountId: string, method: Method, steps: Step[] | undefined): Resolution {
  const r: Resolution = { kind, id, accountId, method, reason: null, candidates: [] };
  if (steps) r.steps = steps;
  return r;
}

function unmatchedAs(kind: RecordKind, id: string, reason: UnmatchedReason, candidates: string[], steps: Step[] | undefined, excludedBy?: string): Resolution {
  const r: Resolution = { kind, id, accountId: null, method: null, reason, candidates };
  if (steps) r.steps = steps;
  if (excludedBy) r.excludedBy = excludedBy;
  return r;
}

/** The live account a pin names, or null (the pin is then ignored, and the chain says why). */
function pinTarget(index: IdentityIndex, rule: ManualRule, steps: Step[] | undefined): string | null {
  const found = lookupExplicitId(index, rule.accountId ?? '');
  if (found.status === 'ok') return found.accountId;
  const why = found.status === 'stale' ? found.via : found.status === 'excluded' ? `${found.accountId} is excluded by ${describeRule(found.rule)}` : 'its account id is not valid';
  steps?.push(step('manual', 'ignored', `${describeRule(rule)}; ignored: ${why}`));
  return null;
}

/**
 * Applies the rules to one record's keys. Module-level helpers only: no closure is created per
 * record, and with `explain` false no step is built.
 */
export function resolveKeys(index: IdentityIndex, kind: RecordKind, id: string, keys: Keys, explain: boolean): Resolution {
  const steps: Step[] | undefined = explain ? [] : undefined;

  const rawEmail = keys.email === null || keys.email.trim() === '' ? null : keys.email;
  const email = rawEmail === null ? null : normalizeEmail(rawEmail);
  const emailHost = email === null ? null : emailDomainOf(email);
  const emailDomain = emailHost === null ? null : registrableDomain(emailHost);
  const recordDomains = keys.domains.length === 0 ? keys.domains : uniqueDomains(keys.domains);
  const ownDomains = email !== null ? (emailDomain ? [emailDomain] : []) : recordDomains;

  // 0. Manual rules: a pin on the record (or organization), an excluded person, a pinned domain.
  let manualApplied = false;
  const recordPin =
    (index.pinnedRecords.size === 0 ? undefined : index.pinnedRecords.get(`${kind}:${id}`)) ??
    (kind === 'zendesk.organization' ? index.pinnedOrganizations.get(id) : undefined);
  if (recordPin) {
    manualApplied = true;
    const target = pinTarget(index, recordPin, steps);
    if (target) {
      steps?.push(step('manual', 'matched', describeRule(recordPin)));
      return matchedAs(kind, id, target, 'manual', steps);
    }
  }
  const excludedRule = emailDomain === null ? undefined : index.excludedDomains.get(emailDomain);
  if (excludedRule) {
    steps?.push(step('manual', 'excluded', `${emailDomain ?? ''} is excluded by ${describeRule(excludedRule)}`));
    return unmatchedAs(kind, id, 'excluded', [], steps, excludedRule.id);
  }
  for (const parent of keys.parents) {
    const excludedBy = parent.sharesPerson ? parent.resolution?.excludedBy : undefined;
    if (excludedBy) {
      steps?.push(step('manual', 'excluded', `${parent.label} ${parent.id ?? ''} is the same person, excluded by rule ${excludedBy}`));
      return unmatchedAs(kind, id, 'excluded', [], steps, excludedBy);
    }
  }
  const pinned = new Set<string>();
  for (const d of index.pinnedDomains.size === 0 ? NO_DOMAINS : ownDomains) {
    const pin = index.pinnedDomains.get(d);
    if (!pin) continue;
    manualApplied = true;
    const target = pinTarget(index, pin, steps);
    if (target) {
      pinned.add(target);
      steps?.push(step('manual', 'pinned', `${d}: ${describeRule(pin)}`));
    }
  }
  if (pinned.size === 1) return matchedAs(kind, id, [...pinned][0] as string, 'manual', steps);
  if (pinned.size > 1) {
    steps?.push(step('manual', 'ambiguous', `pinned domains name ${pinned.size} accounts: ${sorted(pinned).join(', ')}`));
    return unmatchedAs(kind, id, 'ambiguous-domain', sorted(pinned), steps);
  }
  if (!manualApplied) steps?.push(step('manual', 'no rule', index.rules.length === 0 ? 'no manual rules are defined' : 'no manual rule names this record, its organization or its domain'));

  let last: UnmatchedReason = 'no-key';
  let lastCandidates: string[] = [];

  // 1. Explicit id.
  let anyId = false;
  for (const key of keys.explicitIds) {
    if (key.value === null || key.value.trim() === '') continue;
    anyId = true;
    const found = lookupExplicitId(index, key.value);
    if (found.status === 'ok') {
      steps?.push(step('explicit-id', 'matched', `${key.label} ${found.via}`));
      return matchedAs(kind, id, found.accountId, 'explicit-id', steps);
    }
    if (found.status === 'stale') {
      steps?.push(step('explicit-id', 'stale', `${key.label} ${found.via}`));
      last = 'stale-id';
    } else if (found.status === 'excluded') {
      steps?.push(step('explicit-id', 'excluded', `${key.label} names ${found.accountId}, excluded by ${describeRule(found.rule)}`));
      last = 'excluded';
    } else {
      steps?.push(step('explicit-id', 'ignored', `${key.label} "${found.id}" is not a Salesforce Account id`));
    }
  }
  if (!anyId && keys.explicitIds.length > 0) steps?.push(step('explicit-id', 'none', 'no Account id on the record'));

  // 2. Parent.
  for (const parent of keys.parents) {
    if (parent.id === null) {
      steps?.push(step('parent', 'none', `no ${parent.label}`));
      continue;
    }
    const r = parent.resolution;
    if (!r) {
      steps?.push(step('parent', 'missing', `${parent.label} ${parent.id} is not among the pulled records`));
      continue;
    }
    if (r.accountId) {
      steps?.push(step('parent', 'matched', `${parent.label} ${r.id} resolved to ${r.accountId} by ${r.method ?? 'unknown'}`));
      return matchedAs(kind, id, r.accountId, 'parent', steps);
    }
    steps?.push(step('parent', 'unmatched', `${parent.label} ${r.id} is unmatched (${r.reason ?? 'unknown'})`));
    if (r.reason) {
      last = r.reason;
      lastCandidates = r.candidates;
    }
  }

  // 3. Contact email.
  if (keys.hasEmailField && rawEmail !== null && email === null) {
    steps?.push(step('contact-email', 'invalid', `"${rawEmail}" is not an email address`));
    return unmatchedAs(kind, id, 'invalid-email', [], steps);
  }
  if (email !== null) {
    const owners = index.contactEmails.get(email);
    if (owners && owners.size === 1) {
      const accountId = [...owners][0] as string;
      steps?.push(step('contact-email', 'matched', `${email} is a Contact of ${accountId}`));
      return matchedAs(kind, id, accountId, 'contact-email', steps);
    }
    if (owners && owners.size > 1) {
      const candidates = sorted(owners);
      steps?.push(step('contact-email', 'ambiguous', `${email} is a Contact of ${candidates.length} accounts: ${candidates.join(', ')}`));
      return unmatchedAs(kind, id, 'ambiguous-contact', candidates, steps);
    }
    steps?.push(step('contact-email', 'no contact', `no Contact has ${email}`));
  } else if (keys.hasEmailField) {
    steps?.push(step('contact-email', 'none', 'no email on the record'));
  }

  // 4. Domain.
  if (email !== null && emailDomain === null) {
    steps?.push(step('domain', 'none', `${emailHost ?? email} has no registrable domain`));
    last = 'unknown-domain';
    lastCandidates = [];
  }
  if (email === null && keys.domains.length > 0 && recordDomains.length === 0) {
    steps?.push(step('domain', 'none', `none of ${keys.domains.join(', ')} is a registrable domain`));
  }
  const usable: string[] = [];
  for (const d of ownDomains) {
    if (isFreeMailDomain(d) || (emailHost !== null && isFreeMailDomain(emailHost))) {
      steps?.push(step('domain', 'free-mail', `${d} is a free-mail provider: never matched by domain`));
      last = 'free-mail-domain';
      lastCandidates = [];
      continue;
    }
    const excluded = index.excludedDomains.get(d);
    if (excluded) {
      steps?.push(step('domain', 'excluded', `${d} is excluded by ${describeRule(excluded)}`));
      last = 'excluded';
      lastCandidates = [];
      continue;
    }
    usable.push(d);
  }
  if (usable.length > 0) {
    const owners = new Set<string>();
    for (const d of usable) for (const a of index.domainOwners.get(d) ?? []) owners.add(a);
    if (owners.size === 1) {
      const accountId = [...owners][0] as string;
      steps?.push(step('domain', 'matched', `${usable.join(', ')} owned by ${accountId}`));
      return matchedAs(kind, id, accountId, 'domain', steps);
    }
    if (owners.size > 1) {
      const candidates = sorted(owners);
      steps?.push(step('domain', 'ambiguous', `${usable.join(', ')} owned by ${candidates.length} accounts: ${candidates.join(', ')}`));
      return unmatchedAs(kind, id, 'ambiguous-domain', candidates, steps);
    }
    steps?.push(step('domain', 'unknown', `no Account owns ${usable.join(', ')}`));
    last = 'unknown-domain';
    lastCandidates = [];
  }
  return unmatchedAs(kind, id, last, lastCandidates, steps);
}
