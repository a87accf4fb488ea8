/**
 * Salesforce record ids for generated records: 15 case-sensitive characters (3-character key
 * prefix, 2-character instance, zeros, a scrambled base-62 serial) plus the 3-character
 * case-checksum of the 18-character form. Kept apart from src/identity so the ground truth does
 * not borrow the code it checks.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SERIAL_SPACE = 62 ** 6;
/** Coprime with 62, so n -> n * SCRAMBLE mod 62^6 is a bijection: distinct serials, distinct ids. */
const SCRAMBLE = 1_000_003;

/** The 18-character form of a 15-character id. */
export function salesforceId18(id15: string): string {
  if (!/^[A-Za-z0-9]{15}$/.test(id15)) throw new Error(`"${id15}" is not a 15-character Salesforce id`);
  let suffix = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charAt(block * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM.charAt(bits);
  }
  return id15 + suffix;
}

/** The n-th id (n >= 1) of a key prefix such as 001 (Account), 003, 005, 006, 00k, 01t. */
export function salesforceId(prefix: string, n: number): string {
  if (!/^[0-9a-zA-Z]{3}$/.test(prefix)) throw new Error(`"${prefix}" is not a 3-character key prefix`);
  if (!Number.isInteger(n) || n < 1 || n >= SERIAL_SPACE) throw new Error(`serial ${n} is out of range 1..${SERIAL_SPACE - 1}`);
  let serial = Number((BigInt(n) * BigInt(SCRAMBLE)) % BigInt(SERIAL_SPACE));
  let tail = '';
  for (let i = 0; i < 6; i += 1) {
    tail = BASE62.charAt(serial % 62) + tail;
    serial = Math.floor(serial / 62);
  }
  return salesforceId18(`${prefix}5g0000${tail}`);
}
