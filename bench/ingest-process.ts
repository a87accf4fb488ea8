/** One real-path ingest measurement in its own process (bench/ingest.ts benchMemory): prints the result as JSON. */
import { realPath } from './ingest.ts';

const [dir, redisUrl, prefix, days] = process.argv.slice(2);
if (!dir || !redisUrl || !prefix || !days) throw new Error('usage: ingest-process.ts DATASET_DIR REDIS_URL PREFIX DAYS');
process.stdout.write(JSON.stringify(await realPath(dir, redisUrl, prefix, Number(days))));
process.exit(0);
