/**
 * An exact set of event keys (person-day, event name, time, $insert_id) in typed arrays: no
 * JavaScript object or string per entry, so millions of entries cost the garbage collector
 * nothing and about 40 bytes plus two per $insert_id character each. Open addressing on a table
 * kept at most half full; equality compares every field and every character.
 */
const EMPTY = 0;

export class SeenEvents {
  /** Pairs (entry + 1, hash): a probe reads one cache line, not the entry arrays. */
  private table = new Int32Array(1 << 13);
  private hashes = new Int32Array(1 << 11);
  private persons = new Int32Array(1 << 11);
  private names = new Int32Array(1 << 11);
  private times = new Float64Array(1 << 11);
  private starts = new Int32Array(1 << 11);
  private lengths = new Int32Array(1 << 11);
  private chars = new Uint16Array(1 << 14);
  private charCount = 0;
  size = 0;

  /** Adds the key; false when it was already there. */
  add(person: number, name: number, time: number, insertId: string): boolean {
    let h = Math.imul(person ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(name + 1, 0x85ebca6b) ^ (time % 4_294_967_296 | 0);
    for (let i = 0; i < insertId.length; i += 1) h = Math.imul(h ^ insertId.charCodeAt(i), 16_777_619);
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

  private sameChars(e: number, insertId: string): boolean {
    if (this.lengths[e] !== insertId.length) return false;
    const start = this.starts[e] as number;
    for (let i = 0; i < insertId.length; i += 1) if (this.chars[start + i] !== insertId.charCodeAt(i)) return false;
    return true;
  }

  private insert(h: number, person: number, name: number, time: number, insertId: string): void {
    const e = this.size;
    if (e === this.hashes.length) this.growEntries();
    while (this.charCount + insertId.length > this.chars.length) this.chars = grown(this.chars, new Uint16Array(this.chars.length * 2));
    for (let i = 0; i < insertId.length; i += 1) this.chars[this.charCount + i] = insertId.charCodeAt(i);
    this.hashes[e] = h;
    this.persons[e] = person;
    this.names[e] = name;
    this.times[e] = time;
    this.starts[e] = this.charCount;
    this.lengths[e] = insertId.length;
    this.charCount += insertId.length;
    this.size += 1;
    if (this.size * 4 > this.table.length) this.rehash(this.table.length * 2);
    else this.place(h, e);
  }

  private place(h: number, e: number): void {
    const mask = (this.table.length >> 1) - 1;
    let slot = h & mask;
    while (this.table[slot << 1] !== EMPTY) slot = (slot + 1) & mask;
    this.table[slot << 1] = e + 1;
    this.table[(slot << 1) + 1] = h;
  }

  private rehash(capacity: number): void {
    this.table = new Int32Array(capacity);
    for (let e = 0; e < this.size; e += 1) this.place(this.hashes[e] as number, e);
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    this.hashes = grown(this.hashes, new Int32Array(n));
    this.persons = grown(this.persons, new Int32Array(n));
    this.names = grown(this.names, new Int32Array(n));
    this.times = grown(this.times, new Float64Array(n));
    this.starts = grown(this.starts, new Int32Array(n));
    this.lengths = grown(this.lengths, new Int32Array(n));
  }

  /** Bytes held by the arrays. */
  get bytes(): number {
    return this.table.byteLength + this.chars.byteLength + this.hashes.length * 28;
  }
}

function grown<T extends Int32Array | Float64Array | Uint16Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
