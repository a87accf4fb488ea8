/** Fast fuzz of `surveys import` through the CLI's main; the long run is tests/reliability/fuzz-surveys.test.ts. */
import { describe, it } from 'vitest';
import { checkCliImport } from '../helpers/fuzz-checks.ts';

describe('surveys import command under fuzzed files and flags', () => {
  it('imports every good row, prints each bad one by line, exits 1; bad flags exit 2', async () => {
    await checkCliImport(15);
  });
});
