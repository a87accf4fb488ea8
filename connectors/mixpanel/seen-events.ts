/**
 * An exact set of event keys (person-day, event name, time, $insert_id) in typed arrays: no
 * JavaScript object or string per entry, so millions of entries cost the garbage collector
 * nothing and about 30 bytes plus one per $insert_id character each (table at most three quarters
 * full: the aggregator keeps one set per day, small enough to stay in the processor's caches, so a
 * longer probe costs less than the memory of an emptier table).
 * Open addressing; equality compares every field and every character. An $insert_id with a
 * character beyond Latin-1 (rare: Mixpanel's are ASCII) is kept in a Set of composite strings.
 */
const EMPTY = 0;

export class SeenEvents {
  /** Pairs (entry + 1, hash): a probe reads one cache line, not the entry arrays. */
  private table = new Int32Array(1 << 13);
  private persons = new Int32Array(1 << 11);
  private names = new Int32Array(1 << 11);
  private times = new Float64Array(1 << 11);
  private starts = new Int32Array(1 << 11);
  private lengths = new Int32Array(1 << 11);
  private chars = new Uint8Array(1 << 15);
  private charCount = 0;
  private entries = 0;
  private wide: Set<string> | null = null;

  get size(): number {
    return this.entries + (this.wide?.size ?? 0);
  }

  /** Adds the key; false when it was already there. */
  add(person: number, name: number, time: number, insertId: string): boolean {
    let h = Math.imul(person ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(name + 1, 0x85ebca6b) ^ (time % 4_294_967_296 | 0);
    for (let i = 0; i < insertId.length; i += 1) {
      const c = insertId.charCodeAt(i);
      if (c > 0xff) return this.addWide(person, name, time, insertId);
      h = Math.imul(h ^ c, 16_777_619);
    }
    h ^= h >>> 15;
    const mask = (this.table.length >> 1) - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = this.table[slot << 1] as number;
      if (at === EMPTY) break;
      if (this.table[(slot << 1) + 1] !== h) continue;
      const e = at - 1;
      if (this.persons[e] === person && this.names[e] === name && this.times[e] === time && this.sameChars(e, insertId)) return false;
    }
    this.insert(h, person, name, time, insertId);
    return true;
  }

  private addWide(person: number, name: number, time: number, insertId: string): boolean {
    this.wide ??= new Set();
    const key = `${person}\u0000${name}\u0000${time}\u0000${insertId}`;
    if (this.wide.has(key)) return false;
    this.wide.add(key);
    return true;
  }

  private sameChars(e: number, insertId: string): boolean {
    if (this.lengths[e] !== insertId.length) return false;
    const start = this.starts[e] as number;
    for (let i = 0; i < insertId.length; i += 1) if (this.chars[start + i] !== insertId.charCodeAt(i)) return false;
    return true;
  }

  private insert(h: number, person: number, name: number, time: number, insertId: string): void {
    const e = this.entries;
    if (e === this.persons.length) this.growEntries();
    while (this.charCount + insertId.length > this.chars.length) this.chars = grown(this.chars, new Uint8Array(this.chars.length * 2));
    for (let i = 0; i < insertId.length; i += 1) this.chars[this.charCount + i] = insertId.charCodeAt(i);
    this.persons[e] = person;
    this.names[e] = name;
    this.times[e] = time;
    this.starts[e] = this.charCount;
    this.lengths[e] = insertId.length;
    this.charCount += insertId.length;
    this.entries += 1;
    // table.length / 2 slots, at most three quarters used.
    if (this.entries * 8 > this.table.length * 3) this.rehash(h);
    else place(this.table, h, e + 1);
  }

  /** Twice the slots; the pairs move over with their stored hashes, then the new entry (hash h). */
  private rehash(h: number): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) place(this.table, old[i + 1] as number, old[i] as number);
    place(this.table, h, this.entries);
  }

  private growEntries(): void {
    const n = this.persons.length * 2;
    this.persons = grown(this.persons, new Int32Array(n));
    this.names = grown(this.names, new Int32Array(n));
    this.times = grown(this.times, new Float64Array(n));
    this.starts = grown(this.starts, new Int32Array(n));
    this.lengths = grown(this.lengths, new Int32Array(n));
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.table.byteLength + this.chars.byteLength + this.persons.length * 24;
  }
}

function place(table: Int32Array, h: number, entryPlusOne: number): void {
  const mask = (table.length >> 1) - 1;
  let slot = h & mask;
  while (table[slot << 1] !== EMPTY) slot = (slot + 1) & mask;
  table[slot << 1] = entryPlusOne;
  table[(slot << 1) + 1] = h;
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
