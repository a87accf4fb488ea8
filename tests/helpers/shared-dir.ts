/**
 * The shared design folder (design/*.md, fixtures/api-samples): TIDEMARK_SHARED_DIR when set, else
 * `shared/` beside the repository, else /work/shared (where it lives on the development machine,
 * so a clone anywhere, e.g. CI's temp folder, still finds it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const candidates = [process.env.TIDEMARK_SHARED_DIR, join(import.meta.dirname, '..', '..', '..', 'shared'), '/work/shared'].filter(
  (d): d is string => typeof d === 'string' && d !== '',
);

export function sharedPath(...parts: string[]): string {
  const dir = candidates.find((d) => existsSync(join(d, 'design')));
  if (!dir) throw new Error(`the shared design folder is not found (tried ${candidates.join(', ')}): set TIDEMARK_SHARED_DIR`);
  return join(dir, ...parts);
}
