/** RevOps alerts: one notification when raised and one on recovery, state in Redis, run and staleness rules. */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpsAlerts, evaluateRun, evaluateStaleness } from '../../src/alerts/ops-alerts.ts';
import { silentLogger } from '../../src/logging/logger.ts';
import { closeServer, listen } from '../../src/sandbox/emulator-kit/index.ts';
import { dropPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
let prefix = '';
let hook: Server;
let url = '';
const received: string[] = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push((JSON.parse(body) as { text: string }).text);
      res.writeHead(200).end();
    });
  });
  ({ url } = await listen(hook as never, 0));
});
beforeEach(() => {
  prefix = uniquePrefix('ops');
  received.length = 0;
});
afterEach(async () => dropPrefix(redis, prefix));
afterAll(async () => {
  await closeServer(hook);
  redis.disconnect();
});

describe('ops alerts', () => {
  it('notifies once per change of state and once on recovery', async () => {
    const alerts = new OpsAlerts(redis, prefix, { webhookUrl: url, log: silentLogger() });
    expect(await alerts.raise('run-failed', 'error', 'run run-3 failed: boom')).toBe(true);
    expect(await alerts.raise('run-failed', 'error', 'run run-4 failed: boom again')).toBe(false);
    expect((await alerts.active()).map((a) => a.message)).toEqual(['run run-4 failed: boom again']);
    expect(await alerts.clear('run-failed', 'runs succeed again')).toBe(true);
    expect(await alerts.clear('run-failed', 'runs succeed again')).toBe(false);
    expect(received).toEqual(['Tidemark: :rotating_light: run run-3 failed: boom', 'Tidemark: :white_check_mark: runs succeed again']);
  });

  it('judges a run: failures, rejected records above the threshold, and source recoveries', async () => {
    const alerts = new OpsAlerts(redis, prefix, { log: silentLogger() });
    await alerts.raise('source:zendesk', 'warning', 'zendesk paused');
    await evaluateRun(alerts, { runId: 'run-1', failed: false, error: null, sources: ['zendesk'], quarantined: 80 }, { rejectedThreshold: 50 });
    expect((await alerts.active()).map((a) => a.key)).toEqual(['rejected-records']);
    await evaluateRun(alerts, { runId: 'run-2', failed: true, error: 'Write-back pre-flight failed', sources: ['salesforce'], quarantined: 0 }, { rejectedThreshold: 50 });
    expect((await alerts.active()).map((a) => a.key).sort()).toEqual(['rejected-records', 'run-failed']);
    await evaluateRun(alerts, { runId: 'run-3', failed: false, error: null, sources: ['salesforce'], quarantined: 0 }, { rejectedThreshold: 50 });
    expect(await alerts.active()).toEqual([]);
  });

  it('raises a stale-source alert after the threshold and clears it when the source syncs', async () => {
    const alerts = new OpsAlerts(redis, prefix, { log: silentLogger() });
    const now = new Date('2026-11-20T12:00:00Z');
    await evaluateStaleness(alerts, { zendesk: '2026-11-19T00:00:00Z', mixpanel: null, salesforce: '2026-11-20T11:00:00Z' }, now, 26);
    expect((await alerts.active()).map((a) => a.key).sort()).toEqual(['stale:mixpanel', 'stale:zendesk']);
    await evaluateStaleness(alerts, { zendesk: '2026-11-20T11:59:00Z', mixpanel: '2026-11-20T11:59:00Z' }, now, 26);
    expect(await alerts.active()).toEqual([]);
  });
});
