/** Every Redis key Tidemark uses, in one place. All carry the org's prefix. */
import type { RecordKind } from '../contracts/records.ts';

export function keys(prefix: string) {
  return {
    records: (kind: RecordKind) => `${prefix}:rec:${kind}`,
    partition: (kind: RecordKind, partition: string) => `${prefix}:part:${kind}:${partition}`,
    checkpoints: `${prefix}:checkpoints`,
    matches: (kind: RecordKind) => `${prefix}:match:${kind}`,
    runSeq: `${prefix}:run:seq`,
    run: (id: string) => `${prefix}:run:${id}`,
    runs: `${prefix}:runs`,
    logs: `${prefix}:logs`,
    scores: (accountId: string) => `${prefix}:scores:${accountId}`,
    plans: `${prefix}:plans`,
    desired: `${prefix}:desired`,
    /** Bumped whenever any stored record changes (pull, import, webhook, forget). */
    recordsVersion: `${prefix}:records:version`,
    lastWritten: `${prefix}:written`,
    writeFailures: `${prefix}:write-failures`,
    writes: (accountId: string) => `${prefix}:writes:${accountId}`,
    settings: `${prefix}:settings`,
    sources: `${prefix}:sources`,
    /** Ids of a kind changed or removed since resolve/score last consumed them (SADD with each write). */
    dirty: (kind: RecordKind) => `${prefix}:dirty:${kind}`,
    /** Dirty ids a stage has taken and not yet finished (kept across a crash, merged into by the next try). */
    taken: (kind: RecordKind) => `${prefix}:taken:${kind}`,
    /** Accounts whose inputs changed since score last ran (resolve adds old and new accounts of moved records). */
    dirtyAccounts: `${prefix}:dirty:accounts`,
    takenAccounts: `${prefix}:taken:accounts`,
    /** The identity index as last resolved: lookup key (d:domain, e:email, a:account, pin:kind:id, po:org) -> outcome. */
    identitySnapshot: `${prefix}:ident:snapshot`,
    /**
     * Per kind the identity index reads (Accounts, Contacts, Zendesk organizations): sorted set of
     * the ids changed, scored by the records version their change produced (written with the change).
     */
    identityJournal: (kind: RecordKind) => `${prefix}:ident:journal:${kind}`,
    /** Journal entries up to this records version may be trimmed: an index cached before it is rebuilt. */
    identityJournalFloor: `${prefix}:ident:journal-floor`,
    /** Random token of the records' lineage; deleted by bulk removals, so that every cached index is rebuilt. */
    identityEpoch: `${prefix}:ident:epoch`,
    /** Random token written with each save of the identity snapshot. */
    identitySnapshotGen: `${prefix}:ident:snapshot-gen`,
    /** Per kind: record id -> JSON list of the lookup keys its resolution read. */
    deps: (kind: RecordKind) => `${prefix}:ident:deps:${kind}`,
    /** Reverse index: lookup key (d:, e:, a:, o:org, u:user, p:profile) -> `kind:id` of the records that read it. */
    refs: (lookupKey: string) => `${prefix}:ident:refs:${lookupKey}`,
    /** Per account and kind (activity, ticket, survey): ids of the records matched to it. */
    members: (accountId: string, kind: RecordKind) => `${prefix}:members:${accountId}:${kind}`,
    /** Hash `<kind>|m|<method>` / `<kind>|r|<reason>` -> count of stored matches. */
    matchCounts: `${prefix}:match-counts`,
    /** Hash `<kind>:<id>` -> `<owner>|<fingerprint>`: the account (or opportunity, for a line item) a CRM record belonged to when last scored, and what scoring read of it. */
    crmOwners: `${prefix}:crm-owners`,
    /** Per owner (account: contacts, opportunities; opportunity: line items): ids of the CRM records `crm-owners` lists under it. */
    crmMembers: (owner: string, kind: RecordKind) => `${prefix}:crm-members:${owner}:${kind}`,
    /** Hash account -> fingerprint of what scoring reads of it (an Account changed only in Tidemark's own fields is not rescored). */
    accountInputs: `${prefix}:score-inputs`,
    /** Sorted set account -> day number of its latest active day among activities dropped by retention. */
    lastActive: `${prefix}:last-active`,
    /**
     * Write-back candidates: sorted set account -> the mark sequence number of its latest mark
     * (src/store/writeback-candidates.ts). Marked with every change of what write-back planning
     * reads of an account; an account whose last plan had anything to do stays until it has not.
     */
    writebackCandidates: `${prefix}:wb:candidates`,
    /** The mark sequence (INCR per mark, in the same atomic step as the change it marks). */
    writebackMarkSeq: `${prefix}:wb:seq`,
    /** Hash: format, fingerprint (mapping, types, model, options), epoch and full requests seen by the last full plan committed. */
    writebackPlanState: `${prefix}:wb:state`,
    /** Counter of full plans requested (revert, a paused write-back): a differing count makes the next plan full. */
    writebackFullRequests: `${prefix}:wb:full-requests`,
  };
}
export type Keys = ReturnType<typeof keys>;
