/**
 * POST /webhooks/surveys (contracts.md section 4): authenticated by
 * X-Tidemark-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)> with
 * X-Tidemark-Timestamp (unix seconds, at most 5 minutes old). 202 once the responses are stored
 * in Redis (idempotent by response id); bad rows are reported, good ones still land.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { parseSurveyPayload } from '../../connectors/surveys/index.ts';
import type { SyncContext } from '../sync/context.ts';
import { storeSurveyResponses } from '../sync/survey-import.ts';

export const SIGNATURE_HEADER = 'x-tidemark-signature';
export const TIMESTAMP_HEADER = 'x-tidemark-timestamp';
const MAX_SKEW_SECONDS = 300;

export function signSurveyPayload(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

export function verifySurveySignature(secret: string, timestampHeader: string | undefined, signatureHeader: string | undefined, rawBody: string, nowSeconds: number): string | null {
  if (!timestampHeader || !/^\d{1,12}$/.test(timestampHeader)) return 'missing or malformed X-Tidemark-Timestamp (unix seconds)';
  const timestamp = Number(timestampHeader);
  if (Math.abs(nowSeconds - timestamp) > MAX_SKEW_SECONDS) return 'stale X-Tidemark-Timestamp (more than 5 minutes from now)';
  if (!signatureHeader || !/^sha256=[0-9a-f]{64}$/.test(signatureHeader)) return 'missing or malformed X-Tidemark-Signature (sha256=<hex>)';
  const expected = Buffer.from(signSurveyPayload(secret, timestamp, rawBody));
  const given = Buffer.from(signatureHeader);
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : 'signature does not match';
}

export function surveyWebhookRouter(ctx: SyncContext, secret: string | undefined): Router {
  const router = express.Router();
  router.post('/webhooks/surveys', express.text({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (!secret) {
      res.status(503).json({ error: 'survey webhook disabled', message: 'set TIDEMARK_SURVEY_SECRET to enable it' });
      return;
    }
    const raw = typeof req.body === 'string' ? req.body : '';
    const problem = verifySurveySignature(secret, req.header(TIMESTAMP_HEADER), req.header(SIGNATURE_HEADER), raw, Math.floor(Date.now() / 1000));
    if (problem) {
      res.status(401).json({ error: 'unauthorized', message: problem });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      res.status(400).json({ error: 'invalid JSON', message: 'send one survey response object or an array of them' });
      return;
    }
    const { records, errors } = parseSurveyPayload(body);
    if (records.length === 0 && errors.length > 0) {
      res.status(400).json({ error: 'no valid responses', rejected: errors });
      return;
    }
    const stored = await storeSurveyResponses(ctx, records);
    if (errors.length > 0) {
      await ctx.logs.append(errors.map((e) => ({ status: 'quarantined' as const, source: 'surveys', kind: 'surveys.response', message: `webhook item ${e.line}: ${e.reason}` })));
    }
    res.status(202).json({ accepted: records.length, new: stored.imported, duplicates: stored.unchanged, rejected: errors });
  });
  return router;
}
