/**
 * Splits exported events into UTC day partitions and aggregates each day per
 * (distinct_id, explicit account id): event count, distinct event names, first and last time.
 *
 * Duplicates are dropped with Mixpanel's de-duplication key (event name, distinct_id, time,
 * $insert_id; docs: raw-data-export-api), exactly: an event without $insert_id is never a
 * duplicate. The keys seen are held in typed arrays (seen-events.ts): the person-day's number
 * (distinct_id and day), the interned event name, the time and the $insert_id's characters.
 *
 * Memory: one state per (day, distinct_id), and per event with an $insert_id about 30 bytes plus
 * one per character of it, off the JavaScript heap, for the days of one export request (the export
 * promises no order, so all days of a request stay open until it ends; the request's days are
 * sized to about eventsPerRequest lines: request-window.ts). A day's state goes when the day is
 * taken; nothing is kept between requests.
 * No string is built per event.
 *
 * The keys are held in one set per day: a duplicate always falls on its original's day (the key
 * holds the time), and a day's set stays small enough for the processor's caches while the export
 * streams that day, where one set for the whole request missed them on almost every event.
 */
import { activityId, type MixpanelActivity } from '../../src/contracts/records.ts';
import { distinctIdOf, insertIdOf } from './raw-schemas.ts';
import { SeenEvents } from './seen-events.ts';

const DAY_MS = 86_400_000;

interface Bucket {
  accountId: string | null;
  count: number;
  /** Event names by interned number: bits for the first 31, a Set for the rest. */
  nameBits: number;
  moreNames: Set<string> | null;
  firstAt: number;
  lastAt: number;
}

interface Day {
  persons: Map<string, PersonDay>;
  /** The day's de-duplication keys. */
  seen: SeenEvents;
}

interface PersonDay {
  /** Number of this person-day in the aggregator (part of the de-duplication key). */
  index: number;
  distinctId: string;
  /** Usually one or two (no account property, and the account property). */
  buckets: Bucket[];
}

/**
 * A string that holds its own characters. The export scanner hands out slices of the text of a
 * whole chunk of lines, and V8 keeps a slice's source alive with it: the strings the aggregator
 * keeps for the request's days (distinct ids, account ids, event names, once each) are copied
 * (a new flat string of one more character, then sliced), so no chunk stays alive behind them.
 */
const ownCopy = (s: string): string => ` ${s}`.slice(1);

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
  private readonly days = new Map<number, Day>();
  private personDays = 0;
  private readonly nameIds = new Map<string, number>();
  private readonly nameList: string[] = [];
  duplicates = 0;
  events = 0;

  constructor(private readonly accountIdProperty: string) {}

  /**
   * Adds one event given as its raw `properties` (checked by fastRawEvent or rawEventSchema) and
   * event name. `day` is its UTC day number (dayNumberOf(properties.time)).
   */
  addRaw(event: string, properties: Record<string, unknown>, day: number): void {
    this.addFields(event, properties.time as number, distinctIdOf(properties), insertIdOf(properties), this.accountOf(properties), day);
  }

  /**
   * Adds one event given as the fields it is aggregated by: distinct_id and $insert_id as
   * distinctIdOf and insertIdOf give them, and `account` the account property's value when it is a
   * string (event-scanner.ts reads these from the line's text).
   */
  addFields(event: string, time: number, distinctId: string, insertId: string | null, account: string | null, day: number): void {
    let state = this.days.get(day);
    if (!state) {
      state = { persons: new Map(), seen: new SeenEvents() };
      this.days.set(day, state);
    }
    let person = state.persons.get(distinctId);
    if (!person) {
      const owned = ownCopy(distinctId);
      person = { index: this.personDays, distinctId: owned, buckets: [] };
      this.personDays += 1;
      state.persons.set(owned, person);
    }
    const name = this.nameId(event);
    if (insertId !== null && !state.seen.add(person.index, name, time, insertId)) {
      this.duplicates += 1;
      return;
    }
    this.events += 1;
    const accountId = this.accountIdOf(account, distinctId, insertId);
    let bucket: Bucket | undefined;
    for (const b of person.buckets) {
      if (b.accountId === accountId) {
        bucket = b;
        break;
      }
    }
    if (!bucket) {
      bucket = { accountId: accountId === null ? null : ownCopy(accountId), count: 0, nameBits: 0, moreNames: null, firstAt: Infinity, lastAt: -Infinity };
      person.buckets.push(bucket);
    }
    bucket.count += 1;
    if (name < 31) bucket.nameBits |= 1 << name;
    else if (!(bucket.moreNames ??= new Set()).has(event)) bucket.moreNames.add(ownCopy(event));
    const t = timeMs(time);
    if (t < bucket.firstAt) bucket.firstAt = t;
    if (t > bucket.lastAt) bucket.lastAt = t;
  }

  /** The parsed-schema form: `add(rawEventSchema.parse(line))`. */
  add(event: { event: string; properties: Record<string, unknown> & { time: number } }): void {
    this.addRaw(event.event, event.properties, dayNumberOf(event.properties.time));
  }

  /** The account property's raw value when it is a string (else null). */
  private accountOf(properties: Record<string, unknown>): string | null {
    const raw = properties[this.accountIdProperty];
    return typeof raw === 'string' ? raw : null;
  }

  /** The explicit account id: the account property's string value trimmed, or null. */
  private accountIdOf(account: string | null, distinctId: string, insertId: string | null): string | null {
    const name = this.accountIdProperty;
    // The schema's normalized fields, when the account property is one of them.
    const raw = name === 'distinct_id' ? distinctId : name === '$insert_id' ? insertId : account;
    if (raw === null) return null;
    const trimmed = raw.trim();
    return trimmed === '' ? null : trimmed;
  }

  private nameId(event: string): number {
    let id = this.nameIds.get(event);
    if (id === undefined) {
      id = this.nameIds.size;
      const owned = ownCopy(event);
      this.nameIds.set(owned, id);
      this.nameList.push(owned);
    }
    return id;
  }

  /** The day's activities (sorted by id, deterministic), and forgets the day (its de-duplication keys too). */
  take(day: string | number): MixpanelActivity[] {
    const number = typeof day === 'number' ? day : Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
    const name = dayName(number);
    const state = this.days.get(number);
    this.days.delete(number);
    if (!state) return [];
    const out: MixpanelActivity[] = [];
    for (const person of state.persons.values()) {
      for (const b of person.buckets) {
        out.push({
          kind: 'mixpanel.activity',
          id: activityId(name, person.distinctId, b.accountId),
          day: name,
          distinctId: person.distinctId,
          accountId: b.accountId,
          eventCount: b.count,
          eventNames: this.namesOf(b),
          firstAt: Math.round(b.firstAt),
          lastAt: Math.round(b.lastAt),
        });
      }
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private namesOf(b: Bucket): string[] {
    const out: string[] = b.moreNames ? [...b.moreNames] : [];
    for (let bits = b.nameBits, i = 0; bits !== 0; bits >>>= 1, i += 1) if (bits & 1) out.push(this.nameList[i] as string);
    return out.sort();
  }

  /** Bytes of the de-duplication state of the days not taken yet (for memory accounting). */
  get seenBytes(): number {
    let bytes = 0;
    for (const state of this.days.values()) bytes += state.seen.bytes;
    return bytes;
  }
}
