import { describe, expect, it } from 'vitest';
import defaultJson from '../../src/health/models/default.json' with { type: 'json' };
import { applyScoringFunction, defaultHealthModel, directionOf, loadHealthModel, segmentOf } from '../../src/health/model.ts';

function clone(): Record<string, unknown> {
  return structuredClone(defaultJson) as Record<string, unknown>;
}

describe('health model file', () => {
  it('the shipped default model validates and carries a version', () => {
    const model = defaultHealthModel();
    expect(model.version).toBe('default-1');
    expect(model.bands).toEqual({ green: 70, red: 40 });
    expect(model.measures.map((m) => m.id)).toContain('renewal_risk');
  });
  it.each([
    ['missing version', (m: Record<string, unknown>) => { delete m.version; }, /version/],
    ['unknown measure', (m: Record<string, unknown>) => { (m.measures as Array<Record<string, unknown>>)[0]!.id = 'moon_phase'; }, /measures\.0\.id/],
    ['weight of an unknown segment', (m: Record<string, unknown>) => { (m.measures as Array<Record<string, unknown>>)[0]!.segmentWeights = { giant: 3 }; }, /unknown segment "giant"/],
    ['default segment not listed', (m: Record<string, unknown>) => { m.defaultSegment = 'nowhere'; }, /defaultSegment "nowhere"/],
    ['red above green', (m: Record<string, unknown>) => { m.bands = { green: 40, red: 70 }; }, /bands.red/],
    ['linear with worst = best', (m: Record<string, unknown>) => { (m.measures as Array<Record<string, unknown>>)[0]!.function = { type: 'linear', worst: 3, best: 3 }; }, /worst and best/],
    [
      'non-monotone thresholds',
      (m: Record<string, unknown>) => {
        (m.measures as Array<Record<string, unknown>>)[0]!.function = { type: 'thresholds', steps: [{ upTo: 1, score: 0 }, { upTo: 2, score: 100 }], otherwise: 50 };
      },
      /monotone/,
    ],
    ['a measure listed twice', (m: Record<string, unknown>) => { const ms = m.measures as unknown[]; ms.push(ms[0]); }, /listed twice/],
  ])('rejects a model with %s', (_name, mutate, message) => {
    const json = clone();
    mutate(json);
    expect(() => loadHealthModel(json)).toThrow(message);
  });
  it('rejects a non-object with a clear message', () => {
    expect(() => loadHealthModel('nope')).toThrow(/Invalid health model/);
  });
});

describe('scoring functions', () => {
  it.each([
    [{ type: 'linear' as const, worst: 0, best: 20 }, 10, 50],
    [{ type: 'linear' as const, worst: 0, best: 20 }, 40, 100],
    [{ type: 'linear' as const, worst: 0, best: 20 }, -5, 0],
    [{ type: 'linear' as const, worst: 30, best: 0 }, 15, 50],
  ])('linear %j at %d -> %d', (fn, value, expected) => {
    expect(applyScoringFunction(fn, value)).toBe(expected);
  });
  it('thresholds take the first step with value <= upTo, else otherwise', () => {
    const fn = { type: 'thresholds' as const, steps: [{ upTo: 0, score: 100 }, { upTo: 2, score: 50 }], otherwise: 0 };
    expect([0, 1, 2, 3].map((v) => applyScoringFunction(fn, v))).toEqual([100, 50, 50, 0]);
    expect(directionOf(fn)).toBe('lower-is-better');
    expect(directionOf({ type: 'linear', worst: 0, best: 1 })).toBe('higher-is-better');
  });
});

describe('segments', () => {
  it.each([
    [50, 'smb'],
    [199, 'smb'],
    [200, 'mid-market'],
    [1999, 'mid-market'],
    [2000, 'enterprise'],
    [null, 'mid-market'],
  ])('%s employees -> %s', (employees, expected) => {
    expect(segmentOf(defaultHealthModel(), employees)).toBe(expected);
  });
});
