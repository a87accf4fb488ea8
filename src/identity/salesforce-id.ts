/** Salesforce record ids: 15-character case-sensitive ids and their 18-character checksummed form. */
const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function isSalesforceId(value: unknown): value is string {
  return typeof value === 'string' && ID_RE.test(value);
}

/** The 18-character form: three checksum characters encode the upper-case positions of each 5-char block. */
export function toSalesforceId18(id: string): string | null {
  const trimmed = id.trim();
  if (!isSalesforceId(trimmed)) return null;
  const base = trimmed.slice(0, 15);
  let suffix = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = base.charAt(block * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_CHARS.charAt(bits);
  }
  return base + suffix;
}
