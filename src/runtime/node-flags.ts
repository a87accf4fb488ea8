/**
 * V8 flags of the processes that run sync jobs (workers, `start`, the sandbox's worker processes).
 *
 * `--max-semi-space-size=32` (MB; V8's default on 64-bit is 16): a pull parses hundreds of
 * thousands of JSON lines and records a second, and with a young generation that small, objects
 * still in use when it fills (a page being aggregated or written) are copied and promoted to the old
 * generation, which the major collector then walks. Twice the room halves the scavenges and the
 * promotions: measured on 2,000,000 Mixpanel events, the real path's CPU went 8.1-9.2 s -> 7.6-7.7 s
 * (bare JSON.parse of the same file unchanged, 3.3-3.7 s), and a 2,000-account full sync's worker
 * 18.6 s -> 16.6 s (docs/benchmarks.md). The price: the young generation takes 64 MB instead of 32 in
 * each such process.
 *
 * The flag is given on the command line, since V8 sizes its heap when the process starts: in the
 * package.json scripts (start, tidemark, worker, api), in bin/tidemark.js (the installed command and
 * the Docker image; it reads worker-node-flags.json) and for the sandbox's worker processes. For the
 * last two a size already set in NODE_OPTIONS or on the command line wins. A test keeps the
 * scripts equal to WORKER_NODE_FLAGS.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const SEMI_SPACE_FLAG = '--max-semi-space-size';
/** Read from worker-node-flags.json, which bin/tidemark.js (plain JavaScript) reads too. */
export const WORKER_NODE_FLAGS: readonly string[] = z.array(z.string().startsWith('--')).parse(JSON.parse(readFileSync(new URL('./worker-node-flags.json', import.meta.url), 'utf8')));

/** `flags` with WORKER_NODE_FLAGS added, unless `flags` or NODE_OPTIONS already sets the semi-space size. */
export function withWorkerNodeFlags(flags: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const sets = (text: string): boolean => text.split(/\s+/).some((f) => f === SEMI_SPACE_FLAG || f.startsWith(`${SEMI_SPACE_FLAG}=`));
  if (flags.some(sets) || sets(nodeOptions)) return [...flags];
  return [...WORKER_NODE_FLAGS, ...flags];
}
