/**
 * Domains and emails for identity resolution: the registrable domain under the ICANN public
 * suffix list (private suffixes such as github.io are not used), in punycode; emails trimmed and
 * lower-cased; free-mail providers from the maintained `email-providers` list.
 */
import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';

const require = createRequire(import.meta.url);
const FREE_MAIL = new Set<string>((require('email-providers/all.json') as string[]).map((d) => d.toLowerCase()));

const PLACEHOLDERS = new Set(['n/a', 'na', 'none', 'null', '-', 'tbd', 'unknown']);

/** Host of a URL, bare host, or email; null when there is none. */
function hostOf(input: string): string | null {
  let v = input.trim().toLowerCase();
  if (v === '' || PLACEHOLDERS.has(v)) return null;
  const at = v.lastIndexOf('@');
  if (at >= 0) v = v.slice(at + 1);
  v = v.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  v = v.split(/[/?#]/)[0] ?? '';
  v = v.replace(/^[^@]*@/, '').replace(/:\d+$/, '').replace(/\.+$/, '');
  if (v === '' || /\s/.test(v)) return null;
  const ascii = domainToASCII(v);
  return ascii === '' ? null : ascii;
}

/** The registrable domain (eu.acme.co.uk -> acme.co.uk), in punycode; null when there is none. */
export function registrableDomain(input: string | null | undefined): string | null {
  if (!input) return null;
  const host = hostOf(input);
  if (!host) return null;
  return getDomain(host, { allowPrivateDomains: false }) ?? null;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed, lower-cased email; null when it is not an email. */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const v = email.trim().toLowerCase();
  return EMAIL_RE.test(v) ? v : null;
}

export function isFreeMailDomain(domain: string): boolean {
  return FREE_MAIL.has(domain.toLowerCase());
}
