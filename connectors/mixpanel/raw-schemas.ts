/** The raw Mixpanel fields Tidemark relies on. */
import { z } from 'zod';

/**
 * The definition of a valid raw export event. The export reader checks each line with
 * `fastRawEvent` first (same acceptance, no allocation) and uses this schema for the message of a
 * rejected line (docs/decisions/0003).
 */
export const rawEventSchema = z.object({
  event: z.string().min(1),
  properties: z.looseObject({
    time: z.number().nonnegative(),
    distinct_id: z.union([z.string().min(1), z.number()]).transform(String),
    $insert_id: z.union([z.string(), z.number()]).transform(String).optional(),
  }),
});
export type RawEvent = z.infer<typeof rawEventSchema>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The same acceptance as `rawEventSchema.safeParse(value).success`, without building the parsed
 * copy: the value's own properties object when it is a valid raw event, else null. Proven equal to
 * the schema by a property test (tests/connectors/mixpanel/raw-event-fast-path.test.ts).
 * The normalized fields (distinct_id and $insert_id as strings) are read with `distinctIdOf` and
 * `insertIdOf`.
 */
export function fastRawEvent(value: unknown): Record<string, unknown> | null {
  if (!isPlainObject(value)) return null;
  const event = value.event;
  if (typeof event !== 'string' || event.length === 0) return null;
  const p = value.properties;
  if (!isPlainObject(p)) return null;
  const time = p.time;
  if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) return null;
  const d = p.distinct_id;
  if (typeof d === 'string') {
    if (d.length === 0) return null;
  } else if (typeof d !== 'number' || !Number.isFinite(d)) return null;
  if (Object.hasOwn(p, '$insert_id')) {
    const i = p.$insert_id;
    if (typeof i !== 'string' && i !== undefined && !(typeof i === 'number' && Number.isFinite(i))) return null;
  }
  return p;
}

/** properties.distinct_id as the schema outputs it (a string). */
export function distinctIdOf(properties: Record<string, unknown>): string {
  const d = properties.distinct_id;
  return typeof d === 'string' ? d : String(d);
}

/** properties.$insert_id as the schema outputs it, or null when absent. */
export function insertIdOf(properties: Record<string, unknown>): string | null {
  const i = properties.$insert_id;
  return typeof i === 'string' ? i : i === undefined ? null : String(i);
}

export const engagePageSchema = z.looseObject({
  page: z.number().int(),
  page_size: z.number().int().positive(),
  session_id: z.string().nullish(),
  results: z.array(z.unknown()),
});

export const rawProfileSchema = z.object({
  $distinct_id: z.union([z.string().min(1), z.number()]).transform(String),
  $properties: z.record(z.string(), z.unknown()).default({}),
});
