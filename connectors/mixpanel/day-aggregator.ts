/**
 * Splits exported events into UTC day partitions and aggregates each day per
 * (distinct_id, explicit account id): event count and distinct event names. Duplicates by
 * $insert_id are dropped within a day. Memory per day: its distinct users and insert ids.
 */
import { activityId, type MixpanelActivity } from '../../src/contracts/records.ts';
import type { RawEvent } from './raw-schemas.ts';

interface Bucket {
  distinctId: string;
  accountId: string | null;
  count: number;
  names: Set<string>;
  firstAt: number;
  lastAt: number;
}

const dayNames = new Map<number, string>();

/** The UTC day of an event time (seconds, or milliseconds when > 1e12), formatted once per day. */
export function dayOf(timeSeconds: number): string {
  const ms = timeSeconds > 1e12 ? timeSeconds : timeSeconds * 1000;
  const day = Math.floor(ms / 86_400_000);
  let name = dayNames.get(day);
  if (name === undefined) {
    name = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(day, name);
  }
  return name;
}

export class DayAggregator {
  private readonly days = new Map<string, { seen: Set<string>; buckets: Map<string, Bucket> }>();
  duplicates = 0;

  constructor(private readonly accountIdProperty: string) {}

  add(event: RawEvent, fallbackKey: string): void {
    const day = dayOf(event.properties.time);
    let d = this.days.get(day);
    if (!d) {
      d = { seen: new Set(), buckets: new Map() };
      this.days.set(day, d);
    }
    const insertId = event.properties.$insert_id ?? fallbackKey;
    if (d.seen.has(insertId)) {
      this.duplicates += 1;
      return;
    }
    d.seen.add(insertId);
    const raw = event.properties[this.accountIdProperty];
    const accountId = typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : null;
    const key = `${event.properties.distinct_id}\u0000${accountId ?? ''}`;
    let b = d.buckets.get(key);
    if (!b) {
      b = { distinctId: event.properties.distinct_id, accountId, count: 0, names: new Set(), firstAt: Infinity, lastAt: -Infinity };
      d.buckets.set(key, b);
    }
    b.count += 1;
    b.names.add(event.event);
    const t = event.properties.time > 1e12 ? event.properties.time : event.properties.time * 1000;
    if (t < b.firstAt) b.firstAt = t;
    if (t > b.lastAt) b.lastAt = t;
  }

  /** The day's activities (sorted, deterministic), and forgets the day. */
  take(day: string): MixpanelActivity[] {
    const d = this.days.get(day);
    this.days.delete(day);
    if (!d) return [];
    return [...d.buckets.values()]
      .map((b) => ({
        kind: 'mixpanel.activity' as const,
        id: activityId(day, b.distinctId, b.accountId),
        day,
        distinctId: b.distinctId,
        accountId: b.accountId,
        eventCount: b.count,
        eventNames: [...b.names].sort(),
        firstAt: Math.round(b.firstAt),
        lastAt: Math.round(b.lastAt),
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
