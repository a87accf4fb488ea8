/**
 * Streams a JSON Lines body line by line in constant memory (lines split across chunks are
 * joined). A "terminated early" line or a cut-off body is a TransientError (the export is read
 * again); a complete but malformed line is handed to the caller to quarantine.
 */
import { TransientError } from '../../src/contracts/errors.ts';

export interface JsonLine {
  line: number;
  text: string;
  /** The parsed value, or undefined when the line is not valid JSON. */
  value: unknown;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function* readJsonLines(body: AsyncIterable<Uint8Array>, upstream = 'mixpanel'): AsyncGenerator<JsonLine> {
  const decoder = new TextDecoder();
  let rest = '';
  let line = 0;
  const emit = function* (text: string): Generator<JsonLine> {
    line += 1;
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (trimmed === 'terminated early') throw new TransientError(`${upstream} export terminated early after ${line - 1} lines: it will be read again`);
    yield { line, text: trimmed, value: parse(trimmed) };
  };
  try {
    for await (const chunk of body) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) yield* emit(part);
    }
  } catch (err) {
    if (err instanceof TransientError) throw err;
    throw new TransientError(`${upstream} export stream broke after ${line} lines: ${(err as Error).message}`, { cause: err });
  }
  rest += decoder.decode();
  if (rest.trim() !== '') {
    const value = parse(rest.trim());
    if (value === undefined && rest.trim() !== 'terminated early') {
      throw new TransientError(`${upstream} export body ends in a partial line (truncated after ${line} lines): it will be read again`);
    }
    yield* emit(rest);
  }
}
