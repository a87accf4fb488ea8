/**
 * `npm run bench`: ratios measured side by side in one run (not timed tests).
 *   --events N      Mixpanel events for the ingest comparison (default 500000)
 *   --accounts N    accounts for write-back efficiency (default 20000)
 *   --records N     records for identity throughput (default 1000000)
 *   --only a,b      ingest, memory, identity, writeback, webhook, e2e, scale (e2e and scale run only when named
 *                   here, or with --e2e-accounts / --scale-workers: they take minutes)
 *   --e2e-accounts N[,N]   generated datasets for the end-to-end sync (default 2000; 20000 is the large shape)
 *   --scale-workers N[,N]  worker processes for the horizontal-scale sync (default 1,2,4), on the first e2e dataset
 *   --e2e-timeout S        limit per sync command in seconds (default 3600)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bareParseInProcess, benchMemory, formatIngest, realPathInProcess, writeEvents } from './ingest.ts';
import { benchIdentity } from './identity.ts';
import { benchWriteback } from './writeback.ts';
import { benchWebhook } from './webhook.ts';
import { benchEndToEnd, generateShape, shapeFor } from './end-to-end.ts';
import { benchScale, formatScale } from './scale.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '500000' }, accounts: { type: 'string', default: '20000' }, records: { type: 'string', default: '1000000' }, only: { type: 'string' }, 'e2e-accounts': { type: 'string' }, 'scale-workers': { type: 'string' }, 'e2e-timeout': { type: 'string', default: '3600' } } });
const want = (name: string): boolean => !values.only || values.only.split(',').includes(name);
// The end-to-end and scale runs take minutes: only when asked for by name or by their options.
const wantLong = (name: string, option: string | undefined): boolean => values.only?.split(',').includes(name) === true || (option !== undefined && !values.only);
const numbers = (text: string): number[] => text.split(',').map((n) => Number(n)).filter((n) => Number.isInteger(n) && n > 0);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const root = mkdtempSync(join(tmpdir(), 'tidemark-bench-'));

console.log(`Tidemark benchmarks on ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
try {
  if (want('ingest')) {
    const events = Number(values.events);
    const file = await writeEvents(join(root, 'ingest'), events);
    // Each in a fresh process with a worker's V8 flags (src/runtime/node-flags.ts).
    const bare = await bareParseInProcess(file);
    const real = await realPathInProcess(join(root, 'ingest'), redisUrl, `tmbench:${process.pid}`);
    for (const line of formatIngest(bare, real)) console.log(line);
  }
  if (want('memory')) {
    for (const line of await benchMemory(join(root, 'mem'), Number(values.events), redisUrl, `tmbench:${process.pid}:m`)) console.log(line);
  }
  if (want('identity')) {
    const records = Number(values.records);
    const a = benchIdentity(10_000, records);
    const b = benchIdentity(50_000, records);
    console.log(`\nidentity, ${records} records: 10,000 accounts ${Math.round(a.perSecond)}/s; 50,000 accounts ${Math.round(b.perSecond)}/s -> ratio ${(b.perSecond / a.perSecond).toFixed(2)} (flat in accounts = 1.0)`);
  }
  if (want('writeback')) {
    const rows = await benchWriteback(join(root, 'wb'), redisUrl, `tmbench:${process.pid}:wb`, Number(values.accounts), [0, 0.01, 0.1, 1]);
    console.log(`\nwrite-back stage, ${values.accounts} accounts (real pull + writebackRun against the Salesforce emulator; Bulk API above 2,000 changes):`);
    for (const r of rows) {
      const ratio = r.minimum === 0 ? (r.writeCalls === 0 ? '1.00 (zero calls)' : 'over') : (r.writeCalls / r.minimum).toFixed(2);
      const routes = Object.entries(r.byRoute).map(([route, n]) => `${route} ${n}`).join(', ');
      console.log(`  ${(r.share * 100).toFixed(0).padStart(3)}% changed: ${r.changed} accounts, ${r.mode}, ${r.writeCalls} write calls, minimum ${r.minimum} -> ratio ${ratio}; ${r.totalCalls} calls in all (${routes || 'none'}); ${(r.ms / 1000).toFixed(2)} s`);
    }
  }
  if (want('webhook')) {
    // N signed responses (1% of them sent twice, as a retrying survey tool would), C in flight.
    const r = await benchWebhook({ redisUrl, prefix: `tmbench:${process.pid}:webhook`, responses: 20_000, concurrency: 32, repeats: 200 });
    console.log(`\nsurvey webhook, ${r.sent} requests (${r.distinct} distinct responses), 32 in flight: ${(r.ms / 1000).toFixed(2)} s, ${Math.round(r.perSecond)} responses/s; statuses ${JSON.stringify(r.statuses)}; stored ${r.stored} of ${r.distinct}, lost ${r.lost}`);
    console.log(`  ratio rate/1000: ${(r.perSecond / 1000).toFixed(2)} (target >= 1.0, with stored = distinct and lost = 0)${r.serverCpuMs === null ? '' : `; server CPU ${(r.serverCpuMs / r.sent).toFixed(3)} ms per response (one core: ${Math.round(r.sent / (r.serverCpuMs / 1000))}/s)`}`);
  }
  const e2e = wantLong('e2e', values['e2e-accounts']);
  const scale = wantLong('scale', values['scale-workers']);
  if (e2e || scale) {
    const timeoutMs = Number(values['e2e-timeout']) * 1000;
    const sizes = numbers(values['e2e-accounts'] ?? '2000');
    for (const [i, accounts] of sizes.entries()) {
      const shape = shapeFor(accounts);
      const generated = await generateShape(join(root, `dataset-${accounts}`), shape);
      if (e2e) await benchEndToEnd(root, shape, generated, timeoutMs, (text) => console.log(text));
      if (scale && i === 0) console.log(formatScale(accounts, await benchScale(root, generated.summary, numbers(values['scale-workers'] ?? '1,2,4'), timeoutMs)));
      rmSync(generated.summary.dir, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
