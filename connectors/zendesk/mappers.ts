/** Pure raw -> canonical mapping for Zendesk records; a record failing its raw schema is quarantined. */
import type { z } from 'zod';
import type { QuarantinedRecord } from '../../src/contracts/connector.ts';
import type { ZendeskOrganization, ZendeskTicket, ZendeskUser } from '../../src/contracts/records.ts';
import { rawText, zodReason } from '../../src/sources/http.ts';
import { rawOrganizationSchema, rawTicketSchema, rawUserSchema } from './raw-schemas.ts';

export interface Mapped<R> {
  records: R[];
  deletedIds: string[];
  quarantined: QuarantinedRecord[];
}

function mapAll<S extends z.ZodType, R>(items: unknown[], schema: S, map: (raw: z.infer<S>) => R | 'deleted', idOf: (raw: z.infer<S>) => string): Mapped<R> {
  const out: Mapped<R> = { records: [], deletedIds: [], quarantined: [] };
  for (const item of items) {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      const sourceId = typeof item === 'object' && item !== null && 'id' in item ? String((item as { id: unknown }).id) : null;
      out.quarantined.push({ sourceId, reason: zodReason(parsed.error.issues), raw: rawText(item) });
      continue;
    }
    const mapped = map(parsed.data);
    if (mapped === 'deleted') out.deletedIds.push(idOf(parsed.data));
    else out.records.push(mapped);
  }
  return out;
}

export function mapOrganizations(items: unknown[]): Mapped<ZendeskOrganization> {
  return mapAll(
    items,
    rawOrganizationSchema,
    (o) =>
      o.deleted_at
        ? 'deleted'
        : { kind: 'zendesk.organization', id: o.id, name: o.name, domainNames: o.domain_names.map((d) => d.trim().toLowerCase()).filter(Boolean), externalId: o.external_id, updatedAt: o.updated_at },
    (o) => o.id,
  );
}

export function mapUsers(items: unknown[]): Mapped<ZendeskUser> {
  return mapAll(
    items,
    rawUserSchema,
    (u) => ({
      kind: 'zendesk.user',
      id: u.id,
      name: u.name ?? null,
      email: u.email ?? null,
      organizationId: u.organization_id,
      externalId: u.external_id,
      role: u.role ?? null,
      active: u.active ?? true,
      updatedAt: u.updated_at,
    }),
    (u) => u.id,
  );
}

export function mapTickets(items: unknown[]): Mapped<ZendeskTicket> {
  return mapAll(
    items,
    rawTicketSchema,
    (t) => ({
      kind: 'zendesk.ticket',
      id: t.id,
      subject: t.subject ?? null,
      status: t.status,
      priority: t.priority ?? null,
      requesterId: t.requester_id,
      organizationId: t.organization_id,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
      satisfaction: t.satisfaction_rating?.score ?? null,
    }),
    (t) => t.id,
  );
}
