/** Registrable domains, emails and free-mail providers. */
import { describe, expect, it } from 'vitest';
import { isFreeMailDomain, normalizeEmail, registrableDomain } from '../../src/identity/domains.ts';

describe('registrableDomain', () => {
  it.each([
    ['email', 'jo@acme.com', 'acme.com'],
    ['subdomain under a two-level ICANN suffix', 'jo@EU.Acme.co.uk', 'acme.co.uk'],
    ['bare host', 'eu.acme.co.uk', 'acme.co.uk'],
    ['scheme, www, upper case and path', 'https://WWW.Acme.com/about', 'acme.com'],
    ['scheme in upper case', 'HTTP://ACME.COM', 'acme.com'],
    ['www without scheme', 'www.acme.com', 'acme.com'],
    ['host with port', 'beta.co.uk:8080', 'beta.co.uk'],
    ['URL with user info, port, query and fragment', 'https://user:pw@acme.com:443/x?y=1#z', 'acme.com'],
    ['path containing @', 'https://acme.com/@team', 'acme.com'],
    ['trailing dot', 'acme.com.', 'acme.com'],
    ['surrounding blanks', '  acme.com  ', 'acme.com'],
    ['several values: the first one', 'acme.com; acme.io', 'acme.com'],
    ['IDN to punycode', 'bücher.de', 'xn--bcher-kva.de'],
    ['IDN URL', 'http://www.Bücher.de/shop', 'xn--bcher-kva.de'],
    ['punycode stays punycode', 'xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['IDN email', 'kunde@bücher.de', 'xn--bcher-kva.de'],
    ['private suffix github.io is not used', 'acme-docs.github.io', 'github.io'],
    ['private suffix herokuapp.com is not used', 'https://acme.herokuapp.com', 'herokuapp.com'],
    ['placeholder N/A', 'N/A', null],
    ['placeholder none', 'none', null],
    ['blank', '   ', null],
    ['empty', '', null],
    ['null', null, null],
    ['IP address', 'http://192.168.1.1/', null],
    ['IPv6 address', 'https://[::1]/', null],
    ['bare public suffix', 'co.uk', null],
    ['single label', 'localhost', null],
    ['wildcard in CS_Email_Domains__c', '*.acme.com', 'acme.com'],
    ['mistyped scheme http:/', 'http:/acme.com', 'acme.com'],
    ['scheme without slashes', 'https:acme.com', 'acme.com'],
    ['scheme without colon', 'https//acme.com', 'acme.com'],
    ['angle brackets', '<acme.com>', 'acme.com'],
    ['quotes', '"acme.com"', 'acme.com'],
    ['placeholder N.A', 'N.A', null],
    ['reserved TLD keeps its last label as suffix', 'staff.tidemark-vendor.example', 'tidemark-vendor.example'],
    ['ideographic full stop', 'acme\u3002com', 'acme.com'],
  ])('%s: %s', (_name, input, expected) => {
    expect(registrableDomain(input)).toBe(expected);
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['trims and lower-cases', '  Ann@Acme.COM ', 'ann@acme.com'],
    ['IDN domain to punycode', 'Kunde@Bücher.de', 'kunde@xn--bcher-kva.de'],
    ['mailto: prefix', 'mailto:x@y.com', 'x@y.com'],
    ['trailing dot of the domain', 'a@x.com.', 'a@x.com'],
    ['plus addressing kept', 'a+tag@x.com', 'a+tag@x.com'],
    ['display name and angle brackets', 'Jo Smith <Jo@Acme.com>', 'jo@acme.com'],
    ['angle brackets only', '<jo@acme.com>', 'jo@acme.com'],
    ['two @', 'jo@@acme.com', null],
    ['not an email', 'not an email', null],
    ['no dot in the domain', 'a@b', null],
    ['empty domain label', 'a@c..com', null],
    ['domain label starting with a hyphen', 'a@-c.com', null],
    ['empty local part', '@x.com', null],
    ['double dot in the local part', 'a..b@c.com', null],
    ['blank inside', 'a b@x.com', null],
    ['blank', '  ', null],
    ['null', null, null],
  ])('%s: %j', (_name, input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
});

describe('isFreeMailDomain (maintained list from the email-providers package)', () => {
  it.each(['gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'proton.me', 'protonmail.com', 'icloud.com', 'gmx.de', 'yahoo.co.uk', 'GMAIL.COM', 'mail.yahoo.com'])('%s is free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(true);
  });
  it.each(['acme.com', 'acme.co.uk', 'com', 'github.io', ''])('%j is not free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(false);
  });
  it.each(['aaamail.zzn.com', 'Mail.Yahoo.com.'])('%s: a listed host under a registrable domain is free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(true);
  });
  // The list also names public suffixes (com.ar, net.ua, web.id, ...): every company under them would be lost.
  it.each(['acme.com.ar', 'eu.acme.com.ar', 'acme.net.ua', 'acme.org.ua', 'acme.zp.ua', 'acme.nom.za', 'acme.web.id', 'com.ar'])(
    '%s: a public suffix on the list never makes a company domain free mail',
    (d) => {
      expect(isFreeMailDomain(d)).toBe(false);
    },
  );
});
