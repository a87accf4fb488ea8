/**
 * The resolve stage's identity index, held in the worker's memory between runs (per org prefix)
 * so that an incremental resolve reads only the CRM records changed since the last one instead
 * of every Account, Contact and Zendesk organization (src/identity/identity-state.ts).
 *
 * Never stale: the record store journals every change of those kinds in the same atomic script
 * as the change (keys identityJournal: id scored by the records version it produced). A cached
 * index remembers the records version it has read up to, the epoch token and the snapshot token
 * it saw; a run reads the journal entries above that version and re-reads those records. The
 * cache is dropped and the index rebuilt from every record when the epoch differs (the prefix was
 * dropped, or records were removed in bulk: removeAll and forget delete the epoch), when the
 * journal was trimmed above its version (by a run in another process), or when the run is full.
 * The snapshot the index is compared with is the cached one only while the stored snapshot is
 * the one this cache saved (same token; two runs saving over each other leave a token no cache
 * holds); otherwise the stored one is read whole. A run takes the
 * cache out while it works and puts it back only once its snapshot is saved: a failed run leaves
 * no cache behind.
 */
import { randomUUID } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RecordKind, SalesforceAccount, SalesforceContact, ZendeskOrganization } from '../contracts/records.ts';
import { changedLookupKeys } from '../identity/lookup-keys.ts';
import { IdentityState } from '../identity/identity-state.ts';
import type { IdentityIndex } from '../identity/index.ts';
import { loadManualRules } from '../store/manual-rule-store.ts';
import type { Keys } from '../store/keys.ts';
import type { SyncContext } from './context.ts';

const INPUT_KINDS = ['salesforce.account', 'salesforce.contact', 'zendesk.organization'] as const satisfies readonly RecordKind[];
/** Orgs whose index is kept (most recently resolved first out when more). */
const MAX_CACHED = 2;

interface Cached {
  state: IdentityState;
  epoch: string;
  /** Records version up to which every journaled change is in `state`. */
  version: number;
  /** Token of the stored snapshot equal to `state.snapshot`. */
  snapshotGen: string;
}

const caches = new Map<string, Cached>();

/** How the last run of a prefix got its index: for tests. */
export type IdentitySource = 'loaded' | 'cached';
const sources = new Map<string, IdentitySource>();
export const identitySourceOf = (prefix: string): IdentitySource | undefined => sources.get(prefix);
/** Drops every cached index (tests: as a new process would start). */
export function clearIdentityCache(): void {
  caches.clear();
}

export interface RunIdentity {
  index: IdentityIndex;
  snapshot: ReadonlyMap<string, string>;
  /** Snapshot keys whose answer differs from the stored snapshot (empty for a full run: it saves the whole snapshot). */
  changedKeys: string[];
  /**
   * Adds to the MULTI that saves the snapshot the save of its token: this run's own, or when the
   * stored token is no longer the one read at the start (another run saved its snapshot since,
   * so the stored one is a mix), a token no cached index holds.
   */
  saveToken(m: ChainableCommander): void;
  /** After the snapshot and its token are saved: trims the journal and keeps the index for the next run. */
  keep(): Promise<void>;
}

/** KEYS: the snapshot token. ARGV: the token read at the start ('' for none), this run's token, 'full' when the whole snapshot is rewritten. */
const SAVE_TOKEN_SCRIPT = `
if ARGV[3] == 'full' or (redis.call('GET', KEYS[1]) or '') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], 'mixed:' .. ARGV[2]) end
return 1`;

/** Trims journal entries up to a version and raises the floor to it (never lowers it). */
const TRIM_SCRIPT = `
local v = tonumber(ARGV[1])
local floor = tonumber(redis.call('GET', KEYS[1]) or '0')
if v <= floor then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[1]) end
return 1`;

function reply<T>(results: Array<[Error | null, unknown]> | null, i: number): T {
  const entry = results?.[i];
  if (!entry) throw new Error('identity cache: missing reply');
  if (entry[0]) throw entry[0];
  return entry[1] as T;
}

async function changedRecords<T>(ctx: SyncContext, k: Keys, kind: RecordKind, ids: string[]): Promise<Map<string, T | null>> {
  const out = new Map<string, T | null>();
  for (let i = 0; i < ids.length; i += 2000) {
    const slice = ids.slice(i, i + 2000);
    const texts = await ctx.redis.hmget(k.records(kind), ...slice);
    slice.forEach((id, j) => {
      const text = texts[j];
      out.set(id, text ? (JSON.parse(text) as T) : null);
    });
  }
  return out;
}

export async function identityForRun(ctx: SyncContext, k: Keys, full: boolean): Promise<RunIdentity> {
  const cached = caches.get(ctx.prefix);
  caches.delete(ctx.prefix);
  const head = ctx.redis.multi().set(k.identityEpoch, randomUUID(), 'NX').get(k.identityEpoch).get(k.recordsVersion).get(k.identityJournalFloor).get(k.identitySnapshotGen);
  if (cached) for (const kind of INPUT_KINDS) head.zrangebyscore(k.identityJournal(kind), `(${cached.version}`, '+inf');
  const results = await head.exec();
  const epoch = reply<string>(results, 1);
  const version = Number(reply<string | null>(results, 2) ?? 0);
  const floor = Number(reply<string | null>(results, 3) ?? 0);
  const storedGen = reply<string | null>(results, 4);
  const manualRules = await loadManualRules(ctx.redis, ctx.prefix);

  let state: IdentityState;
  let changedKeys: string[];
  if (!full && cached && cached.epoch === epoch && floor <= cached.version && version >= cached.version) {
    const [accounts, contacts, organizations] = await Promise.all([
      changedRecords<SalesforceAccount>(ctx, k, 'salesforce.account', reply<string[]>(results, 5)),
      changedRecords<SalesforceContact>(ctx, k, 'salesforce.contact', reply<string[]>(results, 6)),
      changedRecords<ZendeskOrganization>(ctx, k, 'zendesk.organization', reply<string[]>(results, 7)),
    ]);
    state = cached.state;
    const changed = state.update({ accounts, contacts, organizations, manualRules });
    changedKeys = storedGen === cached.snapshotGen ? changed : changedLookupKeys(new Map(Object.entries(await ctx.redis.hgetall(k.identitySnapshot))), state.snapshot);
    sources.set(ctx.prefix, 'cached');
  } else {
    const [accounts, contacts, organizations, stored] = await Promise.all([
      ctx.records.all('salesforce.account'),
      ctx.records.all('salesforce.contact'),
      ctx.records.all('zendesk.organization'),
      full ? Promise.resolve({}) : ctx.redis.hgetall(k.identitySnapshot),
    ]);
    state = new IdentityState({ accounts, contacts, organizations, manualRules });
    changedKeys = full ? [] : changedLookupKeys(new Map(Object.entries(stored)), state.snapshot);
    sources.set(ctx.prefix, 'loaded');
  }
  const snapshotGen = randomUUID();
  return {
    index: state.index,
    snapshot: state.snapshot,
    changedKeys,
    saveToken(m) {
      m.eval(SAVE_TOKEN_SCRIPT, 1, k.identitySnapshotGen, storedGen ?? '', snapshotGen, full ? 'full' : '');
    },
    async keep() {
      await ctx.redis.eval(TRIM_SCRIPT, 1 + INPUT_KINDS.length, k.identityJournalFloor, ...INPUT_KINDS.map((kind) => k.identityJournal(kind)), String(version));
      caches.delete(ctx.prefix);
      caches.set(ctx.prefix, { state, epoch, version, snapshotGen });
      for (const prefix of caches.keys()) if (caches.size > MAX_CACHED) caches.delete(prefix);
    },
  };
}
