/** Long fuzz of the configuration (the fast run is tests/config/fuzz-env.test.ts). */
import { describe, it } from 'vitest';
import { checkConfigFiles, checkEnv } from '../helpers/fuzz-checks.ts';

describe('configuration, long fuzz', () => {
  it('20,000 environments', () => {
    checkEnv(20_000);
  });
  it('3,000 health model and sandbox state files', () => {
    checkConfigFiles(3_000);
  });
});
