/**
 * Opaque export cursors. Like Zendesk's they are base64 and, by construction, always contain "+"
 * and "/", so a client that does not URL-encode them breaks (a "+" arrives as a space).
 */
import { z } from 'zod';

/** Bytes 0xfb 0xef 0xff encode to "++//" in base64. */
const MARKER = Buffer.from([0xfb, 0xef, 0xff]);

const positionSchema = z.object({ t: z.number().int(), id: z.number().int() });
/** The position after the last item served: (updated_at seconds, id). id -1 means "before every id". */
export type CursorPosition = z.infer<typeof positionSchema>;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.concat([MARKER, Buffer.from(JSON.stringify(position), 'utf8')]).toString('base64');
}

/** Returns null for anything that is not a cursor this emulator issued (e.g. an unencoded "+"). */
export function decodeCursor(cursor: string): CursorPosition | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(cursor)) return null;
  const bytes = Buffer.from(cursor, 'base64');
  if (bytes.length <= MARKER.length || !bytes.subarray(0, MARKER.length).equals(MARKER)) return null;
  try {
    const parsed = positionSchema.safeParse(JSON.parse(bytes.subarray(MARKER.length).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
