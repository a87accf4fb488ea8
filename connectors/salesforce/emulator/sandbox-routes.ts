/**
 * Test-only controls of the Salesforce emulator under /__sandbox: write and delete records,
 * switch describe fields missing or read-only, set the daily API budget, queue per-record faults.
 * (Stats, faults and the clock come from the emulator kit.)
 */
import express, { type Express } from 'express';
import { z } from 'zod';
import type { DescribeRegistry } from './describe.ts';
import type { ApiBudget } from './oauth.ts';
import type { SalesforceStore } from './store.ts';
import type { RecordFault } from './writes.ts';

const recordSchema = z.record(z.string(), z.unknown());
const recordsSchema = z.union([recordSchema, z.array(recordSchema)]);
export const describeSwitchSchema = z.object({ missingFields: z.array(z.string()).optional(), readOnlyFields: z.array(z.string()).optional() });
const limitsSchema = z.object({ dailyApiRequests: z.object({ max: z.number().int().positive(), remaining: z.number().int().nonnegative() }) });
const recordFaultSchema = z.object({
  sobject: z.string().min(1).default('Account'),
  id: z.string().min(15),
  statusCode: z.enum(['UNABLE_TO_LOCK_ROW', 'FIELD_CUSTOM_VALIDATION_EXCEPTION']),
  message: z.string().optional(),
  count: z.number().int().positive().default(1),
});
const sobjectSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/);

export interface SandboxDeps {
  store: SalesforceStore;
  describe: DescribeRegistry;
  budget: ApiBudget;
  recordFaults: RecordFault[];
}

export function registerSandboxRoutes(app: Express, deps: SandboxDeps): void {
  const { store, describe, budget, recordFaults } = deps;
  const control = express.json({ limit: '50mb' });

  app.post('/__sandbox/records/:sobject', control, (req, res) => {
    const sobject = sobjectSchema.safeParse(req.params.sobject);
    const parsed = recordsSchema.safeParse(req.body);
    if (!sobject.success || !parsed.success) {
      res.status(400).json({ error: 'POST /__sandbox/records/{SObject} with one record object or an array of them (upsert by Id)' });
      return;
    }
    const records = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const saved = records.map((r) => {
      describe.learn(sobject.data, r);
      return store.upsert(sobject.data, r);
    });
    res.status(201).json({ records: saved });
  });
  app.delete('/__sandbox/records/:sobject/:id', (req, res) => {
    if (!store.remove(String(req.params.sobject), String(req.params.id))) {
      res.status(404).json({ error: `no ${String(req.params.sobject)} record ${String(req.params.id)}` });
      return;
    }
    res.status(204).end();
  });
  app.get('/__sandbox/records/:sobject', (req, res) => {
    res.json({ records: store.getAll(String(req.params.sobject)) });
  });
  app.post('/__sandbox/describe', control, (req, res) => {
    const parsed = describeSwitchSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'send {"missingFields": ["Account.CS_Health_Score__c"], "readOnlyFields": ["Account.CS_NPS__c"]}' });
      return;
    }
    describe.configure(parsed.data);
    res.json(parsed.data);
  });
  app.post('/__sandbox/limits', control, (req, res) => {
    const parsed = limitsSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'send {"dailyApiRequests": {"max": n, "remaining": n}}' });
      return;
    }
    budget.set(parsed.data.dailyApiRequests.max, parsed.data.dailyApiRequests.remaining);
    res.json({ DailyApiRequests: { Max: budget.max, Remaining: budget.remaining() } });
  });
  app.post('/__sandbox/record-faults', control, (req, res) => {
    const parsed = recordFaultSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    const { sobject, id, statusCode, message, count } = parsed.data;
    recordFaults.push({ sobject, id, statusCode, message: message ?? '', remaining: count });
    res.status(201).json({ sobject, id, statusCode, count });
  });
  app.delete('/__sandbox/record-faults', (_req, res) => {
    recordFaults.length = 0;
    res.status(204).end();
  });
}
