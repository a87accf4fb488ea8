import { defineConfig } from 'vitest/config';

/** `npm run test:reliability`: the long crash, fault, fuzz and load cases (tests/reliability). */
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
