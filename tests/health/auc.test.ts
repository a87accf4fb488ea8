import { describe, expect, it } from 'vitest';
import { computeAccountHealth } from '../../src/health/account-health.ts';
import { aucOf } from '../../src/health/auc.ts';
import { defaultHealthModel } from '../../src/health/model.ts';
import type { AccountBundle } from '../../src/signals/account-bundle.ts';
import { NOW, account, bundle, daysAgo, survey, ticket, usage } from '../signals/bundle-builder.ts';
import { createRng } from '../../src/sandbox/emulator-kit/rng.ts';

describe('aucOf', () => {
  it.each([
    ['perfect separation', [{ score: 90, positive: true }, { score: 80, positive: true }, { score: 20, positive: false }], 1],
    ['reversed', [{ score: 10, positive: true }, { score: 80, positive: false }], 0],
    ['all tied', [{ score: 50, positive: true }, { score: 50, positive: false }], 0.5],
    ['one misordered pair of four', [{ score: 90, positive: true }, { score: 40, positive: true }, { score: 50, positive: false }, { score: 10, positive: false }], 0.75],
  ])('%s', (_name, scores, expected) => {
    expect(aucOf(scores)).toBeCloseTo(expected, 10);
  });
  it('is NaN without both classes', () => {
    expect(aucOf([{ score: 1, positive: true }])).toBeNaN();
    expect(aucOf([])).toBeNaN();
  });
});

/** Deterministic PRNG (the emulators' mulberry32) so the cohorts vary but never flake. */
const rng = createRng;

const range = (from: number, to: number, every = 1) => Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((d) => d % every === 0);

function cohortBundle(kind: 'healthy' | 'declining' | 'support-heavy' | 'detractor', r: () => number, i: number): AccountBundle {
  const seats = 20 + Math.floor(r() * 80);
  const users = Math.max(3, Math.floor(seats * (0.55 + r() * 0.4)));
  const features = 5 + Math.floor(r() * 5);
  const base = {
    account: account({ id: `acc-${kind}-${i}`, licensedSeats: seats, employees: [50, 500, 5000][i % 3] ?? 500, renewalDate: daysAgo(-(60 + Math.floor(r() * 300))).slice(0, 10) }),
    activities: [...usage(range(31, 59), users, features), ...usage(range(0, 29), users, features)],
    tickets: range(1, 1 + Math.floor(r() * 2)).map((d) => ticket({ createdAt: daysAgo(d * 10), satisfaction: 'good' })),
    surveys: range(0, 2 + Math.floor(r() * 3)).map((k) => survey(r() < 0.7 ? 9 + (k % 2) : 8, daysAgo(10 + k * 7), `p${k}@acme.com`)),
  };
  if (kind === 'healthy') return bundle(base);
  if (kind === 'declining') {
    const left = Math.max(1, Math.floor(users * (0.1 + r() * 0.25)));
    return bundle({ ...base, activities: [...usage(range(31, 59), users, features), ...usage(range(10, 29, 4), left, 2)] });
  }
  if (kind === 'support-heavy') {
    const many = 8 + Math.floor(r() * 8);
    return bundle({
      ...base,
      activities: [...usage(range(31, 59, 2), users, features), ...usage(range(0, 29, 3), Math.floor(users * 0.6), features - 2)],
      tickets: range(1, many).map((d) => ticket({ createdAt: daysAgo(d * 2), status: d % 2 ? 'open' : 'solved', priority: d % 3 === 0 ? 'urgent' : 'high', satisfaction: d % 4 === 0 ? 'bad' : null })),
    });
  }
  return bundle({
    ...base,
    activities: [...usage(range(31, 59), users, features), ...usage(range(0, 29, 2), Math.floor(users * 0.7), features)],
    surveys: range(0, 3 + Math.floor(r() * 3)).map((k) => survey(k % 4 === 0 ? 8 : Math.floor(r() * 5), daysAgo(5 + k * 6), `d${k}@acme.com`)),
  });
}

describe('cohort separation', () => {
  it('scores healthy accounts above declining, support-heavy and detractor accounts (AUC >= 0.9)', () => {
    const r = rng(20240630);
    const model = defaultHealthModel();
    const scores: Array<{ score: number; positive: boolean }> = [];
    for (let i = 0; i < 30; i += 1) {
      for (const kind of ['healthy', 'declining', 'support-heavy', 'detractor'] as const) {
        const h = computeAccountHealth(cohortBundle(kind, r, i), NOW, model, null);
        expect(h.result.score, `${kind} #${i} has a score`).not.toBeNull();
        scores.push({ score: h.result.score ?? 0, positive: kind === 'healthy' });
      }
    }
    const auc = aucOf(scores);
    expect(auc).toBeGreaterThanOrEqual(0.9);
    const healthy = scores.filter((s) => s.positive);
    expect(healthy.every((s) => s.score >= 70)).toBe(true);
  });
});
