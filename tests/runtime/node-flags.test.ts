/** The V8 flags of the processes that run sync jobs (src/runtime/node-flags.ts). */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS, withWorkerNodeFlags } from '../../src/runtime/node-flags.ts';
import { cliCommand } from '../../src/sandbox/worker-processes.ts';

describe('worker node flags', () => {
  it('adds the semi-space size before the other flags', () => {
    expect(WORKER_NODE_FLAGS).toEqual(['--max-semi-space-size=32']);
    expect(withWorkerNodeFlags(['--import', 'tsx'], '')).toEqual(['--max-semi-space-size=32', '--import', 'tsx']);
  });

  it('leaves a semi-space size already given on the command line or in NODE_OPTIONS', () => {
    expect(withWorkerNodeFlags(['--max-semi-space-size=64', '--import', 'tsx'], '')).toEqual(['--max-semi-space-size=64', '--import', 'tsx']);
    expect(withWorkerNodeFlags(['--import', 'tsx'], '--max-old-space-size=4096 --max-semi-space-size=16')).toEqual(['--import', 'tsx']);
    expect(withWorkerNodeFlags(['--import', 'tsx'], '--max-old-space-size=4096')).toEqual(['--max-semi-space-size=32', '--import', 'tsx']);
  });

  it("the sandbox's worker processes are started with them", () => {
    const { command, args } = cliCommand();
    expect(command).toBe(process.execPath);
    const semi = args.filter((a) => a.startsWith('--max-semi-space-size'));
    // Unless this test process already runs with a size of its own (passed on as it is).
    const own = process.execArgv.filter((a) => a.startsWith('--max-semi-space-size'));
    if ((process.env.NODE_OPTIONS ?? '').includes('--max-semi-space-size')) expect(semi).toEqual(own);
    else expect(semi).toEqual(own.length > 0 ? own : WORKER_NODE_FLAGS);
  });
});

describe('where the flags are given', () => {
  const root = join(import.meta.dirname, '..', '..');

  it('the package.json scripts that run the product give them', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'tidemark', 'worker', 'api']) expect(scripts[name], name).toBe(`node ${WORKER_NODE_FLAGS.join(' ')} --import tsx src/cli/main.ts${name === 'tidemark' ? '' : ` ${name}`}`);
  });

  it('bin/tidemark.js reads them from worker-node-flags.json, runs the CLI with them, and exits with its code', () => {
    expect(readFileSync(join(root, 'bin/tidemark.js'), 'utf8')).toContain("'src/runtime/worker-node-flags.json'");
    const env = { ...process.env, NODE_OPTIONS: '' };
    const help = spawnSync(process.execPath, [join(root, 'bin/tidemark.js'), '--help'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/sync/);
    const bad = spawnSync(process.execPath, [join(root, 'bin/tidemark.js'), 'no-such-command'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0);
  });
});
