/**
 * A straightforward, independent implementation of contracts.md sections 1 and 2 over the files of
 * a generated dataset, written for the tests from the contract text: tldts for registrable
 * domains, the maintained free-mail list, a hand-written 15 -> 18 id conversion. Used to check
 * the generator's truth/records.jsonl and truth/accounts.jsonl.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';

type Row = Record<string, unknown>;
const FREE_MAIL = new Set(createRequire(import.meta.url)('email-providers/all.json') as string[]);
const DAY = 86_400_000;

export const readLines = (dir: string, file: string): Row[] =>
  readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);

function to18(id: string): string {
  if (id.length !== 15) return id;
  let suffix = '';
  for (let b = 0; b < 3; b += 1) {
    let bits = 0;
    for (let k = 0; k < 5; k += 1) if (/[A-Z]/.test(id[b * 5 + k] ?? '')) bits += 2 ** k;
    suffix += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[bits];
  }
  return id + suffix;
}

function registrable(host: string): string | null {
  const ascii = domainToASCII(host.trim().toLowerCase());
  if (!ascii) return null;
  return getDomain(ascii, { allowPrivateDomains: false });
}

function websiteDomain(website: string | null): string | null {
  if (!website) return null;
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:?#\s]+)/i.exec(website.trim());
  return m?.[1] ? registrable(m[1]) : null;
}

export interface Resolved {
  byKind: Map<string, Map<string, string | null>>;
  accountIds: Set<string>;
  explicit(id: unknown): string | null;
}

export function resolveDataset(dir: string): Resolved {
  const accounts = readLines(dir, 'salesforce/Account.jsonl');
  const accountIds = new Set(accounts.map((a) => String(a.Id)));
  const explicit = (id: unknown): string | null => {
    const s = str(id);
    if (!s) return null;
    const id18 = to18(s);
    return accountIds.has(id18) ? id18 : null;
  };
  const owners = new Map<string, Set<string>>();
  const own = (domain: string | null, account: string): void => {
    if (!domain) return;
    owners.set(domain, (owners.get(domain) ?? new Set()).add(account));
  };
  for (const a of accounts) {
    own(websiteDomain(str(a.Website)), String(a.Id));
    for (const d of (str(a.CS_Email_Domains__c) ?? '').split(';')) if (d.trim()) own(registrable(d), String(a.Id));
  }
  const orgs = readLines(dir, 'zendesk/organizations.jsonl');
  for (const o of orgs) {
    const a = explicit(o.external_id);
    if (a) for (const d of o.domain_names as string[]) own(registrable(d), a);
  }
  const contacts = new Map<string, Set<string>>();
  for (const c of readLines(dir, 'salesforce/Contact.jsonl')) {
    const e = str(c.Email)?.toLowerCase();
    if (e) contacts.set(e, (contacts.get(e) ?? new Set()).add(String(c.AccountId)));
  }
  const byDomains = (domains: Array<string | null>): string | null => {
    const found = new Set<string>();
    for (const d of domains) {
      if (!d || FREE_MAIL.has(d)) return null;
      for (const a of owners.get(d) ?? []) found.add(a);
    }
    return found.size === 1 ? [...found][0] ?? null : null;
  };
  const byEmail = (value: unknown): string | null => {
    const e = str(value)?.toLowerCase();
    if (!e) return null;
    const c = contacts.get(e);
    if (c) return c.size === 1 ? [...c][0] ?? null : null;
    const at = e.lastIndexOf('@');
    return at > 0 ? byDomains([registrable(e.slice(at + 1))]) : null;
  };

  const byKind = new Map<string, Map<string, string | null>>();
  const put = (kind: string, id: unknown, account: string | null): void => {
    byKind.set(kind, (byKind.get(kind) ?? new Map<string, string | null>()).set(String(id), account));
  };
  for (const o of orgs) put('zendesk.organization', o.id, explicit(o.external_id) ?? byDomains((o.domain_names as string[]).map(registrable)));
  const org = (id: unknown): string | null => (id === null ? null : (byKind.get('zendesk.organization')?.get(String(id)) ?? null));
  for (const u of readLines(dir, 'zendesk/users.jsonl')) put('zendesk.user', u.id, explicit(u.external_id) ?? org(u.organization_id) ?? byEmail(u.email));
  for (const t of readLines(dir, 'zendesk/tickets.jsonl')) {
    put('zendesk.ticket', t.id, org(t.organization_id) ?? byKind.get('zendesk.user')?.get(String(t.requester_id)) ?? null);
  }
  for (const p of readLines(dir, 'mixpanel/profiles.jsonl')) {
    const props = p.$properties as Row;
    put('mixpanel.profile', p.$distinct_id, explicit(props.account_id) ?? byEmail(props.$email));
  }
  for (const s of readLines(dir, 'surveys/responses.jsonl')) put('surveys.response', s.id, explicit(s.account_id) ?? byEmail(s.email));
  return { byKind, accountIds, explicit };
}

const roundHalfAway = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  const r = (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
  return r === 0 ? 0 : r;
};

/** The contract fields of every account, recounted from the files. */
export function recountAccounts(dir: string, now: Date, resolved: Resolved): Map<string, Row> {
  const nowMs = now.getTime();
  const inWindow = (ms: number, days: number): boolean => ms > nowMs - days * DAY && ms <= nowMs;
  const active = new Map<string, Set<string>>();
  const profiles = resolved.byKind.get('mixpanel.profile') ?? new Map<string, string | null>();
  for (const e of readLines(dir, 'mixpanel/events.jsonl')) {
    const p = e.properties as Row;
    const account = resolved.explicit(p.account_id) ?? profiles.get(String(p.distinct_id)) ?? null;
    if (account && inWindow(Number(p.time) * 1000, 30)) active.set(account, (active.get(account) ?? new Set()).add(String(p.distinct_id)));
  }
  const open = new Map<string, number>();
  const urgent = new Map<string, number>();
  for (const t of readLines(dir, 'zendesk/tickets.jsonl')) {
    const account = resolved.byKind.get('zendesk.ticket')?.get(String(t.id));
    if (!account) continue;
    if (['new', 'open', 'pending', 'hold'].includes(String(t.status))) open.set(account, (open.get(account) ?? 0) + 1);
    if (['urgent', 'high'].includes(String(t.priority)) && inWindow(Date.parse(String(t.created_at)), 90)) urgent.set(account, (urgent.get(account) ?? 0) + 1);
  }
  const latest = new Map<string, Map<string, { at: number; score: number }>>();
  for (const s of readLines(dir, 'surveys/responses.jsonl')) {
    const account = resolved.byKind.get('surveys.response')?.get(String(s.id));
    const at = Date.parse(String(s.submitted_at));
    if (!account || !inWindow(at, 180)) continue;
    const respondent = str(s.email)?.toLowerCase() ?? `id:${String(s.id)}`;
    const m = latest.get(account) ?? new Map<string, { at: number; score: number }>();
    const prev = m.get(respondent);
    if (!prev || prev.at < at) m.set(respondent, { at, score: Number(s.score) });
    latest.set(account, m);
  }
  const out = new Map<string, Row>();
  for (const a of readLines(dir, 'salesforce/Account.jsonl')) {
    const id = String(a.Id);
    const users = active.get(id)?.size ?? 0;
    const seats = typeof a.CS_Licensed_Seats__c === 'number' ? a.CS_Licensed_Seats__c : null;
    const r = [...(latest.get(id)?.values() ?? [])];
    out.set(id, {
      CS_Active_Users_30d__c: users,
      CS_License_Utilization__c: seats !== null && seats > 0 ? roundHalfAway((users * 1000) / seats, 0) / 10 : null,
      CS_Open_Tickets__c: open.get(id) ?? 0,
      CS_Urgent_Tickets_90d__c: urgent.get(id) ?? 0,
      CS_NPS__c: r.length === 0 ? null : roundHalfAway((100 * (r.filter((x) => x.score >= 9).length - r.filter((x) => x.score <= 6).length)) / r.length, 0),
    });
  }
  return out;
}
