/** The typed-array set of event keys against a Set of composite strings, through growth and probing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeenEvents } from '../../../connectors/mixpanel/seen-events.ts';

describe('SeenEvents', () => {
  it('answers like a Set of composite keys, for keys that differ in one field only', () => {
    const key = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom(0, 1, 1.5, 1e12, 4_294_967_296 + 1), fc.constantFrom('', 'a', 'b', 'ab', 'ba', 'é', 'a\u0000', 'Ω', 'aΩ', '\u{1F600}'));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), (keys) => {
        const seen = new SeenEvents();
        const ref = new Set<string>();
        for (const [p, n, t, id] of keys) {
          const k = JSON.stringify([p, n, t, id]);
          expect(seen.add(p, n, t, id)).toBe(!ref.has(k));
          ref.add(k);
        }
        expect(seen.size).toBe(ref.size);
      }),
      { numRuns: 500 },
    );
  });

  it('holds 300,000 keys exactly through growth and rehashing', () => {
    const seen = new SeenEvents();
    let wrong = 0;
    for (let i = 0; i < 300_000; i += 1) if (!seen.add(i % 1000, i % 7, 1_763_000_000 + (i % 86_400), `ins-${i}`)) wrong += 1;
    for (let i = 0; i < 300_000; i += 997) if (seen.add(i % 1000, i % 7, 1_763_000_000 + (i % 86_400), `ins-${i}`)) wrong += 1;
    expect(wrong).toBe(0);
    expect(seen.add(1, 1, 1_763_000_001, 'ins-1x')).toBe(true);
    expect(seen.size).toBe(300_001);
  });
});
