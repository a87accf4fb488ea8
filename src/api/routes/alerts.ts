/** Active alerts for RevOps (failed runs, rejected records, stopped, paused or stale sources), readable by viewers. */
import { opsAlertsOf } from '../../sync/run.ts';
import type { ApiDeps } from '../deps.ts';
import type { ApiRoutes } from '../route-kit.ts';

export function alertRoutes(api: ApiRoutes, deps: ApiDeps): void {
  api.add({ method: 'get', path: '/alerts', tag: 'runs', role: 'viewer', summary: 'Active alerts for RevOps, oldest first' }, async () => ({ alerts: await opsAlertsOf(deps.ctx).active() }));
}
