/**
 * Splits exported events into UTC day partitions and aggregates each day per
 * (distinct_id, explicit account id): event count, distinct event names, first and last time.
 *
 * Duplicates are dropped with Mixpanel's de-duplication key (event name, distinct_id, time,
 * $insert_id; docs: raw-data-export-api), exactly: an event without $insert_id is never a
 * duplicate. A duplicate shares its distinct_id and day with the original, so the seen
 * $insert_ids live in the (day, distinct_id) state: insert id -> the first event's time and name
 * (two numbers in shared typed arrays). Two different events with the same $insert_id in one
 * person-day (rare) are told apart by a composite key kept only for them.
 *
 * Memory: one state per (day, distinct_id) and one seen entry per event with an $insert_id, for
 * the days of one export request (the stream keeps at most maxDaysPerRequest days open, because
 * the export does not promise any order); nothing is kept between requests. No string is built
 * per event.
 */
import { activityId, type MixpanelActivity } from '../../src/contracts/records.ts';
import { distinctIdOf, insertIdOf } from './raw-schemas.ts';

const DAY_MS = 86_400_000;

interface Bucket {
  accountId: string | null;
  count: number;
  names: Set<string>;
  firstAt: number;
  lastAt: number;
}

interface PersonDay {
  distinctId: string;
  /** Usually one or two (no account property, and the account property). */
  buckets: Bucket[];
  /** $insert_id -> entry in the aggregator's seen arrays (first event with that id). */
  seen: Map<string, number> | null;
}

const dayNames = new Map<number, string>();

/** The UTC day name of a day number, formatted once per day. */
export function dayName(dayNumber: number): string {
  let name = dayNames.get(dayNumber);
  if (name === undefined) {
    name = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(dayNumber, name);
  }
  return name;
}

/** Event time (seconds, or milliseconds when > 1e12) in epoch milliseconds. */
export const timeMs = (time: number): number => (time > 1e12 ? time : time * 1000);

/** The UTC day number of an event time. */
export const dayNumberOf = (time: number): number => Math.floor(timeMs(time) / DAY_MS);

/** The UTC day of an event time (seconds, or milliseconds when > 1e12). */
export function dayOf(time: number): string {
  return dayName(dayNumberOf(time));
}

export class DayAggregator {
  private readonly days = new Map<number, Map<string, PersonDay>>();
  /** First events by seen entry: time and interned event name. */
  private seenTimes = new Float64Array(1 << 12);
  private seenNames = new Int32Array(1 << 12);
  private seenCount = 0;
  private readonly nameIds = new Map<string, number>();
  /** Composite keys of events whose $insert_id an earlier, different event of the person-day had. */
  private readonly collisions = new Set<string>();
  duplicates = 0;
  events = 0;

  constructor(private readonly accountIdProperty: string) {}

  /**
   * Adds one event given as its raw `properties` (checked by fastRawEvent or rawEventSchema) and
   * event name. `day` is its UTC day number (dayNumberOf(properties.time)).
   */
  addRaw(event: string, properties: Record<string, unknown>, day: number): void {
    const time = properties.time as number;
    const distinctId = distinctIdOf(properties);
    let persons = this.days.get(day);
    if (!persons) {
      persons = new Map();
      this.days.set(day, persons);
    }
    let person = persons.get(distinctId);
    if (!person) {
      person = { distinctId, buckets: [], seen: null };
      persons.set(distinctId, person);
    }
    const insertId = insertIdOf(properties);
    if (insertId !== null && this.isDuplicate(person, event, time, insertId, day)) {
      this.duplicates += 1;
      return;
    }
    this.events += 1;
    const accountId = this.accountOf(properties, distinctId, insertId);
    let bucket: Bucket | undefined;
    for (const b of person.buckets) {
      if (b.accountId === accountId) {
        bucket = b;
        break;
      }
    }
    if (!bucket) {
      bucket = { accountId, count: 0, names: new Set(), firstAt: Infinity, lastAt: -Infinity };
      person.buckets.push(bucket);
    }
    bucket.count += 1;
    bucket.names.add(event);
    const t = timeMs(time);
    if (t < bucket.firstAt) bucket.firstAt = t;
    if (t > bucket.lastAt) bucket.lastAt = t;
  }

  /** The parsed-schema form: `add(rawEventSchema.parse(line))`. */
  add(event: { event: string; properties: Record<string, unknown> & { time: number } }): void {
    this.addRaw(event.event, event.properties, dayNumberOf(event.properties.time));
  }

  private accountOf(properties: Record<string, unknown>, distinctId: string, insertId: string | null): string | null {
    const name = this.accountIdProperty;
    // The schema's normalized fields, when the account property is one of them.
    const raw = name === 'distinct_id' ? distinctId : name === '$insert_id' ? insertId : properties[name];
    if (typeof raw !== 'string') return null;
    const trimmed = raw.trim();
    return trimmed === '' ? null : trimmed;
  }

  private nameId(event: string): number {
    let id = this.nameIds.get(event);
    if (id === undefined) {
      id = this.nameIds.size;
      this.nameIds.set(event, id);
    }
    return id;
  }

  /** Whether (event, distinct_id, time, insertId) was seen; records it when not. */
  private isDuplicate(person: PersonDay, event: string, time: number, insertId: string, day: number): boolean {
    const name = this.nameId(event);
    person.seen ??= new Map();
    const entry = person.seen.get(insertId);
    if (entry === undefined) {
      person.seen.set(insertId, this.remember(time, name));
      return false;
    }
    if (this.seenTimes[entry] === time && this.seenNames[entry] === name) return true;
    // Same $insert_id, another event: a distinct event by Mixpanel's key; keep composite keys.
    const key = (t: number, n: number): string => `${day}\u0000${person.distinctId}\u0000${insertId}\u0000${t}\u0000${n}`;
    this.collisions.add(key(this.seenTimes[entry] as number, this.seenNames[entry] as number));
    const mine = key(time, name);
    if (this.collisions.has(mine)) return true;
    this.collisions.add(mine);
    return false;
  }

  private remember(time: number, name: number): number {
    if (this.seenCount === this.seenTimes.length) {
      const times = new Float64Array(this.seenTimes.length * 2);
      times.set(this.seenTimes);
      this.seenTimes = times;
      const names = new Int32Array(this.seenNames.length * 2);
      names.set(this.seenNames);
      this.seenNames = names;
    }
    this.seenTimes[this.seenCount] = time;
    this.seenNames[this.seenCount] = name;
    this.seenCount += 1;
    return this.seenCount - 1;
  }

  /** The day's activities (sorted by id, deterministic), and forgets the day. */
  take(day: string | number): MixpanelActivity[] {
    const number = typeof day === 'number' ? day : Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
    const name = dayName(number);
    const persons = this.days.get(number);
    this.days.delete(number);
    if (this.days.size === 0) this.release();
    if (!persons) return [];
    const out: MixpanelActivity[] = [];
    for (const person of persons.values()) {
      for (const b of person.buckets) {
        out.push({
          kind: 'mixpanel.activity',
          id: activityId(name, person.distinctId, b.accountId),
          day: name,
          distinctId: person.distinctId,
          accountId: b.accountId,
          eventCount: b.count,
          eventNames: [...b.names].sort(),
          firstAt: Math.round(b.firstAt),
          lastAt: Math.round(b.lastAt),
        });
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Entries of the seen arrays in use (for memory accounting). */
  get seenEntries(): number {
    return this.seenCount;
  }

  private release(): void {
    this.seenTimes = new Float64Array(1 << 12);
    this.seenNames = new Int32Array(1 << 12);
    this.seenCount = 0;
    this.collisions.clear();
  }
}
