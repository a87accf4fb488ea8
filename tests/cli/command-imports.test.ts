/**
 * `tidemark sync --wait` is a process of its own in every scripted run (and in the end-to-end
 * benchmark's incremental sync): what it imports is its start-up time. The modules it loads
 * (main.ts and the sync command, as main loads them) are listed through a resolve hook in a child
 * process: none of the scoring, evaluation, connector or server code is among them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tidemark-imports-'));
  await writeFile(join(dir, 'hook.mjs'), "export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith('file:')) process.stderr.write(`LOADED ${r.url}\\n`); return r; }\n");
  await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Repository-relative paths (or package names) of the modules that importing `entries` loads. */
async function loadedBy(entries: string[]): Promise<string[]> {
  const code = entries.map((e) => `await import(${JSON.stringify(pathToFileURL(join(root, e)).href)});`).join(' ');
  const { stderr } = await promisify(execFile)(process.execPath, ['--import', tsxLoader, '--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', code], { cwd: dir });
  const prefix = pathToFileURL(root).href + '/';
  return [...new Set(stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7).replace(prefix, '')))];
}

describe('the sync command imports', () => {
  it('only what a run request and its wait need', async () => {
    const loaded = await loadedBy(['src/cli/main.ts', 'src/cli/commands/sync.ts']);
    expect(loaded).toContain('src/cli/commands/sync.ts');
    expect(loaded).toContain('src/sync/run.ts');
    const heavy = loaded.filter((m) => /^src\/(sync\/(health-evaluation|account-bundles|score|resolve|pull|writeback)|signals\/|health\/score|plans\/|writeback\/|api\/|console\/|sandbox\/(sandbox|generator)|runtime\/)|^connectors\/|^jobs\/workers|node_modules\/(jsforce|express|node-zendesk|@bull-board)\//.test(m));
    expect(heavy).toEqual([]);
  });
});
