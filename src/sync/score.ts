/**
 * The score stage: per live account, its resolved records -> signals, health (score, band,
 * trend, drivers) and success plan with the pure functions of src/signals, src/health and
 * src/plans, and the values Tidemark wants in Salesforce are stored.
 *
 * Incremental (the default): only accounts whose inputs changed are rescored: those resolve
 * marked (`dirty:accounts`: records that moved into or out of them, changed records matched to
 * them) and those whose CRM records changed in what scoring reads of them (the account, its
 * contacts, opportunities and line items; a contact or opportunity that moved marks its old
 * account too, remembered in `crm-owners` with a fingerprint of the record's score inputs). Every
 * live account is rescored, in batches of accounts, when the UTC day, the model, the plan
 * look-back or the enabled sources changed, when a Salesforce user changed, after a full resolve
 * and on `sync --full`: so every account is rescored at least once per UTC day.
 *
 * A full stage loads the CRM side of every account once. An incremental one loads, per batch, the
 * CRM side of the batch's accounts only, through the owner index `crm-members` (per account its
 * contacts and opportunities, per opportunity its line items): it is kept in step with
 * `crm-owners` in the same MULTI (and rebuilt with it by a full stage), and brought up to date
 * with the taken CRM changes before any bundle is read, so it names exactly the stored records'
 * owners as of the take.
 *
 * Crash safety: the dirty ids are moved into `taken:*` sets and dropped only when every account
 * they name is saved; a re-run rescored them again (a full re-run stays full until it finishes).
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RecordKind, RecordOf, SalesforceAccount, SalesforceContact, SalesforceOpportunity } from '../contracts/records.ts';
import { contactScoreInputs } from '../signals/compute-signals.ts';
import { buildSuccessPlan, opportunityScoreInputs } from '../plans/success-plan.ts';
import { stopIfLockLost } from '../contracts/errors.ts';
import { computeAccountHealth } from '../health/account-health.ts';
import { defaultHealthModel } from '../health/model.ts';
import { CHUNK, inChunks } from '../store/chunks.ts';
import { keys } from '../store/keys.ts';
import type { DesiredValues, ScoreSnapshot } from '../store/state-store.ts';
import { bundlesFor, loadCrm, loadCrmBase, loadCrmOf, OWNED_KINDS, ownerOf, type CrmData, type OwnedKind } from './account-bundles.ts';
import type { SyncContext } from './context.ts';
import { pruneActivities } from './activity-retention.ts';
import { markStageDone, stageInputs, unchangedSummary } from './stage-inputs.ts';

const DAY_MS = 24 * 3600_000;
/** 2: the owner index `crm-members` (a state without it is rebuilt by a full stage). */
const SCORE_FORMAT = '2';
const BATCH = 500;
const CRM_KINDS = ['salesforce.account', ...OWNED_KINDS, 'salesforce.user'] as const satisfies readonly RecordKind[];

export interface ScoreSummary {
  /** Live accounts whose stored scores are current after the stage. */
  accountsScored: number;
  /** Plans generated in this run. */
  plans: number;
  /** Accounts recomputed in this run (all of them in a full run). */
  rescored?: number;
  full?: boolean;
  /** Accounts gone from Salesforce (deleted, merged away) whose desired values were dropped. */
  dropped?: number;
}

/** What scoring reads of an Account (everything but the write-back fields it holds and its modstamp), hashed. */
function scoreInputsOf(account: SalesforceAccount): string {
  const { fields: _fields, modstamp: _modstamp, ...inputs } = account;
  return createHash('sha1').update(JSON.stringify(inputs)).digest('base64url').slice(0, 16);
}

function accountFingerprints(accounts: readonly SalesforceAccount[]): string[] {
  return accounts.flatMap((a) => [a.id, scoreInputsOf(a)]);
}

/**
 * What scoring reads of a CRM record an account owns, hashed: a contact's creation, deletion and
 * owner (contactScoreInputs), a live Closed Won opportunity's fields but its modstamp and of any
 * other opportunity only that it is not one (opportunityScoreInputs), a line item whole. A record
 * changed in nothing else (a contact's name, an open opportunity's next step, any modstamp) marks
 * no account.
 */
function ownedInputsOf(kind: OwnedKind, record: RecordOf<OwnedKind>): string {
  let view: unknown = record;
  if (kind === 'salesforce.contact') view = contactScoreInputs(record as SalesforceContact);
  else if (kind === 'salesforce.opportunity') view = opportunityScoreInputs(record as SalesforceOpportunity);
  return createHash('sha1').update(JSON.stringify(view)).digest('base64url').slice(0, 16);
}

/** A `crm-owners` entry: the owner and the fingerprint of the record's score inputs. */
const ownerEntry = (owner: string, inputs: string): string => `${owner}|${inputs}`;
/** The owner an entry names (entries of format 1 hold the bare owner). */
function entryOwner(entry: string | null): string | null {
  if (entry === null) return null;
  const bar = entry.indexOf('|');
  return bar < 0 ? entry : entry.slice(0, bar);
}

/** `kind:id` fields of `crm-owners` -> their kind and id. */
function ownerField(field: string): { kind: OwnedKind; id: string } | null {
  const kind = OWNED_KINDS.find((kd) => field.startsWith(`${kd}:`));
  return kind ? { kind, id: field.slice(kind.length + 1) } : null;
}

/**
 * A full stage rebuilds the owner map and its index (`crm-members`) from every record, and the
 * account fingerprints from every live account, in `m`.
 */
async function rebuildCrmOwners(ctx: SyncContext, crm: CrmData, m: ChainableCommander): Promise<void> {
  const k = keys(ctx.prefix);
  // The index sets of the owners the map names now go (the map and the index change together).
  const stale = new Set<string>();
  for (const [field, entry] of Object.entries(await ctx.redis.hgetall(k.crmOwners))) {
    const parsed = ownerField(field);
    const owner = entryOwner(entry);
    if (parsed && owner !== null) stale.add(k.crmMembers(owner, parsed.kind));
  }
  inChunks([...stale], CHUNK, (slice) => m.del(...slice));
  m.del(k.crmOwners).del(k.accountInputs);
  const flat: string[] = [];
  const members = new Map<string, string[]>();
  for (const kind of OWNED_KINDS) for await (const batch of ctx.records.scan(kind)) for (const r of batch) {
    const owner = ownerOf(kind, r);
    if (owner === null) continue;
    flat.push(`${kind}:${r.id}`, ownerEntry(owner, ownedInputsOf(kind, r)));
    const key = k.crmMembers(owner, kind);
    const list = members.get(key);
    if (list) list.push(r.id);
    else members.set(key, [r.id]);
  }
  inChunks(flat, 2 * CHUNK, (slice) => m.hset(k.crmOwners, ...slice));
  for (const [key, ids] of members) inChunks(ids, CHUNK, (slice) => m.sadd(key, ...slice));
  inChunks(accountFingerprints([...crm.accounts.values()]), 2 * CHUNK, (slice) => m.hset(k.accountInputs, ...slice));
}

/**
 * Accounts marked by changed CRM records, with the owner map and its index (`crm-members`) and
 * the account fingerprints brought up to date, in one MULTI with dropping the taken CRM ids. A
 * full stage (given every CRM record in `crm`) rebuilds them from every record instead.
 */
async function takeCrmChanges(ctx: SyncContext, crm: CrmData | null): Promise<void> {
  const k = keys(ctx.prefix);
  const m = ctx.redis.multi();
  const marked = new Set<string>();
  if (crm) {
    // The decision to rescore everything outlives a crash (the changes that caused it are consumed here).
    m.hset(k.settings, 'score:full-requested', '1');
    await rebuildCrmOwners(ctx, crm, m);
  } else {
    // An account whose only change is in fields Tidemark writes (its own write-back read back by
    // the next pull) or its modstamp changes no score input: it is not rescored for that.
    const ids = await ctx.redis.smembers(k.taken('salesforce.account'));
    for (let i = 0; i < ids.length; i += 2000) {
      const slice = ids.slice(i, i + 2000);
      const [records, before] = await Promise.all([ctx.records.getMany('salesforce.account', slice), ctx.redis.hmget(k.accountInputs, ...slice)]);
      slice.forEach((id, j) => {
        const record = records[j];
        const now = record && !record.isDeleted ? scoreInputsOf(record) : null;
        if (now !== null && now === before[j]) return;
        marked.add(id);
        if (now === null) m.hdel(k.accountInputs, id);
        else m.hset(k.accountInputs, id, now);
      });
    }
    for (const kind of OWNED_KINDS) {
      const ids = await ctx.redis.smembers(k.taken(kind));
      for (let i = 0; i < ids.length; i += 2000) {
        const slice = ids.slice(i, i + 2000);
        const [records, before] = await Promise.all([ctx.records.getMany(kind, slice), ctx.redis.hmget(k.crmOwners, ...slice.map((id) => `${kind}:${id}`))]);
        const owners = records.map((r) => (r ? ownerOf(kind, r) : null));
        // A line item's owner is an opportunity: the account is that opportunity's as stored now (deleted ones too).
        const accountOf = new Map<string, string | null>();
        if (kind === 'salesforce.opportunity_line_item') {
          const opps = [...new Set([...before.map(entryOwner), ...owners].filter((o): o is string => o !== null))];
          for (let o = 0; o < opps.length; o += 2000) {
            const slice = opps.slice(o, o + 2000);
            (await ctx.records.getMany('salesforce.opportunity', slice)).forEach((opp, n) => accountOf.set(slice[n] as string, opp?.accountId ?? null));
          }
        }
        slice.forEach((id, j) => {
          const record = records[j];
          const was = entryOwner(before[j] ?? null);
          const owner = owners[j] ?? null;
          const entry = record && owner !== null ? ownerEntry(owner, ownedInputsOf(kind, record)) : null;
          // Unchanged in owner and in everything scoring reads: no account to rescore.
          if (entry === (before[j] ?? null)) return;
          for (const o of [was, owner]) {
            const a = o !== null && kind === 'salesforce.opportunity_line_item' ? (accountOf.get(o) ?? null) : o;
            if (a) marked.add(a);
          }
          if (was !== null && was !== owner) m.srem(k.crmMembers(was, kind), id);
          if (entry === null || owner === null) m.hdel(k.crmOwners, `${kind}:${id}`);
          else m.hset(k.crmOwners, `${kind}:${id}`, entry).sadd(k.crmMembers(owner, kind), id);
        });
      }
    }
    inChunks([...marked], CHUNK, (slice) => m.sadd(k.takenAccounts, ...slice));
  }
  for (const kind of CRM_KINDS) m.del(k.taken(kind));
  await m.exec();
}

/** The live accounts among `ids`. */
async function liveAmong(ctx: SyncContext, ids: readonly string[]): Promise<Set<string>> {
  const live = new Set<string>();
  for (let i = 0; i < ids.length; i += 2000) {
    const slice = ids.slice(i, i + 2000);
    (await ctx.records.getMany('salesforce.account', slice)).forEach((a, j) => {
      if (a && !a.isDeleted) live.add(slice[j] as string);
    });
  }
  return live;
}

/** @param signal aborted when this worker lost the job's lock to another worker: no further batch is stored. */
export async function scoreRun(ctx: SyncContext, runId: string, signal?: AbortSignal): Promise<ScoreSummary> {
  const started = Date.now();
  await ctx.runs.update(runId, { stage: 'score' });
  // Activities older than the retention go first (resolve has matched every one of them by now).
  const pruned = await pruneActivities(ctx);
  if (pruned.days > 0) await ctx.runs.incr(runId, { 'pruned.mixpanel.days': pruned.days, 'pruned.mixpanel.activities': pruned.activities });
  const k = keys(ctx.prefix);
  const now = ctx.now();
  const model = ctx.options.healthModel ?? defaultHealthModel();
  const states = await ctx.state.allSources();
  const config = [model.version, String(ctx.options.successPlanLookbackDays), JSON.stringify(Object.entries(states).map(([s, st]) => [s, st.enabled]).sort())];
  const requestedFull = (await ctx.runs.get(runId))?.full ?? false;
  const inputs = await stageInputs(ctx, 'score', config);
  const kept = requestedFull ? null : await unchangedSummary<ScoreSummary>(ctx, 'score', inputs);
  if (kept) {
    await ctx.runs.set(runId, { accountsScored: kept.accountsScored, plans: kept.plans, 'score.kept': 1, 'score.rescored': 0, 'ms.score': Date.now() - started });
    return kept;
  }
  const day = now.toISOString().slice(0, 10);

  // Take the dirty ids (merged with what an interrupted try left taken).
  const take = ctx.redis.multi().sunionstore(k.takenAccounts, k.takenAccounts, k.dirtyAccounts).del(k.dirtyAccounts);
  for (const kind of CRM_KINDS) take.sunionstore(k.taken(kind), k.taken(kind), k.dirty(kind)).del(k.dirty(kind));
  await take.exec();

  const [format, lastConfig, lastDay, fullRequested, usersChanged] = await Promise.all([
    ctx.state.getSetting('score:format'), ctx.state.getSetting('score:config'), ctx.state.getSetting('score:day'), ctx.state.getSetting('score:full-requested'),
    ctx.redis.scard(k.taken('salesforce.user')),
  ]);
  const full = requestedFull || format !== SCORE_FORMAT || lastConfig !== JSON.stringify(config) || lastDay !== day || fullRequested === '1' || usersChanged > 0;

  // A full stage loads the CRM side of every account once; an incremental one loads that of each
  // batch of marked accounts through the owner index, brought up to date first.
  const crm = full ? await loadCrm(ctx) : null;
  await takeCrmChanges(ctx, crm);
  const marked = full ? await ctx.state.desiredAccountIds() : await ctx.redis.smembers(k.takenAccounts);
  const live = crm ? new Set(crm.accounts.keys()) : await liveAmong(ctx, marked);
  const targets = full ? [...live].sort() : marked.filter((id) => live.has(id)).sort();
  // Accounts deleted or merged away keep no desired values (write-back skips them; the admin API no longer lists them).
  const gone = marked.filter((id) => !live.has(id));
  await ctx.state.dropDesired(gone);
  const base = crm ?? (await loadCrmBase(ctx));
  // `score-inputs` holds a fingerprint of every live account and of no other.
  const accountsScored = crm ? crm.accounts.size : await ctx.redis.hlen(k.accountInputs);

  const dayThen = new Date(now.getTime() - 30 * DAY_MS).toISOString().slice(0, 10);
  let plans = 0;
  // What a batch reads (its accounts only: no batch writes what another one reads).
  const read = async (batch: string[]) => {
    const bundles = await bundlesFor(ctx, crm ?? (await loadCrmOf(ctx, base, batch)), batch);
    const ids = bundles.map((b) => b.account.id);
    const [storedThen, previousOpps] = await Promise.all([ctx.state.getScores(ids, dayThen), ctx.state.getPlanOpportunities(ids, runId)]);
    return { bundles, storedThen, previousOpps };
  };
  // The next batch's reads are sent before the current batch is computed, so Redis serves them meanwhile.
  const prefetch = (from: number): ReturnType<typeof read> | null => {
    if (from >= targets.length) return null;
    const p = read(targets.slice(from, from + BATCH));
    p.catch(() => undefined); // awaited with the next batch; never an unhandled rejection meanwhile
    return p;
  };
  let next = prefetch(0);
  for (let i = 0; next !== null; i += BATCH) {
    stopIfLockLost(signal);
    const desired: Array<[string, DesiredValues]> = [];
    const snapshots: Array<[string, ScoreSnapshot]> = [];
    const { bundles, storedThen, previousOpps } = await next;
    next = prefetch(i + BATCH);
    for (const [j, bundle] of bundles.entries()) {
      const { account } = bundle;
      const health = computeAccountHealth(bundle, now, model, storedThen[j]?.score ?? null);
      const fields: DesiredValues['fields'] = { ...health.fields };
      const previousOpp = previousOpps[j] ?? null;
      const plan = buildSuccessPlan(
        bundle,
        now,
        { lookbackDays: ctx.options.successPlanLookbackDays, previous: previousOpp ? { opportunityId: previousOpp } : null },
        health.signals,
      );
      if (plan) {
        plans += 1;
        const planFields: Record<string, string | number | boolean | null> = { ...plan.fields };
        // The review flag is set once, on a new plan; the CSM clears it in Salesforce.
        if (!plan.review) delete planFields.CS_Success_Plan_Review__c;
        Object.assign(fields, planFields);
        if (plan.review) await ctx.state.setPlanOpportunity(account.id, plan.opportunityId, runId);
      }
      desired.push([account.id, { modelVersion: health.result.modelVersion, fields }]);
      snapshots.push([account.id, { score: health.result.score, band: health.result.band, modelVersion: health.result.modelVersion }]);
    }
    await ctx.state.saveScores(day, snapshots, ctx.options.scoreRetentionDays ?? 400);
    await ctx.state.saveDesired(desired);
  }

  // Every target is saved: the stage is done with what it took.
  await ctx.redis
    .multi()
    .hset(k.settings, 'score:format', SCORE_FORMAT, 'score:config', JSON.stringify(config), 'score:day', day)
    .hdel(k.settings, 'score:full-requested')
    .del(k.takenAccounts)
    .exec();
  const summary: ScoreSummary = { accountsScored, plans, rescored: targets.length, full, ...(gone.length > 0 ? { dropped: gone.length } : {}) };
  await ctx.runs.set(runId, { accountsScored, plans, 'score.rescored': targets.length, 'score.full': full ? 1 : 0, 'score.dropped': gone.length, 'ms.score': Date.now() - started });
  await markStageDone(ctx, 'score', inputs, summary);
  return summary;
}
