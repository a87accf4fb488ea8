/** Write-back efficiency: collection calls per run against the minimum ceil(changed/200). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSalesforceEmulator } from '../connectors/salesforce/emulator/index.ts';
import { openSalesforceConnection } from '../connectors/salesforce/connection.ts';
import { salesforceConfigSchema } from '../connectors/salesforce/config.ts';
import { writeAccounts } from '../connectors/salesforce/writer.ts';
import { loadDataset } from '../src/sandbox/dataset.ts';
import { closeServer, listen } from '../src/sandbox/emulator-kit/index.ts';
import { OWNED_ACCOUNT_FIELDS } from '../src/writeback/field-specs.ts';
import { planAccountChange } from '../src/writeback/plan.ts';
import { silentLogger } from '../src/logging/logger.ts';
import { toSalesforceId18 } from '../src/identity/salesforce-id.ts';

export async function benchWriteback(dir: string, accounts: number, shares: number[]): Promise<Array<{ share: number; changed: number; calls: number; minimum: number }>> {
  await mkdir(join(dir, 'salesforce'), { recursive: true });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name: 'bench-wb', generatedAt: '2026-11-20T12:00:00Z' }));
  const ids = Array.from({ length: accounts }, (_, i) => toSalesforceId18(`001${(i + 1).toString(36).toUpperCase().padStart(12, '0')}`) as string);
  await writeFile(join(dir, 'salesforce', 'Account.jsonl'), ids.map((Id, i) => JSON.stringify({ Id, Name: `A${i}`, CS_Health_Score__c: 50 })).join('\n') + '\n');
  const emulator = createSalesforceEmulator({ dataset: await loadDataset(dir) });
  const { server, url } = await listen(emulator.app, 0);
  const config = salesforceConfigSchema.parse({ loginUrl: url, clientId: 'sandbox', clientSecret: 'sandbox' });
  const { conn } = await openSalesforceConnection(config, silentLogger());
  const out: Array<{ share: number; changed: number; calls: number; minimum: number }> = [];
  try {
    for (const [round, share] of shares.entries()) {
      const changedCount = Math.round(accounts * share);
      const now = new Date();
      const changes = ids
        .map((id, i) => planAccountChange({ accountId: id, current: { CS_Health_Score__c: 50 + round }, desired: { CS_Health_Score__c: i < changedCount ? 51 + round : 50 + round } }, OWNED_ACCOUNT_FIELDS, now))
        .filter((c): c is NonNullable<typeof c> => c !== null);
      const before = emulator.kit.stats.toJSON().calls['PATCH /services/data/vXX.X/composite/sobjects']?.['200'] ?? 0;
      if (changes.length > 0) await writeAccounts(conn, changes, 200);
      const after = emulator.kit.stats.toJSON().calls['PATCH /services/data/vXX.X/composite/sobjects']?.['200'] ?? 0;
      out.push({ share, changed: changes.length, calls: after - before, minimum: Math.ceil(changes.length / 200) });
    }
  } finally {
    await closeServer(server);
  }
  return out;
}
