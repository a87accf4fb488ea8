/**
 * Write-back candidates: the accounts whose write-back plan may differ from "nothing to do", so
 * that an incremental write-back plans those only and gets exactly the plan of every account.
 *
 * Marks: a sorted set account -> the mark sequence number of its latest mark. Every change of
 * what planning reads of an account marks it in the same atomic step as the change: its Account
 * record (the record store's upsert script, deletions and merges included), its desired values
 * (only when they differ from the stored ones), what Tidemark last wrote, its write failure. The
 * sequence (INCR) is separate from the records version, which is resolve's and score's input.
 *
 * Consuming: a plan reads the set and the sequence together (one MULTI); its marks are those up
 * to that sequence number. Once the write-back that used the plan has committed its results, the
 * accounts it planned with nothing to do (no change, no manual edit, no agreed value) are removed,
 * but only while their mark is not newer than the plan's (a change after the plan read keeps its
 * newer mark); accounts with something to do stay, so the next plan reads them again (a change
 * deferred by the budget, waiting for a retry, a respected manual edit: and the time stamp a change
 * carries is the next run's). A run that dies before its commit removes nothing. A full plan
 * replaces the set by the accounts it found something to do for (plus the marks newer than it).
 *
 * The plan state (hash): the format, a fingerprint of the global inputs (mapping, types, model,
 * options), the records' epoch and the count of full plans requested, as of the last full plan
 * committed. A plan is full when any of them differs (or is missing): see writeback.ts.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { LUA_SLICE } from './chunks.ts';
import type { Keys } from './keys.ts';

/** Bumped when what the candidates mean changes: every state of an older format plans in full once. */
export const WRITEBACK_CANDIDATES_FORMAT = '1';

/** Lua: marks the ids in `list` on `cand` with the next number of `seq` (the caller has the ids). */
const MARK_FN = `
local function mark(cand, seq, list)
  if #list == 0 then return end
  local s = redis.call('INCR', seq)
  local step = ${LUA_SLICE / 2}
  for i = 1, #list, step do
    local scored = {}
    for j = i, math.min(i + step - 1, #list) do scored[#scored + 1] = s; scored[#scored + 1] = list[j] end
    redis.call('ZADD', cand, unpack(scored))
  end
end
`;

/** KEYS: candidates, mark sequence. ARGV: the account ids. */
const MARK_SCRIPT = `${MARK_FN}
local ids = {}
for i = 1, #ARGV do ids[i] = ARGV[i] end
mark(KEYS[1], KEYS[2], ids)
return #ids`;

/**
 * KEYS: a hash, candidates, mark sequence. ARGV: id, text pairs. Sets the fields whose text
 * differs from the stored one and marks their ids; returns how many changed.
 */
const SET_CHANGED_SCRIPT = `${MARK_FN}
local hash = KEYS[1]
local changed, writes = {}, {}
local step = ${LUA_SLICE / 2}
for i = 1, #ARGV, 2 * step do
  local j = math.min(i + 2 * step - 1, #ARGV)
  local ids = {}
  for x = i, j, 2 do ids[#ids + 1] = ARGV[x] end
  local old = redis.call('HMGET', hash, unpack(ids))
  for n = 1, #ids do
    local text = ARGV[i + 2 * n - 1]
    if old[n] ~= text then
      changed[#changed + 1] = ids[n]
      writes[#writes + 1] = ids[n]
      writes[#writes + 1] = text
    end
  end
end
for i = 1, #writes, 2 * step do redis.call('HSET', hash, unpack(writes, i, math.min(i + 2 * step - 1, #writes))) end
mark(KEYS[2], KEYS[3], changed)
return #changed`;

/**
 * KEYS: candidates, plan state. ARGV: the plan's mark sequence number, 'full' or 'incremental',
 * fingerprint, epoch, full requests seen, format, the number r of ids planned with nothing to do,
 * those r ids, then the ids planned with something to do.
 * Incremental: removes the r ids whose mark is not newer than the plan's, unless the plan state
 * is no longer the one the plan was made under (then nothing is removed). Full: removes every
 * mark not newer than the plan's but those with something to do, and stores the plan state.
 * Both add the ids with something to do that are missing, with the plan's number.
 */
const COMMIT_SCRIPT = `
local cand, state = KEYS[1], KEYS[2]
local seq = tonumber(ARGV[1])
local r = tonumber(ARGV[7])
local keep = {}
for i = 8 + r, #ARGV do keep[ARGV[i]] = true end
if ARGV[2] == 'full' then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', cand, '-inf', seq)) do
    if not keep[id] then redis.call('ZREM', cand, id) end
  end
  redis.call('HSET', state, 'format', ARGV[6], 'fingerprint', ARGV[3], 'epoch', ARGV[4], 'fullSeen', ARGV[5])
else
  local stored = redis.call('HMGET', state, 'format', 'fingerprint', 'epoch', 'fullSeen')
  if stored[1] ~= ARGV[6] or stored[2] ~= ARGV[3] or stored[3] ~= ARGV[4] or stored[4] ~= ARGV[5] then return 0 end
  for i = 8, 7 + r do
    local score = redis.call('ZSCORE', cand, ARGV[i])
    if score and tonumber(score) <= seq then redis.call('ZREM', cand, ARGV[i]) end
  end
end
for i = 8 + r, #ARGV do redis.call('ZADD', cand, 'NX', seq, ARGV[i]) end
return 1`;

/** Adds to `m` the marking of `ids` (to run in the MULTI of the change that marks them). */
export function markCandidates(m: ChainableCommander, k: Keys, ids: readonly string[]): void {
  for (let i = 0; i < ids.length; i += LUA_SLICE) m.eval(MARK_SCRIPT, 2, k.writebackCandidates, k.writebackMarkSeq, ...ids.slice(i, i + LUA_SLICE));
}

/** Sets the hash fields whose text changed and marks their ids, atomically; returns how many changed. */
export async function setChangedAndMark(redis: Redis, k: Keys, hash: string, entries: ReadonlyArray<[string, string]>): Promise<number> {
  let changed = 0;
  for (let i = 0; i < entries.length; i += LUA_SLICE / 2) {
    const flat = entries.slice(i, i + LUA_SLICE / 2).flat();
    changed += Number(await redis.eval(SET_CHANGED_SCRIPT, 3, hash, k.writebackCandidates, k.writebackMarkSeq, ...flat));
  }
  return changed;
}

export interface StoredPlanState {
  format: string;
  fingerprint: string;
  epoch: string;
  fullSeen: string;
}

export interface CandidateSnapshot {
  /** The mark sequence number when the plan read the candidates: its marks are those up to it. */
  seq: number;
  /** The marked accounts (sorted). */
  ids: string[];
  /** The state of the last full plan committed; null when missing or incomplete. */
  stored: StoredPlanState | null;
  /** The records' lineage token now (ident:epoch: dropped by removeAll and forget). */
  epoch: string;
  /** Full plans requested so far. */
  fullRequests: string;
}

function reply<T>(results: Array<[Error | null, unknown]> | null, i: number): T {
  const entry = results?.[i];
  if (!entry) throw new Error('write-back candidates: missing reply');
  if (entry[0]) throw entry[0];
  return entry[1] as T;
}

/** The candidates, their sequence number and the plan state, read together. */
export async function readCandidates(redis: Redis, k: Keys, epochToken: string): Promise<CandidateSnapshot> {
  const results = await redis
    .multi()
    .set(k.identityEpoch, epochToken, 'NX')
    .get(k.identityEpoch)
    .get(k.writebackMarkSeq)
    .zrange(k.writebackCandidates, 0, -1)
    .hgetall(k.writebackPlanState)
    .get(k.writebackFullRequests)
    .exec();
  const state = reply<Record<string, string>>(results, 4);
  const { format, fingerprint, epoch, fullSeen } = state;
  return {
    epoch: reply<string>(results, 1),
    seq: Number(reply<string | null>(results, 2) ?? 0),
    ids: reply<string[]>(results, 3).sort(),
    stored: format !== undefined && fingerprint !== undefined && epoch !== undefined && fullSeen !== undefined ? { format, fingerprint, epoch, fullSeen } : null,
    fullRequests: reply<string | null>(results, 5) ?? '0',
  };
}

export interface CandidateCommit {
  full: boolean;
  fingerprint: string;
  /** Accounts planned with nothing to do (incremental commits only read it). */
  idle: readonly string[];
  /** Accounts planned with something to do. */
  active: readonly string[];
}

/** After the write-back that used the plan has committed its results: see COMMIT_SCRIPT. */
export async function commitCandidates(redis: Redis, k: Keys, snapshot: CandidateSnapshot, commit: CandidateCommit): Promise<void> {
  const idle = commit.full ? [] : commit.idle;
  const head = [COMMIT_SCRIPT, '2', k.writebackCandidates, k.writebackPlanState, String(snapshot.seq), commit.full ? 'full' : 'incremental', commit.fingerprint, snapshot.epoch, snapshot.fullRequests, WRITEBACK_CANDIDATES_FORMAT, String(idle.length)];
  // One array (ioredis sends it as is): the id lists are as long as the data, never spread into a call.
  await redis.call('EVAL', head.concat(idle, commit.active));
}

/** The next write-back plans every account (a revert, a paused write-back). */
export async function requestFullWriteback(redis: Redis, k: Keys): Promise<void> {
  await redis.incr(k.writebackFullRequests);
}
