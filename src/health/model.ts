/**
 * The health model: a versioned scorecard file validated by zod. It lists the measures that
 * count, maps each measure's value to a 0-100 subscore, weighs measures per segment (by company
 * size) and sets the bands.
 *
 * Scoring functions (each monotone, so the direction of a measure is well defined):
 * - `linear`: value `worst` -> 0, value `best` -> 100, linear in between, clamped outside.
 *   `best > worst` means higher is better, `best < worst` lower is better.
 * - `thresholds`: steps `[{ upTo, score }]` with ascending `upTo`; a value takes the score of the
 *   first step with value <= upTo, else `otherwise`. Scores must be monotone across the steps and
 *   `otherwise`; rising scores mean higher is better.
 */
import { z } from 'zod';
import defaultModelJson from './models/default.json' with { type: 'json' };
import { MEASURE_IDS } from './measures.ts';

const linearSchema = z
  .object({ type: z.literal('linear'), worst: z.number(), best: z.number() })
  .refine((f) => f.worst !== f.best, { message: 'linear function needs worst and best to differ' });

const thresholdsSchema = z
  .object({
    type: z.literal('thresholds'),
    steps: z.array(z.object({ upTo: z.number(), score: z.number().min(0).max(100) })).min(1),
    otherwise: z.number().min(0).max(100),
  })
  .superRefine((f, ctx) => {
    const scores = [...f.steps.map((s) => s.score), f.otherwise];
    for (let i = 1; i < f.steps.length; i += 1) {
      if (f.steps[i]!.upTo <= f.steps[i - 1]!.upTo) ctx.addIssue({ code: 'custom', message: 'thresholds steps need strictly ascending upTo' });
    }
    const rising = scores.every((s, i) => i === 0 || s >= scores[i - 1]!);
    const falling = scores.every((s, i) => i === 0 || s <= scores[i - 1]!);
    if (!rising && !falling) ctx.addIssue({ code: 'custom', message: 'thresholds scores must be monotone (all rising or all falling)' });
    if (scores[0] === f.otherwise && rising && falling) ctx.addIssue({ code: 'custom', message: 'thresholds scores must not all be equal' });
  });

export const scoringFunctionSchema = z.discriminatedUnion('type', [linearSchema, thresholdsSchema]);
export type ScoringFunction = z.infer<typeof scoringFunctionSchema>;

const segmentSchema = z.object({
  name: z.string().min(1),
  /** Accounts with NumberOfEmployees up to this value (inclusive); omit on the last segment. */
  maxEmployees: z.number().nullable().optional(),
});

const measureSchema = z.object({
  id: z.enum(MEASURE_IDS),
  function: scoringFunctionSchema,
  /** Weight in every segment unless overridden; 0 leaves the measure out. */
  weight: z.number().min(0),
  segmentWeights: z.record(z.string(), z.number().min(0)).optional(),
});

export const healthModelSchema = z
  .object({
    version: z.string().min(1),
    description: z.string().optional(),
    bands: z
      .object({ green: z.number().min(0).max(100), red: z.number().min(0).max(100) })
      .refine((b) => b.red <= b.green, { message: 'bands.red must not exceed bands.green' }),
    /** Below this many scored measures the score and band are null. */
    minMeasures: z.number().int().min(1),
    segments: z.array(segmentSchema).min(1),
    /** Segment of an account whose employee count is unknown. */
    defaultSegment: z.string().min(1),
    params: z.object({ renewalWithinDays: z.number().int().min(0) }),
    measures: z.array(measureSchema).min(1),
  })
  .superRefine((m, ctx) => {
    const names = new Set(m.segments.map((s) => s.name));
    if (names.size !== m.segments.length) ctx.addIssue({ code: 'custom', message: 'segment names must be unique' });
    if (!names.has(m.defaultSegment)) ctx.addIssue({ code: 'custom', message: `defaultSegment "${m.defaultSegment}" is not a segment` });
    m.segments.forEach((s, i) => {
      const last = i === m.segments.length - 1;
      if (!last && (s.maxEmployees === null || s.maxEmployees === undefined)) ctx.addIssue({ code: 'custom', message: `segment "${s.name}" needs maxEmployees (only the last segment is open-ended)` });
      const prev = m.segments[i - 1]?.maxEmployees;
      if (i > 0 && !last && typeof prev === 'number' && typeof s.maxEmployees === 'number' && s.maxEmployees <= prev) ctx.addIssue({ code: 'custom', message: 'segments must have ascending maxEmployees' });
    });
    const ids = new Set<string>();
    for (const measure of m.measures) {
      if (ids.has(measure.id)) ctx.addIssue({ code: 'custom', message: `measure "${measure.id}" is listed twice` });
      ids.add(measure.id);
      for (const seg of Object.keys(measure.segmentWeights ?? {})) {
        if (!names.has(seg)) ctx.addIssue({ code: 'custom', message: `measure "${measure.id}" weighs unknown segment "${seg}"` });
      }
    }
  });

export type HealthModel = z.infer<typeof healthModelSchema>;
export type HealthModelMeasure = HealthModel['measures'][number];

/** Validate a health model file's parsed JSON; throws with every problem named by its path. */
export function loadHealthModel(json: unknown): HealthModel {
  const parsed = healthModelSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(model)'}: ${i.message}`);
    throw new Error(`Invalid health model: ${problems.join('; ')}`);
  }
  return parsed.data;
}

let cachedDefault: HealthModel | null = null;

/** The shipped model (src/health/models/default.json). */
export function defaultHealthModel(): HealthModel {
  cachedDefault ??= loadHealthModel(defaultModelJson);
  return cachedDefault;
}

/** The segment of an account by its employee count: the first whose maxEmployees covers it. */
export function segmentOf(model: HealthModel, employees: number | null): string {
  if (employees === null || !Number.isFinite(employees)) return model.defaultSegment;
  for (const segment of model.segments) {
    if (segment.maxEmployees === null || segment.maxEmployees === undefined || employees <= segment.maxEmployees) return segment.name;
  }
  return model.segments[model.segments.length - 1]!.name;
}

/** Map a value to 0-100 with a model scoring function. */
export function applyScoringFunction(fn: ScoringFunction, value: number): number {
  if (fn.type === 'linear') {
    const t = (value - fn.worst) / (fn.best - fn.worst);
    return Math.min(100, Math.max(0, t * 100));
  }
  for (const step of fn.steps) if (value <= step.upTo) return step.score;
  return fn.otherwise;
}

/** Whether a higher value of the measure raises its subscore. */
export function directionOf(fn: ScoringFunction): 'higher-is-better' | 'lower-is-better' {
  if (fn.type === 'linear') return fn.best > fn.worst ? 'higher-is-better' : 'lower-is-better';
  return fn.otherwise >= fn.steps[0]!.score ? 'higher-is-better' : 'lower-is-better';
}
