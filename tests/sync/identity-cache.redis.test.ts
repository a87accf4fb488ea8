/**
 * The identity index held between resolves (src/sync/identity-cache.ts) against the real Redis:
 * it is used by the next incremental resolve and sees every change made since, by any writer;
 * it is dropped (the index rebuilt from every record) when records are removed in bulk, when the
 * org's keys were dropped and written again, when another process trimmed the journal past it;
 * and when the stored snapshot is not the one it saved, the stored one is compared.
 */
import { describe, expect, it } from 'vitest';
import type { SyncContext } from '../../src/sync/context.ts';
import { keys } from '../../src/store/keys.ts';
import { RecordStore } from '../../src/store/record-store.ts';
import { clearIdentityCache, identitySourceOf } from '../../src/sync/identity-cache.ts';
import { resolveRun } from '../../src/sync/resolve.ts';
import { dropPrefix } from '../helpers/redis.ts';
import { useTestOrgs } from '../helpers/test-orgs.ts';
import { account, contact, user } from '../identity/fixtures.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const orgs = useTestOrgs(() => NOW);
const { redis } = orgs;
const A = '001000000000001AAA';
const B = '001000000000002AAA';

async function resolve(ctx: SyncContext, full = false): Promise<void> {
  const run = await ctx.runs.create({ sources: [], full, dryRun: false, trigger: 'test' }, NOW);
  await resolveRun(ctx, run.id);
}

const matchOf = async (ctx: SyncContext, id: string): Promise<string | null> => {
  const text = await redis.hget(keys(ctx.prefix).matches('zendesk.user'), id);
  return text === null ? null : (JSON.parse(text) as { a: string | null }).a;
};

/** Resolves incrementally; then the index came from where expected and u1 matches the account expected. */
async function expectResolve(ctx: SyncContext, source: 'cached' | 'loaded', u1: string | null): Promise<void> {
  await resolve(ctx);
  expect(identitySourceOf(ctx.prefix)).toBe(source);
  expect(await matchOf(ctx, 'u1')).toBe(u1);
}

/** Two accounts at different domains; user u1 matches by the email of Contact c1. */
async function seeded(label: string): Promise<SyncContext> {
  const ctx = await orgs.org(label);
  await ctx.records.upsert('salesforce.account', [account(A, 'alpha.com'), account(B, 'beta.com')]);
  await ctx.records.upsert('salesforce.contact', [contact('c1', A, 'jo@elsewhere.com')]);
  await ctx.records.upsert('zendesk.user', [user('u1', 'jo@elsewhere.com')]);
  await resolve(ctx, true);
  expect(await matchOf(ctx, 'u1')).toBe(A);
  return ctx;
}

describe('identity index cache', () => {
  it('serves the next resolve and sees a change written through another connection', async () => {
    const ctx = await seeded('cache-hit');
    // Another process's record store (its own connection) moves the Contact to B.
    const other = redis.duplicate();
    await new RecordStore(other, ctx.prefix).upsert('salesforce.contact', [contact('c1', B, 'jo@elsewhere.com')]);
    other.disconnect();
    await expectResolve(ctx, 'cached', B);
    // Unrelated Account fields: still served from the cache, nothing moves.
    await ctx.records.upsert('salesforce.account', [account(A, 'alpha.com', { employees: 40 })]);
    await expectResolve(ctx, 'cached', B);
  });

  it('is rebuilt after a bulk removal', async () => {
    const ctx = await seeded('cache-remove');
    await ctx.records.removeAll('salesforce.contact');
    await expectResolve(ctx, 'loaded', null);
  });

  it('is rebuilt when the org was dropped and written again under the same prefix', async () => {
    const ctx = await seeded('cache-drop');
    // The settings stay (so that the resolve is not a full one for want of its format mark).
    const settings = await redis.hgetall(keys(ctx.prefix).settings);
    await dropPrefix(redis, ctx.prefix);
    await redis.hset(keys(ctx.prefix).settings, settings);
    // The same records but Contact c1 at B, written with one version bump more than before (the
    // records version starts again from 0: it is past the cached index's version, with no journal
    // entry above it for the Contact).
    await ctx.records.upsert('salesforce.account', [account(A, 'alpha.com'), account(B, 'beta.com')]);
    await ctx.records.upsert('salesforce.contact', [contact('c1', B, 'jo@elsewhere.com')]);
    await ctx.records.upsert('zendesk.user', [{ ...user('u1', 'jo@elsewhere.com'), name: 'Jo' }]);
    await ctx.records.upsert('zendesk.user', [user('u1', 'jo@elsewhere.com')]);
    await expectResolve(ctx, 'loaded', B);
  });

  it('is rebuilt when another process trimmed the journal past it', async () => {
    const ctx = await seeded('cache-trim');
    const k = keys(ctx.prefix);
    await ctx.records.upsert('salesforce.contact', [contact('c1', B, 'jo@elsewhere.com')]);
    // As a resolve in another process would: its journal entries are consumed and the floor raised.
    await redis.multi().set(k.identityJournalFloor, String(await ctx.records.version())).del(k.identityJournal('salesforce.contact')).exec();
    await expectResolve(ctx, 'loaded', B);
  });

  it('compares with the stored snapshot when another process saved it', async () => {
    const ctx = await seeded('cache-snapshot');
    const k = keys(ctx.prefix);
    const right = await redis.hget(k.identitySnapshot, 'e:jo@elsewhere.com');
    // Another process saved a snapshot where the email answered otherwise.
    await redis.multi().hset(k.identitySnapshot, 'e:jo@elsewhere.com', JSON.stringify([B])).set(k.identitySnapshotGen, 'other').exec();
    await ctx.records.upsert('salesforce.account', [account(B, 'beta.com', { employees: 3 })]);
    await resolve(ctx);
    expect(identitySourceOf(ctx.prefix)).toBe('cached');
    expect(await redis.hget(k.identitySnapshot, 'e:jo@elsewhere.com')).toBe(right);
  });

  it('is not used by a new process (none is held), nor by a full resolve', async () => {
    const ctx = await seeded('cache-fresh');
    clearIdentityCache();
    await resolve(ctx);
    expect(identitySourceOf(ctx.prefix)).toBe('loaded');
    await resolve(ctx, true);
    expect(identitySourceOf(ctx.prefix)).toBe('loaded');
    await ctx.records.upsert('salesforce.contact', [contact('c1', B, 'jo@elsewhere.com')]);
    await expectResolve(ctx, 'cached', B);
  });
});
