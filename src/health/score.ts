/**
 * Score one account with a health model: each measure's value mapped to 0-100, weighted per
 * segment; measures without data are left out (and listed), never scored as zero.
 */
import type { AccountSignals } from '../signals/compute-signals.ts';
import { roundHalfAway } from '../signals/rounding.ts';
import type { MeasureId } from './measures.ts';
import { MEASURES } from './measures.ts';
import type { HealthModel } from './model.ts';
import { applyScoringFunction, directionOf, segmentOf } from './model.ts';

export type HealthBand = 'Green' | 'Yellow' | 'Red';
export type MeasureDirection = 'higher-is-better' | 'lower-is-better';

export interface SegmentInput {
  /** Account.NumberOfEmployees. */
  employees: number | null;
}

export interface MeasureResult {
  id: MeasureId;
  label: string;
  /** The measure's value, null when its data is missing. */
  value: number | null;
  /** 0-100 (two decimals), null when missing. */
  subscore: number | null;
  /** Weight in the account's segment. */
  weight: number;
  direction: MeasureDirection;
  /** Why the value is missing, when it is. */
  missingReason: string | null;
}

export interface HealthResult {
  score: number | null;
  band: HealthBand | null;
  modelVersion: string;
  segment: string;
  /** Measures of the model with weight > 0 in the account's segment, in model order. */
  measures: MeasureResult[];
  /** Measures that scored (value present). */
  scoredMeasures: number;
  /** True when fewer than the model's minimum measures scored: score and band are null. */
  insufficientData: boolean;
}

export function bandOf(score: number | null, model: HealthModel): HealthBand | null {
  if (score === null) return null;
  if (score >= model.bands.green) return 'Green';
  if (score < model.bands.red) return 'Red';
  return 'Yellow';
}

export function scoreAccount(signals: AccountSignals, model: HealthModel, segmentInput: SegmentInput): HealthResult {
  const segment = segmentOf(model, segmentInput.employees);
  const measures: MeasureResult[] = [];
  let weighted = 0;
  let totalWeight = 0;
  let scored = 0;
  for (const m of model.measures) {
    const weight = m.segmentWeights?.[segment] ?? m.weight;
    if (weight <= 0) continue;
    const def = MEASURES[m.id];
    const raw = def.value(signals, model.params);
    const value = raw !== null && Number.isFinite(raw) ? raw : null;
    const subscore = value === null ? null : applyScoringFunction(m.function, value);
    measures.push({
      id: m.id,
      label: def.label,
      value: value === null ? null : roundHalfAway(value, 2),
      subscore: subscore === null ? null : roundHalfAway(subscore, 2),
      weight,
      direction: directionOf(m.function),
      missingReason: value === null ? def.missingReason : null,
    });
    if (subscore === null) continue;
    scored += 1;
    weighted += weight * subscore;
    totalWeight += weight;
  }
  const insufficientData = scored < model.minMeasures || totalWeight <= 0;
  const score = insufficientData ? null : Math.min(100, Math.max(0, roundHalfAway(weighted / totalWeight)));
  return {
    score,
    band: bandOf(score, model),
    modelVersion: model.version,
    segment,
    measures,
    scoredMeasures: scored,
    insufficientData,
  };
}
