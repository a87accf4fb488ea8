import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { json: false, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI usage', () => {
  it('lists the commands with no arguments and exits 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/sync \[SOURCE\.\.\.\] \[--full\] \[--dry-run\] \[--wait\]/);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['sync', 'hubspot'], /unknown source "hubspot"/],
    [['sync', '--bogus'], /Unknown option/],
    [['writeback', 'sideways'], /writeback pause \| writeback resume/],
    [['tokens', 'create', '--role', 'root'], /tokens create --role admin\|viewer/],
    [['sandbox', 'generate', '--accounts', 'many', '--out', '/tmp/x'], /--accounts must be a whole number/],
    [['logs', '--status', 'weird'], /--status must be one of/],
  ])('%j is bad usage (exit 2) with a clear message', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
