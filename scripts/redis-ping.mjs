// Exit 0 when a Redis answers PING at the given URL within 1.5 s.
import { Redis } from 'ioredis';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
redis.on('error', () => undefined);
try {
  await redis.connect();
  const pong = await redis.ping();
  console.log(`Redis at ${url}: ${pong}`);
  process.exit(pong === 'PONG' ? 0 : 1);
} catch {
  process.exit(1);
} finally {
  redis.disconnect();
}
