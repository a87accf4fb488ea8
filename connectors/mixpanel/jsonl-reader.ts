/**
 * Streams a JSON Lines body in constant memory (lines split across chunks are joined). A
 * "terminated early" line or a cut-off body is a TransientError (the export is read again); a
 * complete but malformed line is handed to the caller to quarantine.
 *
 * `readLineBatches` hands out the complete lines of each chunk at once (the export reader's hot
 * path: one await per chunk, not per line, and lines are slices of the decoded chunk);
 * `readJsonLines` is the same stream line by line with each line parsed.
 */
import { TransientError } from '../../src/contracts/errors.ts';

export interface JsonLine {
  line: number;
  text: string;
  /** The parsed value, or undefined when the line is not valid JSON. */
  value: unknown;
}

/** Non-blank lines, trimmed, with their 1-based line numbers in the body. */
export interface LineBatch {
  texts: string[];
  lines: number[];
}

export function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const OPEN_BRACE = 123;
const NEWLINE = 0x0a;
const CLOSE_BRACE = 125;

export async function* readLineBatches(body: AsyncIterable<Uint8Array>, upstream = 'mixpanel'): AsyncGenerator<LineBatch> {
  let line = 0;
  let batch: LineBatch = { texts: [], lines: [] };
  /** Adds one line; true when it is the "terminated early" marker. */
  const add = (raw: string): boolean => {
    line += 1;
    // An event line starts with { and ends with }: no trim needed (the common case).
    const text = raw.charCodeAt(0) === OPEN_BRACE && raw.charCodeAt(raw.length - 1) === CLOSE_BRACE ? raw : raw.trim();
    if (text === '') return false;
    if (text === 'terminated early') return true;
    batch.texts.push(text);
    batch.lines.push(line);
    return false;
  };
  const terminated = (): TransientError => new TransientError(`${upstream} export terminated early after ${line - 1} lines: it will be read again`);
  // Bytes after the last newline wait for the next chunk: each chunk is decoded once, up to its
  // last newline (a newline never falls inside a multi-byte UTF-8 character).
  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of body) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const last = bytes.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = bytes;
        continue;
      }
      carry = bytes.subarray(last + 1);
      const text = bytes.toString('utf8', 0, last + 1);
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        if (add(text.slice(from, nl))) {
          if (batch.texts.length > 0) yield batch;
          throw terminated();
        }
        from = nl + 1;
      }
      if (batch.texts.length > 0) {
        yield batch;
        batch = { texts: [], lines: [] };
      }
    }
  } catch (err) {
    if (err instanceof TransientError) throw err;
    throw new TransientError(`${upstream} export stream broke after ${line} lines: ${(err as Error).message}`, { cause: err });
  }
  const rest = carry.toString('utf8');
  if (rest.trim() !== '') {
    if (rest.trim() !== 'terminated early' && parseJsonLine(rest.trim()) === undefined) {
      throw new TransientError(`${upstream} export body ends in a partial line (truncated after ${line} lines): it will be read again`);
    }
    if (add(rest)) throw terminated();
    yield batch;
  }
}

export async function* readJsonLines(body: AsyncIterable<Uint8Array>, upstream = 'mixpanel'): AsyncGenerator<JsonLine> {
  for await (const batch of readLineBatches(body, upstream)) {
    for (let i = 0; i < batch.texts.length; i += 1) {
      const text = batch.texts[i] as string;
      yield { line: batch.lines[i] as number, text, value: parseJsonLine(text) };
    }
  }
}
