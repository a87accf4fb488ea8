/**
 * The resolution rules of contracts.md section 2, first match wins: manual rules, explicit id,
 * parent, contact email, domain; otherwise unmatched with the reason of the last rule reached.
 * A wrong match is worse than no match: ambiguity is never guessed.
 */
import type { RecordKind } from '../contracts/records.ts';
import { isFreeMailDomain, normalizeEmail, registrableDomain } from './domains.ts';
import { lookupExplicitId, type IdentityIndex } from './identity-index.ts';

export type Method = 'manual' | 'explicit-id' | 'parent' | 'contact-email' | 'domain';
export type UnmatchedReason = 'no-key' | 'invalid-email' | 'free-mail-domain' | 'unknown-domain' | 'ambiguous-domain' | 'ambiguous-contact' | 'stale-id' | 'excluded';

export interface Step {
  rule: string;
  outcome: string;
  detail: string;
}

export interface Resolution {
  kind: RecordKind;
  id: string;
  accountId: string | null;
  method: Method | null;
  reason: UnmatchedReason | null;
  candidates: string[];
  steps?: Step[];
}

/** What a record offers to resolve on. */
export interface Keys {
  explicitIds: Array<{ label: string; value: string | null }>;
  /** The parent's resolution (organization, requester, profile), in the order to try. */
  parents: Array<{ label: string; resolution: Resolution | undefined }>;
  email: string | null;
  hasEmailField: boolean;
  /** Domains the record itself carries (a Zendesk organization's domain_names). */
  domains: string[];
}

export function resolveKeys(index: IdentityIndex, kind: RecordKind, id: string, keys: Keys, explain: boolean): Resolution {
  const steps: Step[] | undefined = explain ? [] : undefined;
  const note = (rule: string, outcome: string, detail: string): void => {
    steps?.push({ rule, outcome, detail });
  };
  const match = (accountId: string, method: Method): Resolution => ({ kind, id, accountId, method, reason: null, candidates: [], ...(steps ? { steps } : {}) });
  const unmatched = (reason: UnmatchedReason, candidates: string[] = []): Resolution => ({ kind, id, accountId: null, method: null, reason, candidates, ...(steps ? { steps } : {}) });

  const email = keys.email === null ? null : normalizeEmail(keys.email);
  const emailDomain = email ? registrableDomain(email) : null;
  const recordDomains = keys.domains.map((d) => registrableDomain(d)).filter((d): d is string => d !== null);

  // Manual rules first.
  const pinnedRecord = index.pinnedRecords.get(`${kind}:${id}`) ?? (kind === 'zendesk.organization' ? index.pinnedOrganizations.get(id) : undefined);
  if (pinnedRecord?.accountId) {
    note('manual', 'matched', `${pinnedRecord.type} by ${pinnedRecord.createdBy} on ${pinnedRecord.createdAt.slice(0, 10)}: ${pinnedRecord.reason}`);
    return match(pinnedRecord.accountId, 'manual');
  }
  for (const d of emailDomain ? [emailDomain] : recordDomains) {
    const pin = index.pinnedDomains.get(d);
    if (pin?.accountId) {
      note('manual', 'matched', `pin-domain ${d} by ${pin.createdBy} on ${pin.createdAt.slice(0, 10)}: ${pin.reason}`);
      return match(pin.accountId, 'manual');
    }
  }
  if (emailDomain && index.excludedDomains.has(emailDomain)) {
    note('manual', 'excluded', `exclude-domain ${emailDomain}`);
    return unmatched('excluded');
  }
  if (steps && index.rules.length > 0) note('manual', 'no rule', 'no manual rule applies');

  let last: UnmatchedReason = 'no-key';
  let lastCandidates: string[] = [];

  // 1. Explicit id.
  for (const key of keys.explicitIds) {
    if (!key.value) continue;
    const found = lookupExplicitId(index, key.value);
    if (found.status === 'ok') {
      note('explicit-id', 'matched', `${key.label} ${found.via}`);
      return match(found.accountId, 'explicit-id');
    }
    if (found.status === 'stale') {
      note('explicit-id', 'stale', `${key.label} ${found.id} names no existing Account`);
      last = 'stale-id';
    } else if (found.status === 'excluded') {
      note('explicit-id', 'excluded', `${key.label} names ${found.accountId}, which a manual rule excludes`);
      last = 'excluded';
    } else note('explicit-id', 'ignored', `${key.label} "${found.id}" is not a Salesforce Account id`);
  }
  if (steps && keys.explicitIds.every((k) => !k.value)) note('explicit-id', 'none', 'no Account id on the record');

  // 2. Parent.
  for (const parent of keys.parents) {
    const r = parent.resolution;
    if (!r) continue;
    if (r.accountId) {
      note('parent', 'matched', `${parent.label} ${r.id} resolved to ${r.accountId} by ${r.method}`);
      return match(r.accountId, 'parent');
    }
    note('parent', 'unmatched', `${parent.label} ${r.id} is unmatched (${r.reason})`);
    if (r.reason && !(keys.email || recordDomains.length > 0)) {
      last = r.reason;
      lastCandidates = r.candidates;
    }
  }

  // 3. Contact email.
  if (keys.hasEmailField && keys.email !== null && keys.email.trim() !== '' && !email) {
    note('contact-email', 'invalid', `"${keys.email}" is not an email address`);
    return unmatched('invalid-email');
  }
  if (email) {
    const owners = index.contactEmails.get(email);
    if (owners && owners.size === 1) {
      const [accountId] = [...owners] as [string];
      note('contact-email', 'matched', `${email} is a Contact of ${accountId}`);
      return match(accountId, 'contact-email');
    }
    if (owners && owners.size > 1) {
      const candidates = [...owners].sort();
      note('contact-email', 'ambiguous', `${email} is a Contact of ${candidates.length} accounts: ${candidates.join(', ')}`);
      return unmatched('ambiguous-contact', candidates);
    }
    note('contact-email', 'no contact', `no Contact has ${email}`);
  }

  // 4. Domain.
  const domains = email ? (emailDomain ? [emailDomain] : []) : recordDomains;
  if (email && !emailDomain) {
    note('domain', 'none', `${email} has no registrable domain`);
    last = 'unknown-domain';
  }
  if (domains.length > 0) {
    const usable = domains.filter((d) => {
      if (isFreeMailDomain(d)) {
        note('domain', 'free-mail', `${d} is a free-mail provider: never matched by domain`);
        last = 'free-mail-domain';
        return false;
      }
      if (index.excludedDomains.has(d)) {
        note('domain', 'excluded', `${d} is excluded by a manual rule`);
        last = 'excluded';
        return false;
      }
      return true;
    });
    if (usable.length > 0) {
      const owners = new Set<string>();
      for (const d of usable) for (const a of index.domainOwners.get(d) ?? []) owners.add(a);
      if (owners.size === 1) {
        const [accountId] = [...owners] as [string];
        note('domain', 'matched', `${usable.join(', ')} is owned by ${accountId}`);
        return match(accountId, 'domain');
      }
      if (owners.size > 1) {
        const candidates = [...owners].sort();
        note('domain', 'ambiguous', `${usable.join(', ')} is owned by ${candidates.length} accounts: ${candidates.join(', ')}`);
        return unmatched('ambiguous-domain', candidates);
      }
      note('domain', 'unknown', `no Account owns ${usable.join(', ')}`);
      last = 'unknown-domain';
      lastCandidates = [];
    }
  }
  return unmatched(last, lastCandidates);
}
