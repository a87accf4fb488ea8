/** .data/sandbox.json, read by every CLI command: a damaged file is a ConfigError naming it (found by fuzzing: a bare SyntaxError). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSandboxState } from '../../src/sandbox/state-file.ts';
import { ConfigError } from '../../src/contracts/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'tm-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox state file', () => {
  it('reports a damaged file by path and what to do', () => {
    const file = join(dir, 'sandbox.json');
    writeFileSync(file, '{"redisUrl": "redis://127.0.0.1:6379", "pre');
    expect(() => readSandboxState(file)).toThrow(ConfigError);
    expect(() => readSandboxState(file)).toThrow(new RegExp(`${file.replaceAll('/', '\\/')} is not valid JSON: restart the sandbox`));
  });

  it('ignores a file of another shape and reads none when absent', () => {
    const file = join(dir, 'other.json');
    writeFileSync(file, '[1, 2]');
    expect(readSandboxState(file)).toBeNull();
    expect(readSandboxState(join(dir, 'absent.json'))).toBeNull();
  });
});
