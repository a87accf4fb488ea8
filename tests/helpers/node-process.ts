/**
 * Spawning a TypeScript entry point as a child process. `node --import <tsx loader>` rather than the
 * tsx CLI: the tsx CLI runs the program in a grandchild, so a SIGKILL sent to the spawned PID would
 * leave the real program running as an orphan. With `--import` the spawned PID is the program.
 * The loader is given as an absolute URL so it resolves whatever the child's cwd is.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export function spawnTs(entry: string, args: string[], options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, ['--import', tsxLoader, entry, ...args], options);
}
