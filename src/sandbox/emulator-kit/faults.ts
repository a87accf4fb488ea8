/**
 * Fault injection for the emulators (POST /__sandbox/faults). A fault matches a route label
 * ("GET /api/v2/incremental/tickets/cursor") or every route ("*"), and fires for the next
 * `count` matching requests or for a seeded `rate` of them.
 */
import { z } from 'zod';
import { createRng } from './rng.ts';

export const FAULT_TYPES = ['latency', 'status', 'rate-limit', 'reset', 'truncate', 'malformed', 'session-expired'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export const faultSpecSchema = z
  .object({
    route: z.string().min(1).default('*'),
    type: z.enum(FAULT_TYPES),
    count: z.number().int().positive().optional(),
    rate: z.number().min(0).max(1).optional(),
    status: z.number().int().min(400).max(599).optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    latencyMs: z.number().int().nonnegative().max(60_000).optional(),
  })
  .refine((f) => f.count !== undefined || f.rate !== undefined, { message: 'give count (next N requests) or rate (0..1 of requests)' });
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export const faultRequestSchema = z.union([faultSpecSchema, z.object({ faults: z.array(faultSpecSchema) })]);

interface ActiveFault {
  spec: FaultSpec;
  remaining: number | null;
  fired: number;
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private readonly random: () => number;
  constructor(seed = 1) {
    this.random = createRng(seed);
  }
  add(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.count ?? null, fired: 0 });
  }
  clear(): void {
    this.faults = [];
  }
  list(): Array<FaultSpec & { fired: number; remaining: number | null }> {
    return this.faults.map((f) => ({ ...f.spec, fired: f.fired, remaining: f.remaining }));
  }
  /** Returns the faults that fire for this request (at most one of each type), consuming counts. */
  take(label: string): FaultSpec[] {
    const fired: FaultSpec[] = [];
    const seen = new Set<FaultType>();
    for (const f of this.faults) {
      if (f.spec.route !== '*' && f.spec.route !== label) continue;
      if (seen.has(f.spec.type)) continue;
      if (f.remaining !== null) {
        if (f.remaining <= 0) continue;
        f.remaining -= 1;
      } else if (this.random() >= (f.spec.rate ?? 0)) {
        continue;
      }
      f.fired += 1;
      seen.add(f.spec.type);
      fired.push(f.spec);
    }
    this.faults = this.faults.filter((f) => f.remaining === null || f.remaining > 0);
    return fired;
  }
}
