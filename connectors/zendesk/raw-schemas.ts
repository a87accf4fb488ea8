/** The raw Zendesk fields Tidemark relies on (API casing lives only here). */
import { z } from 'zod';

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const nullableId = z.union([id, z.null(), z.undefined()]).transform((v) => v ?? null);
const nullableText = z.union([z.string(), z.number(), z.null(), z.undefined()]).transform((v) => (v === null || v === undefined || v === '' ? null : String(v)));

export const rawOrganizationSchema = z.looseObject({
  id,
  name: z.string(),
  domain_names: z.array(z.string()).nullish().transform((v) => v ?? []),
  external_id: nullableText,
  updated_at: z.string(),
  deleted_at: z.string().nullish(),
});

export const rawUserSchema = z.looseObject({
  id,
  name: z.string().nullish(),
  email: z.string().nullish(),
  organization_id: nullableId,
  external_id: nullableText,
  role: z.string().nullish(),
  active: z.boolean().nullish(),
  updated_at: z.string(),
});

export const rawTicketSchema = z.looseObject({
  id,
  subject: z.string().nullish(),
  status: z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed', 'deleted']),
  priority: z.string().nullish(),
  requester_id: nullableId,
  organization_id: nullableId,
  created_at: z.string(),
  updated_at: z.string(),
  satisfaction_rating: z.looseObject({ score: z.string().nullish() }).nullish(),
});

export const cursorPageSchema = z.looseObject({
  after_cursor: z.string().nullish(),
  after_url: z.string().nullish(),
  end_of_stream: z.boolean(),
});

export const timePageSchema = z.looseObject({
  organizations: z.array(z.unknown()),
  end_time: z.number().nullish(),
  next_page: z.string().nullish(),
  end_of_stream: z.boolean(),
});

export const meSchema = z.object({ user: z.looseObject({ id: z.number().nullish(), email: z.string().nullish(), role: z.string().nullish() }) });
