/** Zendesk requests through fetch with Tidemark's error mapping (node-zendesk's export helpers are buggy: apis.md section 4). */
import { requestJson } from '../../src/sources/http.ts';
import { zendeskAuthHeader, zendeskBaseUrl, ZENDESK_AUTH_HINT, type ZendeskConfig } from './config.ts';

export function zendeskGet(config: ZendeskConfig, pathAndQuery: string): Promise<unknown> {
  return requestJson(`${zendeskBaseUrl(config)}${pathAndQuery}`, {
    upstream: 'zendesk',
    headers: { authorization: zendeskAuthHeader(config), accept: 'application/json' },
    authHint: ZENDESK_AUTH_HINT,
  });
}

/** A start_time Zendesk accepts: never within the last minute. */
export function safeStartTime(seconds: number, now: Date): number {
  return Math.max(0, Math.min(Math.floor(seconds), Math.floor(now.getTime() / 1000) - 120));
}
