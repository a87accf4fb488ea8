/**
 * One ingest measurement in its own process, started with a worker's V8 flags (bench/ingest.ts):
 * `bare FILE` (read + JSON.parse, after a warm-up pass over the file) or `real DATASET_DIR REDIS_URL
 * PREFIX DAYS` (the real path). Prints the result as JSON.
 */
import { bareParse, realPath } from './ingest.ts';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'bare' && args[0]) {
  await bareParse(args[0]); // warm the page cache
  process.stdout.write(JSON.stringify(await bareParse(args[0])));
} else if (mode === 'real' && args.length === 4) {
  const [dir, redisUrl, prefix, days] = args as [string, string, string, string];
  process.stdout.write(JSON.stringify(await realPath(dir, redisUrl, prefix, Number(days))));
} else throw new Error('usage: ingest-process.ts bare FILE | real DATASET_DIR REDIS_URL PREFIX DAYS');
process.exit(0);
