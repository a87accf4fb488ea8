/** In-memory Mixpanel profiles and the events appended by tests (the dataset's events file is streamed, never loaded). */
import { z } from 'zod';
import type { RawRecord } from '../../../src/sandbox/dataset.ts';

export const rawEventSchema = z.looseObject({
  event: z.string().min(1),
  properties: z.looseObject({ time: z.number() }),
});
export type RawEvent = z.infer<typeof rawEventSchema>;

export const rawProfileSchema = z.looseObject({
  $distinct_id: z.union([z.string(), z.number()]),
  $properties: z.record(z.string(), z.unknown()),
});
export type RawProfile = z.infer<typeof rawProfileSchema>;

/** An appended event as an unfiltered export serves it: its time and its line (without the newline). */
export interface AppendedLine {
  time: number;
  text: string;
}

export class MixpanelStore {
  private readonly profiles = new Map<string, RawProfile>();
  private readonly events: RawEvent[] = [];
  private readonly lines: AppendedLine[] = [];

  constructor(profiles: RawRecord[]) {
    profiles.forEach((p, i) => {
      const parsed = rawProfileSchema.safeParse(p);
      if (!parsed.success) throw new Error(`mixpanel/profiles.jsonl record ${i + 1}: needs "$distinct_id" and an object "$properties"`);
      this.upsertProfile(parsed.data);
    });
  }

  /** Inserts or replaces a profile by $distinct_id. */
  upsertProfile(profile: RawProfile): void {
    this.profiles.set(String(profile.$distinct_id), profile);
  }
  removeProfile(distinctId: string): boolean {
    return this.profiles.delete(distinctId);
  }
  getProfile(distinctId: string): RawProfile | undefined {
    return this.profiles.get(distinctId);
  }
  getProfiles(): RawProfile[] {
    return [...this.profiles.values()];
  }
  appendEvents(events: RawEvent[]): void {
    for (const event of events) {
      this.events.push(event);
      // Rendered once, as the line-by-line export renders it (parse, then stringify), so an
      // unfiltered export serves appended events without a schema parse and a stringify per request.
      const line = rawEventSchema.parse(event);
      this.lines.push({ time: line.properties.time, text: JSON.stringify(line) });
    }
  }
  /** Events appended through POST /__sandbox/events, served after the dataset's file. */
  appendedEvents(): readonly RawEvent[] {
    return this.events;
  }
  /** The appended events' times and export lines, in the order of appendedEvents(). */
  appendedLines(): readonly AppendedLine[] {
    return this.lines;
  }
}
