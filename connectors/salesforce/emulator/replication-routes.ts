/**
 * Replication API: GET /sobjects/{type}/updated and /sobjects/{type}/deleted with ?start=&end=,
 * by SystemModstamp (a deleted record's SystemModstamp is its deletion time). Register before
 * GET /sobjects/{type}/{id}.
 */
import type { RequestHandler } from 'express';
import type { EmulatorKit } from '../../../src/sandbox/emulator-kit/index.ts';
import { instantOf, toSalesforceDateTime } from './datetime.ts';
import type { DescribeRegistry } from './describe.ts';
import { NOT_FOUND_MESSAGE, sendError, sendJson } from './errors.ts';
import type { SalesforceStore } from './store.ts';

export interface ReplicationDeps {
  store: SalesforceStore;
  describe: DescribeRegistry;
  generatedAt: string;
}

export function registerReplicationRoutes(kit: EmulatorKit, guard: RequestHandler, deps: ReplicationDeps): void {
  const { store, describe, generatedAt } = deps;
  const window = (kind: 'updated' | 'deleted'): RequestHandler => (req, res) => {
    const type = describe.canonical(String(req.params.type)) ?? String(req.params.type);
    if (!describe.has(type)) return sendError(res, 404, NOT_FOUND_MESSAGE, 'NOT_FOUND');
    const start = instantOf(typeof req.query.start === 'string' ? req.query.start : '');
    const end = instantOf(typeof req.query.end === 'string' ? req.query.end : '');
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
      return sendError(res, 400, 'start and end must be ISO 8601 datetimes with start before end', 'INVALID_REPLICATION_DATE');
    }
    const inWindow = store.getAll(type).filter((r) => {
      const t = instantOf(r.SystemModstamp);
      return t >= start && t <= end && (kind === 'deleted') === (r.IsDeleted === true);
    });
    const latestDateCovered = toSalesforceDateTime(Math.min(end, kit.clock.now()));
    if (kind === 'updated') return sendJson(res, 200, { ids: inWindow.map((r) => String(r.Id)), latestDateCovered });
    sendJson(res, 200, {
      deletedRecords: inWindow.map((r) => ({ id: String(r.Id), deletedDate: toSalesforceDateTime(String(r.SystemModstamp)) })),
      earliestDateAvailable: toSalesforceDateTime(generatedAt),
      latestDateCovered,
    });
  };
  kit.route('get', '/services/data/v:version/sobjects/:type/updated{/}', 'GET /services/data/vXX.X/sobjects/{type}/updated', guard, window('updated'));
  kit.route('get', '/services/data/v:version/sobjects/:type/deleted{/}', 'GET /services/data/vXX.X/sobjects/{type}/deleted', guard, window('deleted'));
}
