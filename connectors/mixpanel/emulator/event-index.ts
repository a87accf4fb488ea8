/**
 * The dataset's events file indexed once by UTC day: runs of consecutive lines of the same day,
 * with their byte range and latest event time. An export without event/where/limit/time_in_ms
 * filters then streams raw byte ranges of the file instead of parsing and re-serializing every
 * line. The emulator stands in for Mixpanel's servers, which do not share the client's CPU in
 * production; a benchmark of the client must not be bound by the emulator's JSON work.
 *
 * The bytes served are exactly those the line-by-line path serves, in the same order: the index
 * holds only lines that path would serve as-is, and a file it cannot index exactly (a line that
 * is not JSON, a carriage return) is left to that path.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { rawEventSchema } from './store.ts';

const DAY_SECONDS = 86_400;
const NEWLINE = 0x0a;
const READ_BYTES = 1 << 20;

export interface EventRuns {
  /** Number of runs. */
  count: number;
  /** Byte offset of the run's first line. */
  start: Float64Array;
  /** Byte offset of the newline (or end of file) after the run's last line. */
  end: Float64Array;
  /** UTC day number (floor(time / 86400)) of every line of the run. */
  day: Float64Array;
  /** Latest `properties.time` of the run (the emulator clock hides events after it). */
  maxTime: Float64Array;
  fileSize: number;
}

/** Why the file is left to the line-by-line path, or the runs. */
export type EventIndex = { ok: true; runs: EventRuns } | { ok: false; reason: string };

class Growable {
  data = new Float64Array(1024);
  push(i: number, value: number): void {
    if (i >= this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[i] = value;
  }
}

/** Reads the file once (1 MB at a time) and builds its runs. */
export async function indexEventsFile(file: string): Promise<EventIndex> {
  const handle = await open(file, 'r');
  const start = new Growable();
  const end = new Growable();
  const day = new Growable();
  const maxTime = new Growable();
  let count = 0;
  // The open run: lines are appended while they are contiguous and of the same day.
  let open_ = false;
  let lineNo = 0;
  const addLine = (lineStart: number, lineEnd: number, text: string): string | null => {
    lineNo += 1;
    if (text.includes('\r')) return `line ${lineNo} holds a carriage return`;
    if (text.includes('\uFFFD')) return `line ${lineNo} is not valid UTF-8 (or holds U+FFFD)`;
    if (text.trim() === '') {
      open_ = false;
      return null;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return `line ${lineNo} is not valid JSON`;
    }
    const parsed = rawEventSchema.safeParse(value);
    if (!parsed.success) {
      // The line-by-line path skips it: it ends the run.
      open_ = false;
      return null;
    }
    const time = parsed.data.properties.time;
    const d = Math.floor(time / DAY_SECONDS);
    const last = count - 1;
    if (open_ && day.data[last] === d && end.data[last] === lineStart - 1) {
      end.data[last] = lineEnd;
      if (time > (maxTime.data[last] as number)) maxTime.data[last] = time;
      return null;
    }
    start.push(count, lineStart);
    end.push(count, lineEnd);
    day.push(count, d);
    maxTime.push(count, time);
    count += 1;
    open_ = true;
    return null;
  };
  try {
    let carry: Buffer = Buffer.alloc(0);
    let carryAt = 0; // file offset of carry[0]
    let position = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const chunk = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
        const failure = addLine(carryAt + from, carryAt + nl, chunk.toString('utf8', from, nl));
        if (failure) return { ok: false, reason: failure };
        from = nl + 1;
      }
      carry = Buffer.from(chunk.subarray(from));
      carryAt += from;
    }
    if (carry.length > 0) {
      const failure = addLine(carryAt, carryAt + carry.length, carry.toString('utf8'));
      if (failure) return { ok: false, reason: failure };
    }
    return { ok: true, runs: { count, start: start.data, end: end.data, day: day.data, maxTime: maxTime.data, fileSize: position } };
  } finally {
    await handle.close();
  }
}

/** Byte ranges shorter than this are gathered, several into one buffer (gatherRanges). */
const GATHER_BELOW = 64 * 1024;
/** Gathered ranges closer than this are read as one span (the bytes between are read and dropped). */
const SPAN_GAP = 4 * 1024;

/** Fills `buffer[at, at + length)` from the file at `position`. */
async function readFully(handle: FileHandle, file: string, buffer: Buffer, at: number, length: number, position: number): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesRead } = await handle.read(buffer, at + done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`${file} changed while it was served`);
    done += bytesRead;
  }
}

/**
 * Reads the byte ranges [starts[i], ends[i]) (in file order) into one buffer, in order. A file
 * ordered by person, not by time, holds a day as a run of a line or two per person, a few KB
 * apart: served one by one (a read, then a chunk through the stream and gzip each: tens of
 * thousands for a day) they cost the emulator seconds of an incremental export. The ranges of a
 * buffer are read side by side (ranges closer than SPAN_GAP as one span), and the buffer goes out
 * as one chunk; reads stay asynchronous, so a file the kernel no longer caches never holds up the
 * other emulators of the process.
 */
async function gatherRanges(handle: FileHandle, file: string, starts: number[], ends: number[], bytes: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(bytes);
  const reads: Array<Promise<void>> = [];
  let at = 0;
  for (let i = 0; i < starts.length; ) {
    const spanStart = starts[i] as number;
    let j = i + 1;
    while (j < starts.length && (starts[j] as number) - (ends[j - 1] as number) < SPAN_GAP) j += 1;
    if (j === i + 1) {
      const length = (ends[i] as number) - spanStart;
      reads.push(readFully(handle, file, out, at, length, spanStart));
      at += length;
    } else {
      const span = Buffer.allocUnsafe((ends[j - 1] as number) - spanStart);
      const from = i;
      const to = j;
      const into = at;
      reads.push(
        readFully(handle, file, span, 0, span.length, spanStart).then(() => {
          let k = into;
          for (let r = from; r < to; r += 1) k += span.copy(out, k, (starts[r] as number) - spanStart, (ends[r] as number) - spanStart);
        }),
      );
      for (let r = i; r < j; r += 1) at += (ends[r] as number) - (starts[r] as number);
    }
    i = j;
  }
  await Promise.all(reads);
  return out;
}

/** Answers of at most this many days are kept (an incremental sync asks for yesterday and today again and again). */
const KEPT_DAYS = 7;
/** Bytes of kept answers in all; the oldest go first. */
const KEPT_BYTES = 128 << 20;

interface Kept {
  /** Per UTC day number, the latest event time of its runs. */
  latest: Map<number, number>;
  answers: Map<string, Buffer>;
  bytes: number;
}
const keptBy = new WeakMap<EventRuns, Kept>();

function keptOf(runs: EventRuns): Kept {
  let kept = keptBy.get(runs);
  if (!kept) {
    const latest = new Map<number, number>();
    for (let i = 0; i < runs.count; i += 1) {
      const d = runs.day[i] as number;
      const t = runs.maxTime[i] as number;
      if ((latest.get(d) ?? Number.NEGATIVE_INFINITY) < t) latest.set(d, t);
    }
    kept = { latest, answers: new Map(), bytes: 0 };
    keptBy.set(runs, kept);
  }
  return kept;
}

function keep(kept: Kept, key: string, answer: Buffer): void {
  if (answer.length > KEPT_BYTES) return;
  for (const [old, buffer] of kept.answers) {
    if (kept.bytes + answer.length <= KEPT_BYTES) break;
    kept.answers.delete(old);
    kept.bytes -= buffer.length;
  }
  kept.answers.set(key, answer);
  kept.bytes += answer.length;
}

/**
 * The file's lines of the UTC days [fromSeconds, toSeconds) with a time at or before
 * nowSeconds, in file order: raw byte ranges, each ending in a newline. A run with events after
 * nowSeconds is read line by line and filtered.
 *
 * The answer for a few days none of whose events is after the clock is the same at any such
 * clock: it is kept in memory (KEPT_DAYS, KEPT_BYTES) and served again from there. The emulator
 * stands in for Mixpanel's servers; the kernel's cache of a large events file does not last
 * between hourly syncs (nor between the runs of a benchmark), and reading a day spread over the
 * file again cost the emulator about a second per export.
 */
export async function* serveRuns(file: string, runs: EventRuns, fromSeconds: number, toSeconds: number, nowSeconds: number): AsyncGenerator<Buffer> {
  const fromDay = Math.floor(fromSeconds / DAY_SECONDS);
  const toDay = Math.ceil(toSeconds / DAY_SECONDS) - 1;
  const kept = toDay - fromDay < KEPT_DAYS ? keptOf(runs) : null;
  let past = kept !== null;
  for (let d = fromDay; past && d <= toDay; d += 1) if ((kept?.latest.get(d) ?? Number.NEGATIVE_INFINITY) > nowSeconds) past = false;
  const key = `${fromDay}:${toDay}`;
  const answer = past ? kept?.answers.get(key) : undefined;
  if (answer) {
    if (answer.length > 0) yield answer;
    return;
  }
  const parts: Buffer[] = [];
  for await (const part of readRuns(file, runs, fromDay, toDay, nowSeconds)) {
    if (past) parts.push(part);
    yield part;
  }
  if (past && kept) keep(kept, key, Buffer.concat(parts));
}

/** serveRuns read from the file. */
async function* readRuns(file: string, runs: EventRuns, fromDay: number, toDay: number, nowSeconds: number): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  const read = async function* (from: number, to: number): AsyncGenerator<Buffer> {
    for (let at = from; at < to; ) {
      const size = Math.min(READ_BYTES, to - at);
      const buffer = Buffer.allocUnsafe(size);
      const { bytesRead } = await handle.read(buffer, 0, size, at);
      if (bytesRead === 0) throw new Error(`${file} changed while it was served`);
      at += bytesRead;
      yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
    }
  };
  // Short ranges wait here, in order, and go out together (gatherRanges).
  let starts: number[] = [];
  let ends: number[] = [];
  let gathered = 0;
  const drain = async function* (): AsyncGenerator<Buffer> {
    if (starts.length === 0) return;
    const taken = { starts, ends, gathered };
    starts = [];
    ends = [];
    gathered = 0;
    yield await gatherRanges(handle, file, taken.starts, taken.ends, taken.gathered);
  };
  try {
    let rangeStart = -1;
    let rangeEnd = -1;
    const flush = async function* (): AsyncGenerator<Buffer> {
      if (rangeStart < 0) return;
      // Through the newline after the range; a last line without one gets it added.
      const from = rangeStart;
      const to = Math.min(rangeEnd + 1, runs.fileSize);
      rangeStart = -1;
      if (to - from < GATHER_BELOW && to !== rangeEnd) {
        starts.push(from);
        ends.push(to);
        gathered += to - from;
        if (gathered >= READ_BYTES) yield* drain();
        return;
      }
      yield* drain();
      yield* read(from, to);
      if (to === rangeEnd) yield Buffer.from('\n');
    };
    for (let i = 0; i < runs.count; i += 1) {
      const d = runs.day[i] as number;
      if (d < fromDay || d > toDay) continue;
      const s = runs.start[i] as number;
      const e = runs.end[i] as number;
      if ((runs.maxTime[i] as number) <= nowSeconds) {
        if (rangeStart >= 0 && s === rangeEnd + 1) rangeEnd = e;
        else {
          yield* flush();
          rangeStart = s;
          rangeEnd = e;
        }
        continue;
      }
      yield* flush();
      yield* drain();
      const parts: Buffer[] = [];
      for await (const part of read(s, e)) parts.push(part);
      const kept = Buffer.concat(parts)
        .toString('utf8')
        .split('\n')
        .filter((line) => (rawEventSchema.parse(JSON.parse(line)).properties.time <= nowSeconds))
        .map((line) => `${line}\n`)
        .join('');
      if (kept) yield Buffer.from(kept);
    }
    yield* flush();
    yield* drain();
  } finally {
    await handle.close();
  }
}
