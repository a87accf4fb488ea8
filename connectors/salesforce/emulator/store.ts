/** In-memory sObject records of the Salesforce emulator, seeded from the dataset. */
import { randomBytes } from 'node:crypto';
import type { RawRecord } from '../../../src/sandbox/dataset.ts';
import { toSalesforceDateTime } from './datetime.ts';

const PREFIX: Record<string, string> = { Account: '001', Contact: '003', User: '005', Opportunity: '006', OpportunityLineItem: '00k', Task: '00T', Product2: '01t' };
const AUDIT = ['CreatedDate', 'LastModifiedDate', 'SystemModstamp'] as const;

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Salesforce's 15 -> 18 character Id: three suffix characters encoding which letters are upper case. */
export function toEighteen(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const ch = id15[chunk * 5 + i] ?? '';
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits] ?? 'A';
  }
  return id15 + suffix;
}

/** True for a 15-character Id, or an 18-character one whose suffix matches its first 15 characters. */
export function isWellFormedId(id: string): boolean {
  if (/^[a-zA-Z0-9]{15}$/.test(id)) return true;
  return /^[a-zA-Z0-9]{18}$/.test(id) && toEighteen(id.slice(0, 15)) === id.slice(0, 15) + id.slice(15).toUpperCase();
}

export class SalesforceStore {
  private readonly objects = new Map<string, Map<string, RawRecord>>();
  private seq = 0;

  constructor(
    dataset: Map<string, RawRecord[]>,
    private readonly generatedAt: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const [sobject, records] of dataset) {
      const map = new Map<string, RawRecord>();
      for (const r of records) {
        if (typeof r.Id !== 'string') continue;
        map.set(r.Id, this.withAudit(r, generatedAt));
      }
      this.objects.set(sobject, map);
    }
    if (!this.objects.has('Task')) this.objects.set('Task', new Map());
  }

  private withAudit(r: RawRecord, stamp: string): RawRecord {
    const out: RawRecord = { IsDeleted: false, ...r };
    for (const f of AUDIT) out[f] = toSalesforceDateTime(typeof out[f] === 'string' ? (out[f] as string) : stamp);
    return out;
  }

  has(sobject: string): boolean {
    return this.objects.has(sobject);
  }

  getAll(sobject: string): RawRecord[] {
    return [...(this.objects.get(sobject)?.values() ?? [])];
  }

  get(sobject: string, id: string): RawRecord | undefined {
    const map = this.objects.get(sobject);
    if (!map) return undefined;
    return map.get(id) ?? (id.length === 15 ? (map.get(toEighteen(id)) ?? [...map.values()].find((r) => String(r.Id).startsWith(id))) : undefined);
  }

  /** Finds a record of any object by Id, 15 or 18 characters (for parent lookups). */
  find(id: string): { sobject: string; record: RawRecord } | undefined {
    for (const [sobject, map] of this.objects) {
      const record = map.get(id);
      if (record) return { sobject, record };
    }
    if (id.length !== 15) return undefined;
    for (const sobject of this.objects.keys()) {
      const record = this.get(sobject, id);
      if (record) return { sobject, record };
    }
    return undefined;
  }

  /** Inserts or merges a record by Id (a new Id when it has none), stamping LastModifiedDate and SystemModstamp with the clock. */
  upsert(sobject: string, record: RawRecord): RawRecord {
    let map = this.objects.get(sobject);
    if (!map) {
      map = new Map();
      this.objects.set(sobject, map);
    }
    const id = typeof record.Id === 'string' ? record.Id : this.newId(sobject);
    const before = map.get(id);
    const stamp = toSalesforceDateTime(this.now());
    const next: RawRecord = { ...(before ?? { IsDeleted: false, CreatedDate: stamp }), ...record, Id: id, LastModifiedDate: stamp, SystemModstamp: stamp };
    map.set(id, next);
    return next;
  }

  /** Soft delete: IsDeleted true (queryAll still sees it), audit fields stamped with the clock. */
  remove(sobject: string, id: string): boolean {
    const r = this.get(sobject, id);
    if (!r) return false;
    const stamp = toSalesforceDateTime(this.now());
    r.IsDeleted = true;
    r.SystemModstamp = stamp;
    r.LastModifiedDate = stamp;
    return true;
  }

  /** A new 18-character Id with the object's prefix and a valid case-checksum suffix. */
  newId(sobject: string): string {
    this.seq += 1;
    const body = `${PREFIX[sobject] ?? 'a0X'}${randomBytes(4).toString('hex').toUpperCase()}${String(this.seq).padStart(4, '0')}`.slice(0, 15);
    return toEighteen(body);
  }

  /** The three-character Id prefix of an object's records (null for objects the emulator has no prefix for). */
  prefixOf(sobject: string): string | null {
    return PREFIX[sobject] ?? null;
  }

  objectNames(): string[] {
    return [...this.objects.keys()];
  }

  get stampFallback(): string {
    return this.generatedAt;
  }
}
