import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../jobs/schedulers.ts';
import { classify } from '../../jobs/error-policy.ts';
import { AuthError, BudgetError, ConfigError, RateLimitError, TransientError } from '../../src/contracts/errors.ts';

describe('schedules', () => {
  it.each([
    ['every 30m', { pattern: '0 */30 * * * *', tz: 'Europe/Paris' }],
    ['every 1h', { pattern: '0 0 * * * *', tz: 'Europe/Paris' }],
    ['every 2h', { pattern: '0 0 */2 * * *', tz: 'Europe/Paris' }],
    ['every 7m', { every: 420_000, startDate: 1_000_420_000 }],
    ['0 */15 * * * *', { pattern: '0 */15 * * * *', tz: 'Europe/Paris' }],
    ['*/15 * * * *', { pattern: '0 */15 * * * *', tz: 'Europe/Paris' }],
  ])('%s', (text, expected) => {
    expect(parseSchedule(text, 'Europe/Paris', 1_000_000_000)).toEqual(expected);
  });

  it('rejects intervals under a minute and malformed patterns with a hint', () => {
    expect(() => parseSchedule('every 10s', 'UTC')).toThrow(/shortest interval is 1 minute/);
    expect(() => parseSchedule('sometimes', 'UTC')).toThrow(/every 30m/);
  });
});

describe('error policy', () => {
  it.each([
    ['config', new ConfigError('x'), 'unrecoverable'],
    ['auth', new AuthError('x'), 'unrecoverable'],
    ['429', new RateLimitError('zendesk', 5000), 'rate-limited'],
    ['budget', new BudgetError('x'), 'rate-limited'],
    ['transient', new TransientError('x'), 'retry'],
    ['unknown error', new Error('socket hang up'), 'retry'],
  ])('%s', (_name, err, expected) => {
    expect(classify(err)).toBe(expected);
  });
});
