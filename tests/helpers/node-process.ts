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

/** `nodeFlags` go before the loader (e.g. a worker's V8 flags, src/runtime/node-flags.ts). */
export function spawnTs(entry: string, args: string[], options: SpawnOptions, nodeFlags: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeFlags, '--import', tsxLoader, entry, ...args], options);
}
