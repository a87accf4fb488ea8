/** The raw Mixpanel fields Tidemark relies on. */
import { z } from 'zod';

export const rawEventSchema = z.object({
  event: z.string().min(1),
  properties: z.looseObject({
    time: z.number().nonnegative(),
    distinct_id: z.union([z.string().min(1), z.number()]).transform(String),
    $insert_id: z.union([z.string(), z.number()]).transform(String).optional(),
  }),
});
export type RawEvent = z.infer<typeof rawEventSchema>;

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
