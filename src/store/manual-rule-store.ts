/** RevOps' manual identity rules, kept in one hash (id -> rule JSON), audited by who/when/why. */
import type { Redis } from 'ioredis';
import { manualRuleSchema, type ManualRule } from '../identity/manual-rules.ts';

const key = (prefix: string): string => `${prefix}:rules`;

export async function loadManualRules(redis: Redis, prefix: string): Promise<ManualRule[]> {
  const flat = await redis.hgetall(key(prefix));
  return Object.values(flat).map((text) => manualRuleSchema.parse(JSON.parse(text)));
}

export async function saveManualRule(redis: Redis, prefix: string, rule: ManualRule): Promise<void> {
  await redis.hset(key(prefix), rule.id, JSON.stringify(manualRuleSchema.parse(rule)));
}

export async function deleteManualRule(redis: Redis, prefix: string, id: string): Promise<boolean> {
  return (await redis.hdel(key(prefix), id)) > 0;
}
