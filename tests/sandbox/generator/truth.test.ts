/** truth/records.jsonl and truth/accounts.jsonl against an independent reading of the contract rules. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../../src/sandbox/generator/index.ts';
import { readLines, recountAccounts, resolveDataset } from './independent-rules.ts';

const root = mkdtempSync(join(tmpdir(), 'tidemark-gen-truth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// A whole-second now and one with milliseconds (window edges then fall between seconds).
const cases = [
  { accounts: 60, seed: 11, now: new Date('2026-11-20T12:00:00.000Z') },
  { accounts: 51, seed: 5, now: new Date('2027-03-01T08:17:43.456Z') },
  // The benchmark shape (10 contacts per account): the truth still follows the rules.
  { accounts: 30, seed: 9, now: new Date('2026-11-20T12:00:00.000Z'), contactsPerAccount: 10 },
];

describe('ground truth', () => {
  for (const c of cases) {
    it(`agrees with the rules recomputed from the files (${c.accounts} accounts, seed ${c.seed}, now ${c.now.toISOString()})`, async () => {
      const dir = join(root, `${c.seed}`);
      await generateDataset({ ...c, out: dir, days: 90 });
      const resolved = resolveDataset(dir);

      const truth = readLines(dir, 'truth/records.jsonl');
      const seen = new Set<string>();
      for (const t of truth) {
        const key = `${String(t.kind)}:${String(t.id)}`;
        expect(seen.has(key), `duplicate truth row ${key}`).toBe(false);
        seen.add(key);
        expect(resolved.byKind.get(String(t.kind))?.has(String(t.id)), key).toBe(true);
        expect(t.accountId, `${key} (trap ${String(t.trap ?? 'none')})`).toBe(resolved.byKind.get(String(t.kind))?.get(String(t.id)));
      }
      let records = 0;
      for (const m of resolved.byKind.values()) records += m.size;
      expect(truth).toHaveLength(records);

      const expected = recountAccounts(dir, c.now, resolved);
      const accounts = readLines(dir, 'truth/accounts.jsonl');
      expect(accounts).toHaveLength(c.accounts);
      for (const a of accounts) {
        const e = expected.get(String(a.accountId));
        expect(e, String(a.accountId)).toBeDefined();
        for (const [field, value] of Object.entries(e ?? {})) expect(a[field], `${String(a.accountId)} ${field}`).toBe(value);
      }
      // The values are not trivially zero: the windows and cohorts have something to count.
      expect(accounts.some((a) => Number(a.CS_Active_Users_30d__c) > 3)).toBe(true);
      expect(accounts.some((a) => a.CS_License_Utilization__c === null)).toBe(true);
      expect(accounts.some((a) => typeof a.CS_License_Utilization__c === 'number' && !Number.isInteger(a.CS_License_Utilization__c))).toBe(true);
      expect(accounts.some((a) => Number(a.CS_Open_Tickets__c) > 0)).toBe(true);
      expect(accounts.some((a) => Number(a.CS_NPS__c) < 0)).toBe(true);
    });
  }

  it('contactsPerAccount sets the people listed as Contacts of every account (traps on top)', async () => {
    const dir = join(root, 'contacts');
    const summary = await generateDataset({ accounts: 40, seed: 4, out: dir, now: new Date('2026-11-20T12:00:00.000Z'), days: 10, contactsPerAccount: 12 });
    const perAccount = new Map<string, number>();
    for (const c of readLines(dir, 'salesforce/Contact.jsonl')) perAccount.set(String(c.AccountId), (perAccount.get(String(c.AccountId)) ?? 0) + 1);
    expect(perAccount.size).toBe(40);
    for (const [account, n] of perAccount) expect(n, account).toBeGreaterThanOrEqual(12);
    expect(summary.counts.contact).toBeLessThan(40 * 12 + 40);
  });

  it('declining accounts lose active users in the last 30 days', async () => {
    const dir = join(root, '11');
    const now = cases[0]?.now as Date;
    const resolved = resolveDataset(dir);
    const profiles = resolved.byKind.get('mixpanel.profile') ?? new Map<string, string | null>();
    const declining = new Set(readLines(dir, 'truth/accounts.jsonl').filter((a) => a.cohort === 'declining').map((a) => String(a.accountId)));
    const before = new Set<string>();
    const after = new Set<string>();
    for (const e of readLines(dir, 'mixpanel/events.jsonl')) {
      const p = e.properties as Record<string, unknown>;
      const account = resolved.explicit(p.account_id) ?? profiles.get(String(p.distinct_id)) ?? null;
      if (!account || !declining.has(account)) continue;
      const age = (now.getTime() - Number(p.time) * 1000) / 86_400_000;
      if (age < 30) after.add(String(p.distinct_id));
      else if (age < 60) before.add(String(p.distinct_id));
    }
    expect(after.size).toBeLessThan(before.size * 0.7);
  });
});
