import { describe, expect, it } from 'vitest';
import { hasSourceCredentials, loadEnv } from '../../src/config/env.ts';
import { ConfigError } from '../../src/contracts/errors.ts';

describe('environment configuration', () => {
  it('defaults to the local Redis, port 3000 and the sandbox ports', () => {
    const env = loadEnv({});
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.TIDEMARK_PORT).toBe(3000);
    expect([env.SANDBOX_SALESFORCE_PORT, env.SANDBOX_ZENDESK_PORT, env.SANDBOX_MIXPANEL_PORT]).toEqual([4010, 4020, 4030]);
    expect(hasSourceCredentials(env)).toBe(false);
  });

  it('names the bad setting and what is expected', () => {
    expect(() => loadEnv({ TIDEMARK_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadEnv({ TIDEMARK_PORT: 'eighty' })).toThrow(/TIDEMARK_PORT: .*\(got "eighty"\)/);
    expect(() => loadEnv({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL/);
    expect(() => loadEnv({ SANDBOX_LIMITS: 'lax' })).toThrow(/SANDBOX_LIMITS/);
  });

  it('never echoes a secret setting in its error', () => {
    try {
      loadEnv({ SALESFORCE_API_VERSION: 'v62', TIDEMARK_SECRET_KEY: 'super-secret-value', TIDEMARK_PORT: '-1' });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain('super-secret-value');
    }
  });

  it('hides the password of a URL setting it echoes (found by fuzzing: REDIS_URL was shown whole)', () => {
    expect(() => loadEnv({ REDIS_URL: 'redis://:hunter2pass@127.0.0.1:99999' })).toThrow(/REDIS_URL: .*\(got "redis:\/\/\*\*\*@127\.0\.0\.1:99999"\)/);
    expect(() => loadEnv({ REDIS_URL: 'redis://user:hunter2pass@[::1' })).not.toThrow(/hunter2pass/);
  });

  it('keeps 120 days of activities by default and refuses a retention shorter than what the signals read', () => {
    expect(loadEnv({}).TIDEMARK_ACTIVITY_RETENTION_DAYS).toBe(120);
    expect(loadEnv({ TIDEMARK_ACTIVITY_RETENTION_DAYS: '91' }).TIDEMARK_ACTIVITY_RETENTION_DAYS).toBe(91);
    expect(() => loadEnv({ TIDEMARK_ACTIVITY_RETENTION_DAYS: '30' })).toThrow(/TIDEMARK_ACTIVITY_RETENTION_DAYS must be at least 91/);
    expect(() => loadEnv({ TIDEMARK_ACTIVITY_RETENTION_DAYS: 'forever' })).toThrow(/TIDEMARK_ACTIVITY_RETENTION_DAYS/);
  });

  it('treats blank optional settings as unset', () => {
    const env = loadEnv({ SALESFORCE_CLIENT_ID: '  ', ZENDESK_URL: '' });
    expect(env.SALESFORCE_CLIENT_ID).toBeUndefined();
    expect(env.ZENDESK_URL).toBeUndefined();
  });

  it('detects real-mode credentials', () => {
    expect(hasSourceCredentials(loadEnv({ SALESFORCE_CLIENT_ID: 'abc' }))).toBe(true);
  });
});

describe('run options from the environment', () => {
  it('loads a health model file and names the setting when it is invalid', async () => {
    const { syncOptionsFromEnv } = await import('../../src/config/sync-options.ts');
    const { mkdtempSync, writeFileSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tm-model-'));
    try {
      const model = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'src', 'health', 'models', 'default.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'm.json'), JSON.stringify({ ...model, version: 'custom-7' }));
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 'x' }));
      expect(syncOptionsFromEnv(loadEnv({ TIDEMARK_HEALTH_MODEL: join(dir, 'm.json') })).healthModel?.version).toBe('custom-7');
      expect(() => syncOptionsFromEnv(loadEnv({ TIDEMARK_HEALTH_MODEL: join(dir, 'bad.json') }))).toThrow(/TIDEMARK_HEALTH_MODEL: .* is not a valid health model/);
      expect(syncOptionsFromEnv(loadEnv({})).healthModel).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
