/** What the /api routes share. */
import type { ConnectionOptions } from 'bullmq';
import type { SyncContext } from '../sync/context.ts';
import type { AuditLog } from './audit-log.ts';
import type { CredentialStore } from './credential-store.ts';
import type { Principal } from './auth.ts';
import { z } from 'zod';

export interface ApiDeps {
  ctx: SyncContext;
  connection: ConnectionOptions;
  audit: AuditLog;
  credentials: CredentialStore;
}

export async function audit(deps: ApiDeps, principal: Principal, action: string, target: string | null, detail: string): Promise<void> {
  await deps.audit.record({ at: new Date().toISOString(), actor: principal.actor, action, target, detail });
  deps.ctx.log.info({ actor: principal.actor, action, target }, 'admin action');
}

export const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');
export const idParam = z.object({ id: idSchema });
