/**
 * What a resolution depends on, as lookup keys, so that resolution can follow its inputs:
 * - `lookupKeysOf(record)`: the keys a record's resolution reads (`d:<domain>`, `e:<email>`,
 *   `a:<account id>`, and its parents `o:<organization>`, `u:<user>`, `p:<profile>`);
 * - `identitySnapshot(index)`: for every key the index can answer, what it answers
 *   (`d:`, `e:`, `a:`, plus the pins `pin:<kind>:<id>` and `po:<organization>`).
 * Two snapshots differ exactly on the keys whose answer changed, so the records to re-resolve
 * after a CRM or manual-rule change are those that read a changed key (or are pinned by one).
 */
import type { MixpanelActivity } from '../contracts/records.ts';
import { emailDomainOf, normalizeEmail, registrableDomain } from './domains.ts';
import { lookupExplicitId, type IdentityIndex } from './identity-index.ts';
import { keysOf, NO_PARENTS, type ResolvableRecord } from './index.ts';
import type { ManualRule } from './manual-rules.ts';
import { ACCOUNT_KEY_PREFIX, toSalesforceId18 } from './salesforce-id.ts';

const PARENT_KEY: Record<string, string> = { organization: 'o', requester: 'u', profile: 'p' };

/** The lookup keys a record's resolution reads, sorted and unique. */
export function lookupKeysOf(record: ResolvableRecord): string[] {
  const k = keysOf(record, NO_PARENTS);
  const out = new Set<string>();
  for (const { value } of k.explicitIds) {
    if (value === null || value.trim() === '') continue;
    const id = toSalesforceId18(value);
    if (id && id.startsWith(ACCOUNT_KEY_PREFIX)) out.add(`a:${id}`);
  }
  for (const p of k.parents) if (p.id !== null) out.add(`${PARENT_KEY[p.label] ?? p.label}:${p.id}`);
  const email = k.email === null || k.email.trim() === '' ? null : normalizeEmail(k.email);
  if (email !== null) {
    out.add(`e:${email}`);
    const host = emailDomainOf(email);
    const domain = host === null ? null : registrableDomain(host);
    if (domain) out.add(`d:${domain}`);
  } else {
    for (const d of k.domains) {
      const domain = registrableDomain(d);
      if (domain) out.add(`d:${domain}`);
    }
  }
  return [...out].sort();
}

function pinAnswer(index: IdentityIndex, rule: ManualRule): string | null {
  const found = lookupExplicitId(index, rule.accountId ?? '');
  return found.status === 'ok' ? found.accountId : null;
}

/**
 * A Mixpanel day activity's identity fields read from its id (`day|distinctId|accountId`, as
 * activityId builds it: the only fields its resolution and lookup keys depend on), with no
 * counts or names. An id that does not split that way gives null. A distinct id may hold `|`
 * (the last one ends it), an account property holding one splits wrongly: callers that have the
 * record's text confirm the fields with activityIdentity.
 */
export function activityOfId(id: string): MixpanelActivity | null {
  const first = id.indexOf('|');
  const last = id.lastIndexOf('|');
  if (first !== 10 || last <= first) return null;
  return { kind: 'mixpanel.activity', id, day: id.slice(0, first), distinctId: id.slice(first + 1, last), accountId: id.slice(last + 1) || null, eventCount: 0, eventNames: [] };
}

/**
 * A stored day activity (its JSON text, as the record store wrote it) as far as resolution reads
 * it: the fields of its id when the text holds exactly those values (`"distinctId":<same JSON>`
 * and `"accountId":<same JSON>`; a quote inside a JSON string is always escaped, so only the
 * record's own keys can match), else the whole record parsed. Saves parsing every activity.
 */
export function activityIdentity(id: string, text: string): MixpanelActivity {
  const a = activityOfId(id);
  if (a !== null && text.includes(`"distinctId":${JSON.stringify(a.distinctId)}`) && text.includes(`"accountId":${JSON.stringify(a.accountId)}`)) return a;
  return JSON.parse(text) as MixpanelActivity;
}

/**
 * The lookup keys of a Mixpanel day activity from its id, for an activity already removed: so
 * activities need no stored key list. An id that does not split that way gives null.
 */
export function activityLookupKeys(id: string): string[] | null {
  const activity = activityOfId(id);
  return activity === null ? null : lookupKeysOf(activity);
}

/** What the index answers for a domain (`d:<domain>`), or undefined when the key is not in the snapshot. */
export function domainAnswer(index: IdentityIndex, d: string): string | undefined {
  const owners = index.domainOwners.get(d);
  const excluded = index.excludedDomains.get(d);
  const pin = index.pinnedDomains.get(d);
  if (!owners && !excluded && !pin) return undefined;
  return JSON.stringify([[...(owners ?? [])].sort(), excluded?.id ?? null, pin ? [pin.id, pinAnswer(index, pin)] : null]);
}

/** What the index answers for a Contact email (`e:<email>`), or undefined when no live account has a Contact of it. */
export function emailAnswer(index: IdentityIndex, email: string): string | undefined {
  const owners = index.contactEmails.get(email);
  return owners ? JSON.stringify([...owners].sort()) : undefined;
}

/** Every key the index answers, with its answer (JSON). O(accounts + contacts + organizations + rules). */
export function identitySnapshot(index: IdentityIndex): Map<string, string> {
  const out = new Map<string, string>();
  const ids = new Set<string>([...index.accounts.keys(), ...index.merged.keys(), ...index.deleted, ...index.excludedAccounts.keys()]);
  for (const id of ids) {
    const found = lookupExplicitId(index, id);
    const answer = found.status === 'ok' ? ['ok', found.accountId] : found.status === 'excluded' ? ['excluded', found.accountId, found.rule.id] : [found.status];
    out.set(`a:${id}`, JSON.stringify(answer));
  }
  const domains = new Set<string>([...index.domainOwners.keys(), ...index.excludedDomains.keys(), ...index.pinnedDomains.keys()]);
  for (const d of domains) out.set(`d:${d}`, domainAnswer(index, d) as string);
  for (const email of index.contactEmails.keys()) out.set(`e:${email}`, emailAnswer(index, email) as string);
  for (const [key, rule] of index.pinnedRecords) out.set(`pin:${key}`, JSON.stringify([rule.id, pinAnswer(index, rule)]));
  for (const [orgId, rule] of index.pinnedOrganizations) out.set(`po:${orgId}`, JSON.stringify([rule.id, pinAnswer(index, rule)]));
  return out;
}

/** Keys whose answer differs between two snapshots (added, removed or changed). */
export function changedLookupKeys(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of after) if (before.get(k) !== v) out.push(k);
  for (const k of before.keys()) if (!after.has(k)) out.push(k);
  return out;
}
