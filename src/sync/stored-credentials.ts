/**
 * Source credentials entered in the console are stored sealed in Redis (src/api/credential-store.ts).
 * Every process that runs syncs loads them, so a worker on another machine uses what an admin
 * saved, as long as it shares TIDEMARK_SECRET_KEY. Sources configured in the environment win.
 */
import { sourceIdSchema, type SourceId } from '../contracts/records.ts';
import { errorMessage } from '../contracts/errors.ts';
import { registerSecret, scrubSecrets } from '../logging/logger.ts';
import { CONNECTORS } from '../registry.ts';
import { SECRET_FIELD, type CredentialStore } from '../api/credential-store.ts';
import { parseKeyRing, type SecretKey } from '../api/secret-box.ts';
import type { SyncContext } from './context.ts';

function registerSecretValues(config: unknown): void {
  if (config === null || typeof config !== 'object') return;
  for (const [name, value] of Object.entries(config)) if (SECRET_FIELD.test(name) && typeof value === 'string') registerSecret(value);
}

/** Loads every stored source whose settings the environment does not give; returns the ones loaded. */
export async function loadStoredSources(ctx: SyncContext, store: CredentialStore, fromEnvironment: ReadonlySet<SourceId>): Promise<SourceId[]> {
  const loaded: SourceId[] = [];
  for (const source of await store.sources()) {
    const parsed = sourceIdSchema.safeParse(source);
    if (!parsed.success || fromEnvironment.has(parsed.data)) continue;
    try {
      const connector = CONNECTORS[parsed.data];
      const config = connector.configSchema.parse(await store.load(source));
      registerSecretValues(config);
      ctx.sources[parsed.data] = { connector, config };
      loaded.push(parsed.data);
    } catch (err) {
      ctx.log.warn({ source, err: scrubSecrets(errorMessage(err)) }, 'stored credentials could not be loaded (is TIDEMARK_SECRET_KEY the one the API uses?)');
    }
  }
  return loaded;
}

/** The key ring from TIDEMARK_SECRET_KEY, or null when it is not set (stored credentials then stay with the API process). */
export function keyRingFromEnv(text = process.env.TIDEMARK_SECRET_KEY): SecretKey[] | null {
  return text ? parseKeyRing(text) : null;
}
