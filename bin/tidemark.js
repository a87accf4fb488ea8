#!/usr/bin/env node
// Installed entry point: runs the TypeScript CLI in a child node process with tsx's loader and the
// V8 flags of a worker (src/runtime/worker-node-flags.json; see src/runtime/node-flags.ts). The
// child is the program (no tsx CLI in between); signals sent to this process are passed on to it,
// and this process exits as it does.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flags = JSON.parse(readFileSync(join(root, 'src/runtime/worker-node-flags.json'), 'utf8'));
const setsSemiSpace = (text) => text.split(/\s+/).some((f) => f.startsWith('--max-semi-space-size'));
const own = setsSemiSpace(process.env.NODE_OPTIONS ?? '') ? [] : flags;
const loader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const child = spawn(process.execPath, [...own, '--import', loader, join(root, 'src/cli/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
