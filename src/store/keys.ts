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
  };
}
export type Keys = ReturnType<typeof keys>;
