/**
 * The resolve stage: link every record to at most one Salesforce Account (contracts.md
 * section 2) with the rules of src/identity, store each match with its method or the reason it
 * is unmatched, and log the records whose resolution changed.
 *
 * Incremental (the default): the identity index is brought up to date with the CRM data only
 * (accounts, contacts, Zendesk organizations, manual rules; held in memory between runs and
 * updated with the records changed since, src/sync/identity-cache.ts) and compared with the
 * snapshot of the last resolve (src/identity/lookup-keys.ts). Re-resolved are exactly: the records changed since the
 * last resolve (the record store's dirty sets), the records that read a lookup key whose answer
 * changed (reverse indexes `ident:refs:<key>`), and the children of records whose match changed
 * (organization -> users and tickets, user -> tickets, profile -> activities). Full (`sync
 * --full`, or state written by an older version): every record. Both paths run the same code, so
 * an incremental result equals the full one (tests/sync/incremental-resolve-score.redis.test.ts).
 *
 * Crash safety: the dirty ids are moved into `taken:<kind>` (merged with what a crashed try left
 * there); children are added to `taken:<child kind>` in the same MULTI that saves their
 * parent's new match; the snapshot is saved and the taken sets dropped only after every match is
 * saved (with its token, after which the in-memory index is kept for the next run). A re-run after
 * a crash at any point therefore re-resolves at least what is left.
 */
import { z } from 'zod';
import type { RecordKind, RecordOf } from '../contracts/records.ts';
import {
  buildIdentityIndex, keysOf, METHODS, NO_PARENTS, resolveKeys, UNMATCHED_REASONS, type IdentityIndex, type Parents, type Resolution, type ResolvableKind, type ResolvableRecord,
} from '../identity/index.ts';
import { activityIdentity, activityLookupKeys, lookupKeysOf } from '../identity/lookup-keys.ts';
import { CHUNK, inChunks } from '../store/chunks.ts';
import { addToSets } from '../store/set-adds.ts';
import { keys, type Keys } from '../store/keys.ts';
import { parseStoredMatch, type StoredMatch } from '../store/state-store.ts';
import type { SyncContext } from './context.ts';
import { identityForRun } from './identity-cache.ts';
import { markStageDone, stageInputs, unchangedSummary } from './stage-inputs.ts';

export const RESOLVED_KINDS = [
  'zendesk.organization', 'zendesk.user', 'zendesk.ticket', 'mixpanel.profile', 'mixpanel.activity', 'surveys.response',
] as const satisfies readonly RecordKind[];

/**
 * RESOLVED_KINDS as independent chains, parents before children: a kind reads the matches of
 * earlier kinds of its own chain only (organization -> user -> ticket; profile -> activity).
 */
export const RESOLVE_CHAINS: ReadonlyArray<readonly ResolvableKind[]> = [
  ['zendesk.organization', 'zendesk.user', 'zendesk.ticket'],
  ['mixpanel.profile', 'mixpanel.activity'],
  ['surveys.response'],
];

/** Kinds whose matches feed account signals (per-account membership sets). */
export const SCORED_KINDS = ['mixpanel.activity', 'zendesk.ticket', 'surveys.response'] as const satisfies readonly RecordKind[];
const SCORED = new Set<RecordKind>(SCORED_KINDS);

/** The lookup-key prefix under which a parent kind's children are indexed. */
const CHILD_KEY: Partial<Record<RecordKind, string>> = { 'zendesk.organization': 'o', 'zendesk.user': 'u', 'mixpanel.profile': 'p' };

/** Bumped when the derived resolve state changes shape: the next resolve is then a full one. */
export const RESOLVE_FORMAT = '3';
const BATCH = 2000;
/** Full runs: deferred SADD members held before they are sent (see Env.pending). */
const PENDING_LIMIT = 500_000;

export interface ResolveSummary {
  resolved: number;
  unmatched: number;
  changed: number;
  byMethod: Record<string, number>;
  byReason: Record<string, number>;
  /** Records resolved in this run (all of them in a full run). */
  records?: number;
  full?: boolean;
}

export function toStoredMatch(r: Resolution): StoredMatch {
  const m: StoredMatch = { a: r.accountId, m: r.method, r: r.reason };
  if (r.candidates.length > 0) m.c = r.candidates;
  if (r.excludedBy) m.x = r.excludedBy;
  return m;
}

const isMethod = (v: string | null): v is Resolution['method'] & string => v !== null && (METHODS as readonly string[]).includes(v);
const isReason = (v: string | null): v is Resolution['reason'] & string => v !== null && (UNMATCHED_REASONS as readonly string[]).includes(v);

/** A stored match read back as the parent resolution the rules look at. */
export function fromStoredMatch(kind: RecordKind, id: string, m: Readonly<StoredMatch>): Resolution {
  const r: Resolution = { kind, id, accountId: m.a, method: isMethod(m.m) ? m.m : null, reason: isReason(m.r) ? m.r : null, candidates: m.c ? [...m.c] : [] };
  if (m.x) r.excludedBy = m.x;
  return r;
}

const countField = (kind: RecordKind, m: Readonly<StoredMatch>): string => (m.a !== null ? `${kind}|m|${m.m ?? 'unknown'}` : `${kind}|r|${m.r ?? 'unknown'}`);
const parseMatch = (text: string | null | undefined): Readonly<StoredMatch> | null => (text ? parseStoredMatch(text) : null);
const lookupKeysSchema = z.array(z.string());
const parseKeys = (text: string | null | undefined): string[] => (text ? lookupKeysSchema.parse(JSON.parse(text)) : []);

interface Env {
  ctx: SyncContext;
  k: Keys;
  index: IdentityIndex;
  full: boolean;
  runId: string;
  /**
   * Full runs only: SADDs to reverse indexes and membership sets gathered over many batches and
   * sent per key (a key's members come from all over the hash). Safe to lose in a crash: a full
   * run is redone until it completes, and it adds every present record's keys and membership.
   * Removals are never deferred.
   */
  pending: Pending | null;
  /**
   * Full runs only: match counts of the present records resolved, and how many were resolved per
   * kind; used instead of a recount when every stored match is one of them (checked by HLEN).
   */
  tally: { counts: Map<string, number>; records: Map<ResolvableKind, number> } | null;
  /**
   * Mixpanel day activities of one run: what an activity resolves to and the lookup keys it
   * reads, by person and account property (see activityMemoKey). Profiles are resolved before
   * activities, so within a run the parent an activity reads is the same for every day of a person.
   */
  activities: Map<string, ActivityOutcome> | null;
}

interface ActivityOutcome {
  match: StoredMatch;
  text: string;
  keys: string[];
}

/** At most this many people's activity outcomes are kept in a run (then the memo starts again). */
const ACTIVITY_MEMO_MAX = 200_000;

/**
 * The memo key of an activity: everything its resolution and lookup keys depend on besides the
 * index and its profile's match (its distinct id and account property; src/identity/index.ts
 * keysOf). Null for a record the memo must not answer: another kind, or an activity pinned by a
 * manual rule of its own.
 */
function activityMemoKey(env: Env, record: ResolvableRecord | null): string | null {
  if (env.activities === null || record === null || record.kind !== 'mixpanel.activity') return null;
  if (env.index.pinnedRecords.size > 0 && env.index.pinnedRecords.has(`${record.kind}:${record.id}`)) return null;
  return `${record.distinctId}\u0000${record.accountId ?? ''}`;
}

/** Deferred SADD members of a full run: by lookup key, and by account for the kind being resolved. */
interface Pending {
  refs: Map<string, string[]>;
  members: Map<string, string[]>;
  count: number;
}

function push(map: Map<string, string[]>, key: string, member: string): void {
  const list = map.get(key);
  if (list) list.push(member);
  else map.set(key, [member]);
}

interface SetOps {
  add: string[];
  rem: string[];
}

function op(map: Map<string, SetOps>, key: string): SetOps {
  let o = map.get(key);
  if (!o) {
    o = { add: [], rem: [] };
    map.set(key, o);
  }
  return o;
}

interface BatchOutcome {
  processed: number;
  changed: number;
  /**
   * The batch's writes (sent, in order, on the one connection every later read of the run uses):
   * settled when Redis has applied them and the log lines are appended.
   */
  settled: Promise<void>;
}

/**
 * Writes behind: the next batch is read and resolved while Redis applies the previous batch's
 * writes. Commands keep their order on the connection, so every later read sees them; at most one
 * batch is in flight, and a failed write fails the run at the next batch or at drain().
 */
class WritesBehind {
  private last: Promise<void> | null = null;
  async push(settled: Promise<void>): Promise<void> {
    settled.catch(() => undefined); // awaited below or in drain(): not an unhandled rejection meanwhile
    const previous = this.last;
    this.last = settled;
    await previous;
  }
  async drain(): Promise<void> {
    const last = this.last;
    this.last = null;
    await last;
  }
}

/** Parent resolutions of a batch, read from the stored matches (parent kinds are resolved first). */
async function parentsFor(env: Env, records: ResolvableRecord[]): Promise<Parents> {
  const wanted: Record<'o' | 'u' | 'p', Set<string>> = { o: new Set(), u: new Set(), p: new Set() };
  for (const r of records) {
    for (const p of keysOf(r, NO_PARENTS).parents) {
      if (p.id === null) continue;
      if (p.label === 'organization') wanted.o.add(p.id);
      else if (p.label === 'requester') wanted.u.add(p.id);
      else wanted.p.add(p.id);
    }
  }
  const load = async (kind: ResolvableKind, ids: Set<string>): Promise<Map<string, Resolution>> => {
    const list = [...ids];
    const out = new Map<string, Resolution>();
    if (list.length === 0) return out;
    const texts = await env.ctx.redis.hmget(env.k.matches(kind), ...list);
    list.forEach((id, i) => {
      const m = parseMatch(texts[i]);
      if (m) out.set(id, fromStoredMatch(kind, id, m));
    });
    return out;
  };
  const [orgs, users, profiles] = await Promise.all([load('zendesk.organization', wanted.o), load('zendesk.user', wanted.u), load('mixpanel.profile', wanted.p)]);
  return { organization: (id) => orgs.get(id), user: (id) => users.get(id), profile: (id) => profiles.get(id) };
}

/**
 * Resolves a batch of ids of one kind (a missing record drops its match) and saves, per batch
 * in one MULTI: the matches that changed, the records' lookup keys and the reverse indexes, the
 * per-account membership and dirty accounts, the match counts, and the children to re-resolve.
 */
async function resolveBatch(env: Env, kind: ResolvableKind, ids: string[], contentDirty: ReadonlySet<string>, scanned?: Array<string | null>): Promise<BatchOutcome> {
  const { ctx, k } = env;
  // An activity's lookup keys follow from its id (src/identity/lookup-keys.ts): no stored list to read.
  const derived = kind === 'mixpanel.activity';
  // Records the caller already read (a full run's HSCAN of the records hash) are not read again.
  const reads = ctx.redis.multi();
  if (!scanned) reads.hmget(k.records(kind), ...ids);
  reads.hmget(k.matches(kind), ...ids);
  if (!derived) reads.hmget(k.deps(kind), ...ids);
  const replies = ((await reads.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as Array<string | null>;
  });
  const [recTexts = [], matchTexts = [], depTexts = []] = scanned ? [scanned, ...replies] : replies;
  // An activity is read from its id when its text confirms it (its counts and names are not resolved on).
  const records = recTexts.map((t, i): RecordOf<ResolvableKind> | null => (t === null ? null : derived ? activityIdentity(ids[i] as string, t) : (JSON.parse(t) as RecordOf<ResolvableKind>)));
  // Activities of a person already resolved in this run need neither their parent nor the rules.
  const memoKeys = records.map((r) => activityMemoKey(env, r));
  const memo = env.activities;
  const parents = await parentsFor(env, records.filter((r, i): r is ResolvableRecord => r !== null && !memo?.has(memoKeys[i] ?? '')));

  // Writes are grouped per key (one HSET of the batch's matches, one SADD per lookup key or
  // account), so a batch costs a few hundred commands, not several per record.
  const changedParents: string[] = [];
  const logLines: Array<{ id: string; match: StoredMatch }> = [];
  const matchSet: string[] = [];
  const matchDel: string[] = [];
  const depsSet: string[] = [];
  const depsDel: string[] = [];
  const counts = new Map<string, number>();
  // Set changes by lookup key (reverse indexes) and by account (membership): the Redis key names
  // are built once per key at the end, not once per record.
  const refOps = new Map<string, SetOps>();
  const memberOps = new Map<string, SetOps>();
  const pending = env.pending;
  const tally = env.tally;
  const fieldOfText = new Map<string, string>();
  const touched = new Set<string>();
  const addRef = (key: string, ref: string): void => {
    if (!pending) op(refOps, key).add.push(ref);
    else {
      push(pending.refs, key, ref);
      pending.count += 1;
    }
  };
  const addMember = (accountId: string, member: string): void => {
    if (!pending) op(memberOps, accountId).add.push(member);
    else {
      push(pending.members, accountId, member);
      pending.count += 1;
    }
  };
  let changed = 0;
  ids.forEach((id, i) => {
    const record = records[i] ?? null;
    const beforeText = matchTexts[i] ?? null;
    const memoKey = memoKeys[i] ?? null;
    let outcome = memoKey === null ? undefined : memo?.get(memoKey);
    if (record !== null && outcome === undefined) {
      const match = toStoredMatch(resolveKeys(env.index, kind, id, keysOf(record, parents), false));
      outcome = { match, text: JSON.stringify(match), keys: lookupKeysOf(record) };
      if (memo && memoKey !== null) {
        if (memo.size >= ACTIVITY_MEMO_MAX) memo.clear();
        memo.set(memoKey, outcome);
      }
    }
    const after = record === null ? null : (outcome?.match ?? null);
    const afterText = outcome?.text ?? null;
    // An unchanged match need not be parsed: it is the one just computed.
    const before = beforeText === afterText ? after : parseMatch(beforeText);
    const ref = `${kind}:${id}`;
    if (tally && after) {
      // A few match texts repeat over all the records of a kind: their count field is looked up by text.
      let field = fieldOfText.get(afterText as string);
      if (field === undefined) {
        field = countField(kind, after);
        fieldOfText.set(afterText as string, field);
      }
      tally.counts.set(field, (tally.counts.get(field) ?? 0) + 1);
      tally.records.set(kind, (tally.records.get(kind) ?? 0) + 1);
    }

    if (beforeText !== afterText) {
      changed += 1;
      if (after === null) matchDel.push(id);
      else matchSet.push(id, afterText as string);
      if (before) counts.set(countField(kind, before), (counts.get(countField(kind, before)) ?? 0) - 1);
      if (after) counts.set(countField(kind, after), (counts.get(countField(kind, after)) ?? 0) + 1);
      if (CHILD_KEY[kind]) changedParents.push(id);
      if (after && kind !== 'mixpanel.activity') logLines.push({ id, match: after });
    }

    const newKeys = outcome?.keys ?? [];
    if (derived) {
      // Indexed when its match is first stored (same MULTI), and again by a full run; the same id always has the same keys.
      if (record !== null && (before === null || env.full)) for (const key of newKeys) addRef(key, ref);
      if (record === null && before !== null) for (const key of activityLookupKeys(id) ?? []) op(refOps, key).rem.push(ref);
    } else {
      const oldKeys = parseKeys(depTexts[i]);
      if (JSON.stringify(oldKeys) !== JSON.stringify(newKeys)) {
        const kept = new Set(newKeys);
        const old = new Set(oldKeys);
        for (const key of oldKeys) if (!kept.has(key)) op(refOps, key).rem.push(ref);
        for (const key of newKeys) if (!old.has(key) || pending) addRef(key, ref);
        if (record === null) depsDel.push(id);
        else depsSet.push(id, JSON.stringify(newKeys));
      } else if (pending) for (const key of newKeys) addRef(key, ref);
    }

    if (SCORED.has(kind)) {
      const was = before?.a ?? null;
      const now = after?.a ?? null;
      if (was !== now) {
        if (was) {
          op(memberOps, was).rem.push(id);
          touched.add(was);
        }
        if (now) {
          addMember(now, id);
          touched.add(now);
        }
      } else if (now) {
        if (pending) addMember(now, id);
        if (contentDirty.has(id)) touched.add(now);
      }
    }
  });

  const m = ctx.redis.multi();
  if (matchSet.length > 0) m.hset(k.matches(kind), ...matchSet);
  if (matchDel.length > 0) m.hdel(k.matches(kind), ...matchDel);
  if (depsSet.length > 0) m.hset(k.deps(kind), ...depsSet);
  if (depsDel.length > 0) m.hdel(k.deps(kind), ...depsDel);
  // A full run recounts at its end (and is redone until it finishes): no per-batch deltas.
  if (!env.full) for (const [field, delta] of counts) if (delta !== 0) m.hincrby(k.matchCounts, field, delta);
  const send = (key: string, o: SetOps): void => {
    if (o.rem.length > 0) m.srem(key, ...o.rem);
    if (o.add.length > 0) m.sadd(key, ...o.add);
  };
  for (const [lookupKey, o] of refOps) send(k.refs(lookupKey), o);
  for (const [accountId, o] of memberOps) send(k.members(accountId, kind), o);
  // A full run rescored every account anyway (it asks score for a full stage).
  if (!env.full && touched.size > 0) m.sadd(k.dirtyAccounts, ...touched);

  // Children of a parent whose match changed are re-resolved later in this run: marked in the
  // same MULTI as the parent's new match, so a crash cannot lose them.
  const prefix = CHILD_KEY[kind];
  if (!env.full && prefix && changedParents.length > 0) {
    const p = ctx.redis.pipeline();
    for (const id of changedParents) p.smembers(k.refs(`${prefix}:${id}`));
    const results = (await p.exec()) ?? [];
    const refs: string[] = [];
    for (const [err, members] of results) {
      if (err) throw err;
      refs.push(...(members as string[]));
    }
    for (const [childKind, childIds] of byKind(refs)) inChunks(childIds, CHUNK, (slice) => m.sadd(k.taken(childKind), ...slice));
  }
  const written = m.exec();

  const logged = ctx.logs.append(
    logLines.slice(0, 5000).map(({ id, match }) => ({
      runId: env.runId,
      status: match.a ? ('ok' as const) : ('unmatched' as const),
      source: kind.split('.')[0] ?? null,
      kind,
      recordId: id,
      accountId: match.a,
      message: match.a
        ? `${kind}:${id} matched to ${match.a} by ${match.m ?? 'unknown'}`
        : `${kind}:${id} unmatched: ${match.r ?? 'unknown'}${match.c && match.c.length > 0 ? ` (candidates ${match.c.join(', ')})` : ''}`,
    })),
  );
  return { processed: ids.length, changed, settled: Promise.all([written, logged]).then(() => undefined) };
}

/** Sends the SADDs a full run deferred (see Env.pending). */
async function flushPending(env: Env, kind: ResolvableKind): Promise<void> {
  const p = env.pending;
  if (!p || p.count === 0) return;
  const m = env.ctx.redis.pipeline();
  // Mostly sets of one or two members: a script call per batch of sets (src/store/set-adds.ts).
  addToSets(m, p.refs, (lookupKey) => env.k.refs(lookupKey));
  addToSets(m, p.members, (accountId) => env.k.members(accountId, kind));
  p.refs.clear();
  p.members.clear();
  p.count = 0;
  await m.exec();
}

/** `kind:id` references grouped by resolved kind (a reference to any other kind is ignored). */
function byKind(refs: readonly string[]): Map<ResolvableKind, string[]> {
  const out = new Map<ResolvableKind, string[]>();
  for (const ref of refs) {
    const cut = ref.indexOf(':');
    const kind = ref.slice(0, cut) as ResolvableKind;
    if (!(RESOLVED_KINDS as readonly string[]).includes(kind)) continue;
    const list = out.get(kind);
    if (list) list.push(ref.slice(cut + 1));
    else out.set(kind, [ref.slice(cut + 1)]);
  }
  return out;
}

/** A hash's entries in HSCAN batches: ids and their values. */
async function* hashEntries(env: Env, key: string): AsyncGenerator<{ ids: string[]; values: string[] }> {
  const scan = (cursor: string): Promise<[string, string[]]> => {
    const reply = env.ctx.redis.hscan(key, cursor, 'COUNT', BATCH);
    reply.catch(() => undefined); // awaited below; not an unhandled rejection if the consumer stops first
    return reply;
  };
  let reply = scan('0');
  let cursor: string;
  do {
    const [next, flat] = await reply;
    cursor = next;
    // The next page is read while this one is resolved.
    if (cursor !== '0') reply = scan(cursor);
    const ids: string[] = [];
    const values: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      ids.push(flat[i] as string);
      values.push(flat[i + 1] as string);
    }
    if (ids.length > 0) yield { ids, values };
  } while (cursor !== '0');
}

/**
 * One HSCAN step over a matches hash, in Redis: the ids whose record is absent from the records
 * hash. Only those ids travel, not the matches and records themselves.
 */
const GONE_MATCHES_SCRIPT = `
local r = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local flat = r[2]
local gone = {}
for i = 1, #flat, 2 do
  if redis.call('HEXISTS', KEYS[2], flat[i]) == 0 then gone[#gone + 1] = flat[i] end
end
return {r[1], gone}`;
const goneReplySchema = z.tuple([z.string(), z.array(z.string())]);

/**
 * Full runs, after the records pass of a kind: whether every stored match belongs to a record it
 * resolved, so that no match of a gone record is left. Each present record resolved has a stored
 * match; when matches, records and records resolved are as many, there is no other match (a record
 * HSCAN returned twice would make the counts differ, and the hash is then checked in full).
 */
async function everyMatchResolved(env: Env, kind: ResolvableKind): Promise<boolean> {
  const resolved = env.tally?.records.get(kind) ?? 0;
  const [matches, records] = ((await env.ctx.redis.pipeline().hlen(env.k.matches(kind)).hlen(env.k.records(kind)).exec()) ?? []).map(([err, n]) => {
    if (err) throw err;
    return Number(n);
  });
  return env.tally !== null && matches === resolved && records === resolved;
}

/** Ids of stored matches whose record is gone, in batches. */
async function* goneMatches(env: Env, kind: ResolvableKind): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, gone] = goneReplySchema.parse(await env.ctx.redis.eval(GONE_MATCHES_SCRIPT, 2, env.k.matches(kind), env.k.records(kind), cursor, String(5 * BATCH)));
    cursor = next;
    if (gone.length > 0) yield gone;
  } while (cursor !== '0');
}

/** Match counts recomputed from the stored matches (a full run ends with them). */
async function recount(env: Env): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const kind of RESOLVED_KINDS) {
    let cursor = '0';
    do {
      const [next, flat] = await env.ctx.redis.hscan(env.k.matches(kind), cursor, 'COUNT', BATCH);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) {
        const field = countField(kind, parseStoredMatch(flat[i] as string));
        counts.set(field, (counts.get(field) ?? 0) + 1);
      }
    } while (cursor !== '0');
  }
  return counts;
}

/**
 * A full run's match counts: what it tallied while resolving, when every stored match is one it
 * tallied (per kind, as many stored matches as records resolved: no match of a gone record left,
 * no record seen twice by HSCAN); else recounted from the stored matches.
 */
async function fullCounts(env: Env): Promise<Map<string, number>> {
  const tally = env.tally;
  if (!tally) return recount(env);
  const p = env.ctx.redis.pipeline();
  for (const kind of RESOLVED_KINDS) p.hlen(env.k.matches(kind));
  const lengths = ((await p.exec()) ?? []).map(([err, n]) => {
    if (err) throw err;
    return Number(n);
  });
  const exact = RESOLVED_KINDS.every((kind, i) => lengths[i] === (tally.records.get(kind) ?? 0));
  return exact ? tally.counts : recount(env);
}

async function summaryFromCounts(env: Env, changed: number, records: number): Promise<ResolveSummary> {
  const flat = await env.ctx.redis.hgetall(env.k.matchCounts);
  const summary: ResolveSummary = { resolved: 0, unmatched: 0, changed, byMethod: {}, byReason: {}, records, full: env.full };
  for (const [field, text] of Object.entries(flat)) {
    const [, type, name = 'unknown'] = field.split('|');
    const n = Number(text);
    if (n === 0) continue;
    if (type === 'm') {
      summary.resolved += n;
      summary.byMethod[name] = (summary.byMethod[name] ?? 0) + n;
    } else {
      summary.unmatched += n;
      summary.byReason[name] = (summary.byReason[name] ?? 0) + n;
    }
  }
  return summary;
}

export async function resolveRun(ctx: SyncContext, runId: string): Promise<ResolveSummary> {
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'resolve' });
  const k = keys(ctx.prefix);
  const requestedFull = (await ctx.runs.get(runId))?.full ?? false;
  const inputs = await stageInputs(ctx, 'resolve');
  const kept = requestedFull ? null : await unchangedSummary<ResolveSummary>(ctx, 'resolve', inputs);
  if (kept) {
    await ctx.runs.set(runId, { resolved: kept.resolved, unmatched: kept.unmatched, 'resolve.kept': 1, 'resolve.records': 0, 'ms.resolve': Date.now() - started });
    return kept;
  }
  const full = requestedFull || (await ctx.state.getSetting('resolve:format')) !== RESOLVE_FORMAT;
  // Until a full run completes, every run is full (a full run keeps no per-batch match counts).
  if (full) await ctx.redis.hdel(k.settings, 'resolve:format');

  // Take the dirty ids (merged with what an interrupted try left taken).
  const take = ctx.redis.multi();
  for (const kind of RESOLVED_KINDS) take.sunionstore(k.taken(kind), k.taken(kind), k.dirty(kind)).del(k.dirty(kind));
  await take.exec();

  // The index from the CRM data and the snapshot keys whose answer changed (src/sync/identity-cache.ts).
  const identity = await identityForRun(ctx, k, full);
  const { index, snapshot, changedKeys } = identity;
  const env: Env = {
    ctx, k, index, full, runId, pending: full ? { refs: new Map(), members: new Map(), count: 0 } : null, activities: new Map(), tally: full ? { counts: new Map(), records: new Map() } : null,
  };

  // What changed in the records themselves (their accounts are rescored even if the match stays).
  // A full run rescored every account: it needs no list of them.
  const contentDirty = new Map<ResolvableKind, Set<string>>();
  if (!full) for (const kind of RESOLVED_KINDS) contentDirty.set(kind, new Set(await ctx.redis.smembers(k.taken(kind))));

  if (!full && changedKeys.length > 0) {
    // Records that read a lookup key whose answer changed, and records pinned by a changed pin.
    const add = ctx.redis.multi();
    const p = ctx.redis.pipeline();
    const refs: string[] = [];
    for (const key of changedKeys) {
      if (key.startsWith('pin:')) refs.push(key.slice(4));
      else if (key.startsWith('po:')) refs.push(`zendesk.organization:${key.slice(3)}`);
      else p.smembers(k.refs(key));
    }
    for (const [err, members] of (await p.exec()) ?? []) {
      if (err) throw err;
      refs.push(...(members as string[]));
    }
    for (const [kind, ids] of byKind(refs)) inChunks(ids, CHUNK, (slice) => add.sadd(k.taken(kind), ...slice));
    await add.exec();
  }

  let changed = 0;
  let processed = 0;
  /** One chain of kinds, parents before children, with its own deferred SADDs and writes behind. */
  const resolveChain = async (kinds: readonly ResolvableKind[]): Promise<void> => {
    const chain: Env = { ...env, pending: full ? { refs: new Map(), members: new Map(), count: 0 } : null };
    const behind = new WritesBehind();
    const tally = async (o: BatchOutcome): Promise<void> => {
      changed += o.changed;
      processed += o.processed;
      await behind.push(o.settled);
    };
    for (const kind of kinds) {
      const dirty = contentDirty.get(kind) ?? new Set<string>();
      if (full) {
        for await (const { ids, values } of hashEntries(chain, k.records(kind))) {
          await tally(await resolveBatch(chain, kind, ids, dirty, values));
          if ((chain.pending?.count ?? 0) > PENDING_LIMIT) await flushPending(chain, kind);
        }
        await behind.drain();
        // Matches of records that are gone: none when there are as many matches as records, all resolved.
        if (!(await everyMatchResolved(chain, kind))) for await (const gone of goneMatches(chain, kind)) await tally(await resolveBatch(chain, kind, gone, dirty));
        await flushPending(chain, kind);
      } else {
        const ids = await ctx.redis.smembers(k.taken(kind));
        for (let i = 0; i < ids.length; i += BATCH) await tally(await resolveBatch(chain, kind, ids.slice(i, i + BATCH), dirty));
      }
      await behind.drain();
    }
  };
  // The chains share no record kind and no parent: they run side by side, so one chain's batches
  // are resolved while Redis answers the other's. Both end (or fail) before anything is marked done.
  const outcomes = await Promise.allSettled(RESOLVE_CHAINS.map((kinds) => resolveChain(kinds)));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;

  // Everything is saved: now the snapshot, then the taken ids are done.
  const done = ctx.redis.multi();
  if (full) {
    done.del(k.identitySnapshot, k.matchCounts, k.deps('mixpanel.activity'));
    const counts = await fullCounts(env);
    inChunks([...counts].flatMap(([f, n]) => [f, String(n)]), 2 * CHUNK, (slice) => done.hset(k.matchCounts, ...slice));
  } else {
    const gone = changedKeys.filter((key) => !snapshot.has(key));
    inChunks(gone, CHUNK, (slice) => done.hdel(k.identitySnapshot, ...slice));
  }
  const flat: string[] = [];
  for (const key of full ? snapshot.keys() : changedKeys) {
    const v = snapshot.get(key);
    if (v !== undefined) flat.push(key, v);
  }
  inChunks(flat, 2 * CHUNK, (slice) => done.hset(k.identitySnapshot, ...slice));
  identity.saveToken(done);
  if (full) done.hset(k.settings, 'resolve:format', RESOLVE_FORMAT, 'score:full-requested', '1');
  for (const kind of RESOLVED_KINDS) done.del(k.taken(kind));
  await done.exec();
  await identity.keep();

  const summary = await summaryFromCounts(env, changed, processed);
  const counters: Record<string, number> = {
    resolved: summary.resolved, unmatched: summary.unmatched, 'resolve.records': processed, 'resolve.changed': changed, 'resolve.full': full ? 1 : 0, 'ms.resolve': Date.now() - started,
  };
  for (const [reason, n] of Object.entries(summary.byReason)) counters[`unmatched.${reason}`] = n;
  await ctx.runs.set(runId, counters);
  await markStageDone(ctx, 'resolve', inputs, summary);
  return summary;
}

/**
 * Drops what resolve derived from records that were just removed outside a sync (`forget`):
 * their matches, lookup keys and account membership; their accounts are rescored by the next score.
 */
export async function dropResolved(ctx: SyncContext, kind: RecordKind, ids: string[]): Promise<void> {
  if (!(RESOLVED_KINDS as readonly RecordKind[]).includes(kind) || ids.length === 0) return;
  const empty = buildIdentityIndex({ accounts: [], contacts: [], zendeskOrganizations: [], manualRules: [] });
  const env: Env = { ctx, k: keys(ctx.prefix), index: empty, full: false, runId: 'forget', pending: null, activities: null, tally: null };
  for (let i = 0; i < ids.length; i += BATCH) await (await resolveBatch(env, kind as ResolvableKind, ids.slice(i, i + BATCH), new Set())).settled;
}
