/** Fast fuzz of the configuration (environment, health model file, .data/sandbox.json); the long run is tests/reliability/fuzz-config.test.ts. */
import { describe, it } from 'vitest';
import { checkConfigFiles, checkEnv } from '../helpers/fuzz-checks.ts';

describe('configuration under fuzzed input', () => {
  it('loads or throws a ConfigError naming each bad setting and no secret', () => {
    checkEnv(300);
  });
  it('reads the config files or fails with a clear error', () => {
    checkConfigFiles(100);
  });
});
