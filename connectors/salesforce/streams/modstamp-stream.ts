/**
 * Incremental pull of one sObject by SystemModstamp with a tie-break on Id:
 * WHERE SystemModstamp > T OR (SystemModstamp = T AND Id > I) ORDER BY SystemModstamp, Id,
 * so no record sharing a boundary timestamp is ever skipped. The checkpoint after each page is
 * its last record, the server time of the read (`readAt`, the Date header of its first answer,
 * kept when a read taken over goes on) and whether the read reached its end (`complete`).
 *
 * A transaction that commits late can carry a SystemModstamp earlier than records a read already
 * returned (Salesforce documents long-running transactions for getUpdated; connectors that
 * followed the watermark alone lost such records). So a new read after a complete one whose
 * latest change T came within lookbackMinutes of its readAt starts at readAt - lookback instead,
 * inclusive, and reads that window again (unchanged records land as unchanged). A read that
 * is taken over part-way goes on from its last record exactly. Fields the org lacks (per
 * describe) are left out of the query.
 */
import type { z } from 'zod';
import type { Checkpoint, Page, PullContext, QuarantinedRecord, Stream } from '../../../src/contracts/connector.ts';
import type { RecordKind, RecordOf } from '../../../src/contracts/records.ts';
import { rawText, zodReason } from '../../../src/sources/http.ts';
import { ConfigError } from '../../../src/contracts/errors.ts';
import type { SalesforceConfig } from '../config.ts';
import { openSalesforceConnection } from '../connection.ts';
import { fieldNames, queryPages, soqlDateTime, soqlString } from '../query.ts';

export interface ModstampStreamSpec<K extends RecordKind, S extends z.ZodType> {
  name: string;
  sobject: string;
  kind: K;
  /** Fields wanted; those the org lacks are skipped (the mapper then sees them absent). */
  fields: (config: SalesforceConfig) => string[];
  required: string[];
  schema: S;
  map: (raw: z.infer<S>, config: SalesforceConfig) => RecordOf<K>;
  /**
   * Rows queryAll returns with IsDeleted = true go to the page's deletedIds instead of being
   * mapped (for kinds whose canonical record has no isDeleted flag): the store drops them.
   */
  deletedAsIds?: boolean;
}

/**
 * Where a new read starts when the last one may have missed late commits: readAt - lookback, when
 * the last read was complete and its latest change T was at or after that (a late commit has a
 * stamp within the lookback of the read; one later than T is read anyway). Null: go on from the
 * checkpoint's record (a read taken over part-way, an older checkpoint, or nothing to fear).
 */
export function lookbackStart(saved: Checkpoint, lookbackMinutes: number): string | null {
  if (lookbackMinutes <= 0 || saved.complete !== true || typeof saved.readAt !== 'string' || typeof saved.modstamp !== 'string') return null;
  const readAt = Date.parse(saved.readAt);
  const latest = Date.parse(saved.modstamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(readAt) || Number.isNaN(latest)) return null;
  const from = readAt - lookbackMinutes * 60_000;
  return from <= latest ? new Date(from).toISOString() : null;
}

/** The server's clock from its Date header (our clock when it sent none), as ISO. */
function serverTime(date: string | null, now: Date): string {
  const t = date === null ? NaN : Date.parse(date);
  return (Number.isNaN(t) ? now : new Date(t)).toISOString();
}

/** A field of the sObject, or a parent's field through a lookup the sObject has (Product2.Name via Product2Id, Foo__r.Name via Foo__c). */
function selectable(available: ReadonlySet<string>, field: string): boolean {
  const dot = field.indexOf('.');
  if (dot < 0) return available.has(field);
  const relation = field.slice(0, dot);
  return available.has(relation.endsWith('__r') ? `${relation.slice(0, -3)}__c` : `${relation}Id`);
}

export function modstampStream<K extends RecordKind, S extends z.ZodType>(spec: ModstampStreamSpec<K, S>): Stream<SalesforceConfig, K> {
  return {
    name: spec.name,
    kind: spec.kind,
    async *pull(ctx: PullContext<SalesforceConfig>): AsyncGenerator<Page<K>> {
      const session = await openSalesforceConnection(ctx.config, ctx.log, { signal: ctx.signal });
      const available = await fieldNames(session, spec.sobject);
      const wanted = [...new Set(['Id', 'SystemModstamp', ...spec.required, ...spec.fields(ctx.config)])];
      const missing = wanted.filter((f) => !selectable(available, f));
      const missingRequired = missing.filter((f) => f === 'Id' || f === 'SystemModstamp' || spec.required.includes(f));
      if (missingRequired.length > 0) {
        throw new ConfigError(`${spec.sobject} lacks ${missingRequired.join(', ')} for the integration user: grant read access (permission set Tidemark_Integration)`);
      }
      if (missing.length > 0) ctx.log.warn({ sobject: spec.sobject, missing }, 'fields not in the org are left out of the pull');
      const select = wanted.filter((f) => selectable(available, f));
      const saved = ctx.full ? null : ctx.checkpoint;
      const conditions: string[] = [];
      const from = saved ? lookbackStart(saved, ctx.config.lookbackMinutes) : null;
      if (from !== null) {
        conditions.push(`SystemModstamp >= ${soqlDateTime(from)}`);
      } else if (saved && typeof saved.modstamp === 'string' && typeof saved.id === 'string') {
        const t = soqlDateTime(saved.modstamp);
        conditions.push(`(SystemModstamp > ${t} OR (SystemModstamp = ${t} AND Id > ${soqlString(saved.id)}))`);
      } else if (ctx.config.firstSyncHorizonDays) {
        conditions.push(`SystemModstamp > ${soqlDateTime(new Date(ctx.now.getTime() - ctx.config.firstSyncHorizonDays * 86_400_000).toISOString())}`);
      }
      const soql = `SELECT ${select.join(', ')} FROM ${spec.sobject}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY SystemModstamp ASC, Id ASC`;
      let reported = 0;
      let checkpoint = saved && typeof saved.modstamp === 'string' ? { modstamp: saved.modstamp, id: String(saved.id ?? '') } : null;
      // A read taken over part-way keeps the time it started at (the earlier, the safer).
      let readAt = saved && saved.complete === false && typeof saved.readAt === 'string' ? saved.readAt : null;
      for await (const page of queryPages(session, soql, `${spec.sobject} pull`, ctx.config.batchSize)) {
        readAt ??= serverTime(session.last()?.date ?? null, ctx.now);
        const records: RecordOf<K>[] = [];
        const quarantined: QuarantinedRecord[] = [];
        const deletedIds: string[] = [];
        for (const raw of page.records) {
          if (spec.deletedAsIds && raw.IsDeleted === true && typeof raw.Id === 'string') deletedIds.push(raw.Id);
          else {
            const parsed = spec.schema.safeParse(raw);
            if (!parsed.success) {
              quarantined.push({ sourceId: typeof raw.Id === 'string' ? raw.Id : null, reason: zodReason(parsed.error.issues), raw: rawText(raw) });
            } else records.push(spec.map(parsed.data, ctx.config));
          }
          if (typeof raw.Id === 'string' && typeof raw.SystemModstamp === 'string' && !Number.isNaN(Date.parse(raw.SystemModstamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')))) {
            checkpoint = { modstamp: soqlDateTime(raw.SystemModstamp), id: raw.Id };
          }
        }
        const apiCalls = session.calls() - reported;
        reported += apiCalls;
        const mark: Checkpoint = checkpoint ? { ...checkpoint, readAt, complete: page.done } : {};
        yield { kind: spec.kind, records, quarantined, checkpoint: mark, apiCalls, ...(deletedIds.length > 0 ? { deletedIds } : {}), ...(page.done ? { final: true } : {}) };
      }
    },
  };
}
