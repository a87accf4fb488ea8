/**
 * The pull's check of a canonical Mixpanel activity (src/sync/pull.ts persistPage), without zod's
 * copy of every record. `mixpanelActivitySchema` (src/contracts/records.ts) stays the definition:
 * this check accepts a value only when the schema accepts it AND the schema's output would be the
 * value itself (its own keys exactly the schema's, in the schema's order, so the stored JSON is the
 * same). Anything else (an extra key, another order, an invalid field) goes through zod as before.
 * Proven against the schema by a property test (tests/connectors/mixpanel/activity-check.test.ts):
 * accepted => zod accepts with an equal output; and over values with the schema's keys in its
 * order, accepted <=> zod accepts. Whoever changes the schema changes this with it.
 */
import type { MixpanelActivity } from '../../src/contracts/records.ts';

/** The schema's keys, in its order; the last two are optional. */
const REQUIRED = ['kind', 'id', 'day', 'distinctId', 'accountId', 'eventCount', 'eventNames'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const optionalNumber = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** The value itself when it is a canonical Mixpanel activity exactly as zod would output it, else null. */
export function fastMixpanelActivity(value: unknown): MixpanelActivity | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  const n = keys.length;
  if (n < 7 || n > 9) return null;
  for (let i = 0; i < 7; i += 1) if (keys[i] !== REQUIRED[i]) return null;
  // firstAt and lastAt: absent, or present in that order.
  if (n === 8 && keys[7] !== 'firstAt' && keys[7] !== 'lastAt') return null;
  if (n === 9 && (keys[7] !== 'firstAt' || keys[8] !== 'lastAt')) return null;
  if (v.kind !== 'mixpanel.activity' || typeof v.id !== 'string' || typeof v.distinctId !== 'string') return null;
  if (typeof v.day !== 'string' || !DAY.test(v.day)) return null;
  if (v.accountId !== null && typeof v.accountId !== 'string') return null;
  const count = v.eventCount;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) return null;
  const names = v.eventNames;
  if (!Array.isArray(names)) return null;
  for (let i = 0; i < names.length; i += 1) if (typeof names[i] !== 'string') return null;
  if (!optionalNumber(v.firstAt) || !optionalNumber(v.lastAt)) return null;
  return value as MixpanelActivity;
}
