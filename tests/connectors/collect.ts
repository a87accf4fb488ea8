/** Drains a stream into its pages (tests). */
import type { Checkpoint, Page, Stream } from '../../src/contracts/connector.ts';
import type { RecordKind } from '../../src/contracts/records.ts';
import { silentLogger } from '../../src/logging/logger.ts';

export async function collect<C, K extends RecordKind>(stream: Stream<C, K>, config: C, checkpoint: Checkpoint | null = null, now = new Date(), full = false): Promise<Page<K>[]> {
  const pages: Page<K>[] = [];
  for await (const page of stream.pull({ config, checkpoint, full, now, log: silentLogger() })) pages.push(page);
  return pages;
}
