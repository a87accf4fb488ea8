/**
 * In-memory Zendesk records for the emulator, seeded from the dataset. Records keep every field
 * they came with; the store only needs a numeric `id` and an `updated_at` to order exports.
 */
import { z } from 'zod';
import type { RawRecord } from '../../../src/sandbox/dataset.ts';

export const ZENDESK_RESOURCES = ['organizations', 'users', 'tickets', 'satisfaction_ratings'] as const;
export type ZendeskResource = (typeof ZENDESK_RESOURCES)[number];
export const zendeskResourceSchema = z.enum(ZENDESK_RESOURCES);

const idSchema = z.number().int().nonnegative();
const storedRecordSchema = z.looseObject({ id: idSchema, updated_at: z.string().optional(), created_at: z.string().optional() });

export interface StoredRecord {
  id: number;
  /** updated_at in unix seconds: the export ordering key. */
  updatedAt: number;
  raw: RawRecord;
}

/** Zendesk's timestamp style: ISO-8601 in UTC without milliseconds. */
export function zendeskTimestamp(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function secondsOf(value: string | undefined, fallbackMs: number): number {
  const parsed = value === undefined ? Number.NaN : Date.parse(value);
  return Math.floor((Number.isNaN(parsed) ? fallbackMs : parsed) / 1000);
}

export class ZendeskStore {
  private readonly maps = new Map<ZendeskResource, Map<number, StoredRecord>>();
  private readonly sorted = new Map<ZendeskResource, StoredRecord[]>();

  constructor(
    private readonly now: () => number,
    /** Used for records that carry no updated_at (the dataset's generatedAt). */
    private readonly defaultStampMs: number,
  ) {
    for (const resource of ZENDESK_RESOURCES) this.maps.set(resource, new Map());
  }

  /** Loads a record as it is (no stamping): for the dataset. Throws on a record without a numeric id. */
  load(resource: ZendeskResource, raw: RawRecord, where: string): void {
    const parsed = storedRecordSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`${where}: a Zendesk ${resource} record needs a numeric "id" (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    }
    const updatedAt = secondsOf(parsed.data.updated_at ?? parsed.data.created_at, this.defaultStampMs);
    this.put(resource, { id: parsed.data.id, updatedAt, raw: { ...raw } });
  }

  /** Inserts or replaces a record by id and stamps updated_at (and created_at when missing) with the emulator clock. */
  upsert(resource: ZendeskResource, raw: RawRecord): RawRecord {
    const parsed = storedRecordSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`a Zendesk ${resource} record needs a numeric "id"`);
    const nowMs = this.now();
    const stamp = zendeskTimestamp(nowMs);
    const record: RawRecord = { ...raw, updated_at: stamp };
    if (typeof record.created_at !== 'string') record.created_at = stamp;
    if (resource === 'tickets') record.generated_timestamp = Math.floor(nowMs / 1000);
    this.put(resource, { id: parsed.data.id, updatedAt: Math.floor(nowMs / 1000), raw: record });
    return record;
  }

  /**
   * Deletes a record the way Zendesk shows it in exports: a ticket keeps status "deleted", a user
   * becomes inactive, an organization gets deleted_at; each is stamped so incremental exports
   * return it again. Returns false when there is no such record.
   */
  remove(resource: ZendeskResource, id: number): boolean {
    const existing = this.get(resource, id);
    if (!existing) return false;
    const stamp = zendeskTimestamp(this.now());
    const changes: RawRecord =
      resource === 'tickets' ? { status: 'deleted' } : resource === 'users' ? { active: false } : resource === 'organizations' ? { deleted_at: stamp } : {};
    if (resource === 'satisfaction_ratings') {
      this.mapOf(resource).delete(id);
      this.sorted.delete(resource);
      return true;
    }
    this.upsert(resource, { ...existing, ...changes });
    return true;
  }

  get(resource: ZendeskResource, id: number): RawRecord | undefined {
    return this.mapOf(resource).get(id)?.raw;
  }

  getAll(resource: ZendeskResource): RawRecord[] {
    return this.ordered(resource).map((r) => r.raw);
  }

  /** Records ordered by updated_at, then id (the incremental export order). */
  ordered(resource: ZendeskResource): readonly StoredRecord[] {
    let list = this.sorted.get(resource);
    if (!list) {
      list = [...this.mapOf(resource).values()].sort((a, b) => a.updatedAt - b.updatedAt || a.id - b.id);
      this.sorted.set(resource, list);
    }
    return list;
  }

  private put(resource: ZendeskResource, record: StoredRecord): void {
    this.mapOf(resource).set(record.id, record);
    this.sorted.delete(resource);
  }

  private mapOf(resource: ZendeskResource): Map<number, StoredRecord> {
    const map = this.maps.get(resource);
    if (!map) throw new Error(`unknown Zendesk resource ${resource}`);
    return map;
  }
}
