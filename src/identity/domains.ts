/**
 * Domains and emails for identity resolution (contracts.md section 2): the registrable domain
 * under the ICANN public suffix list (tldts with private suffixes off: `x.github.io` ->
 * `github.io`), in punycode; emails trimmed and lower-cased, their domain in punycode; free-mail
 * providers from the maintained `email-providers` list (shipped as JSON in the package).
 */
import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';
import { getDomain } from 'tldts';

const require = createRequire(import.meta.url);
const FREE_MAIL: ReadonlySet<string> = new Set((require('email-providers/all.json') as string[]).map((d) => d.trim().toLowerCase()));

/** Values people type into Website when there is none. */
const PLACEHOLDERS = new Set(['n/a', 'n.a.', 'n.a', 'na', 'none', 'null', 'nil', '-', '--', '.', 'tbd', 'unknown', 'no website', 'no']);
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//;
/** Mistyped web schemes: `http:/acme.com`, `https:acme.com`, `https//acme.com`. */
const WEB_SCHEME_TYPO_RE = /^(?:https?|ftp)(?::\/*|\/\/)/;
/** Quotes and brackets around a value: `<acme.com>`, `"acme.com"`. */
const WRAPPERS_RE = /^[<"'(]+|[>"')]+$/g;

/** Host in punycode of a URL, a bare host (with port, path, trailing dot) or an email; null when there is none. */
export function hostOf(input: string): string | null {
  let v = input.trim().toLowerCase();
  if (v === '' || PLACEHOLDERS.has(v)) return null;
  // Several values in one field ("acme.com; acme.io"): the first one is the Website.
  v = v.split(/[\s,;|]+/)[0] ?? '';
  v = v.replace(WRAPPERS_RE, '').replace(SCHEME_RE, '').replace(WEB_SCHEME_TYPO_RE, '');
  v = v.split(/[/?#\\]/)[0] ?? '';
  const at = v.lastIndexOf('@');
  if (at >= 0) v = v.slice(at + 1);
  // Port, trailing and leading dots, a wildcard (`*.acme.com` in CS_Email_Domains__c).
  v = v.replace(/:\d*$/, '').replace(/\.+$/, '').replace(/^(?:\*?\.)+/, '');
  if (v === '' || v.startsWith('[')) return null;
  const ascii = domainToASCII(v);
  return ascii === '' ? null : ascii;
}

const CACHE_LIMIT = 100_000;
const domainCache = new Map<string, string | null>();

/**
 * The registrable domain (eu.acme.co.uk -> acme.co.uk, bücher.de -> xn--bcher-kva.de) of an email,
 * a host or a messy Website value (scheme, port, path, `www.`, upper case, trailing dot);
 * null for blanks, placeholders such as `N/A`, IP addresses and bare public suffixes. A name under
 * no listed suffix keeps its last label as suffix (`tidemark-vendor.example`).
 */
export function registrableDomain(input: string | null | undefined): string | null {
  if (!input) return null;
  const cached = domainCache.get(input);
  if (cached !== undefined) return cached;
  const host = hostOf(input);
  const domain = host === null ? null : getDomain(host, { allowPrivateDomains: false, validateHostname: true });
  if (domainCache.size >= CACHE_LIMIT) domainCache.clear();
  domainCache.set(input, domain);
  return domain;
}

const ANGLE_RE = /<([^<>]*)>$/;
const LOCAL_RE = /^[^\s@"(),:;<>[\\\]]+$/;
const DOMAIN_RE = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z0-9]$/;

/**
 * The email trimmed and lower-cased, with its domain in punycode (so `jo@bücher.de` and
 * `jo@xn--bcher-kva.de` are one address); a `mailto:` prefix is dropped. Null when it is not an
 * email address (no `@`, blanks inside, no dot in the domain, empty labels). `Name <address>`
 * gives the address.
 */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (!email) return null;
  const trimmed = email.trim().toLowerCase();
  // `Jo Smith <jo@acme.com>`: the address in angle brackets.
  const v = (ANGLE_RE.exec(trimmed)?.[1] ?? trimmed).trim().replace(/^mailto:/, '');
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) return null;
  const local = v.slice(0, at);
  if (!LOCAL_RE.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  const domain = domainToASCII(v.slice(at + 1).replace(/\.$/, ''));
  if (domain === '' || !DOMAIN_RE.test(domain)) return null;
  return `${local}@${domain}`;
}

/** The domain part of a normalized email. */
export function emailDomainOf(normalizedEmail: string): string {
  return normalizedEmail.slice(normalizedEmail.lastIndexOf('@') + 1);
}

/**
 * True when the domain or host is a free-mail provider (gmail.com, outlook.com, proton.me, ...)
 * on the maintained list; a host also counts when one of its parent domains up to its registrable
 * domain is listed (mail.yahoo.com). Public suffixes on the list (com.ar, net.ua, web.id) are never
 * consulted, so acme.com.ar stays a company domain. Such domains never match an account by domain.
 */
export function isFreeMailDomain(domain: string): boolean {
  let d = domainToASCII(domain.trim().toLowerCase().replace(/\.$/, ''));
  if (d === '') return false;
  const registrable = getDomain(d, { allowPrivateDomains: false });
  if (registrable === null) return false;
  for (;;) {
    if (FREE_MAIL.has(d)) return true;
    if (d.length <= registrable.length) return false;
    d = d.slice(d.indexOf('.') + 1);
  }
}
