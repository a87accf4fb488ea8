/**
 * Salesforce record ids: the 15-character case-sensitive form and the 18-character form whose
 * three suffix characters encode which of the first 15 characters are upper case (one character
 * per block of five). An 18-character id is case-insensitive: its suffix restores the case.
 */
const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Key prefix of the Account object: an explicit account id must start with it. */
export const ACCOUNT_KEY_PREFIX = '001';

function isUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z';
}

function isLetter(c: string): boolean {
  const l = c.toLowerCase();
  return l >= 'a' && l <= 'z';
}

function checksum(base15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) if (isUpper(base15.charAt(block * 5 + i))) bits |= 1 << i;
    suffix += CHECKSUM_CHARS.charAt(bits);
  }
  return suffix;
}

/** The first 15 characters with their case restored from an 18-character id's suffix; null when the suffix is inconsistent. */
function restoreCase(id18: string): string | null {
  let base = '';
  for (let block = 0; block < 3; block += 1) {
    const bits = CHECKSUM_CHARS.indexOf(id18.charAt(15 + block).toUpperCase());
    if (bits < 0) return null;
    for (let i = 0; i < 5; i += 1) {
      const c = id18.charAt(block * 5 + i);
      const upper = (bits & (1 << i)) !== 0;
      if (upper && !isLetter(c)) return null;
      base += upper ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return base;
}

/**
 * The canonical 18-character form of a Salesforce id (surrounding blanks ignored): a 15-character
 * id gets its checksum suffix; an 18-character id gets the case its suffix encodes (so a
 * lower-cased 18-character id still names the same record). Null when the value is not an id.
 */
export function toSalesforceId18(id: string): string | null {
  const trimmed = id.trim();
  if (!ID_RE.test(trimmed)) return null;
  if (trimmed.length === 15) return trimmed + checksum(trimmed);
  const base = restoreCase(trimmed);
  return base === null ? null : base + checksum(base);
}

/** True for a 15-character id, or an 18-character id whose suffix is consistent with its first 15 characters. */
export function isSalesforceId(value: unknown): value is string {
  return typeof value === 'string' && toSalesforceId18(value) !== null && value.trim() === value;
}

/** True when the value is a Salesforce Account id (15 or 18 characters, key prefix 001). */
export function isAccountId(value: unknown): value is string {
  return isSalesforceId(value) && value.startsWith(ACCOUNT_KEY_PREFIX);
}
