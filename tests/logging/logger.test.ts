import { describe, expect, it } from 'vitest';
import { createLogger, registerSecret } from '../../src/logging/logger.ts';

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe('logger', () => {
  it('redacts secret fields', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination, level: 'info' });
    log.info({ config: { clientSecret: 'abc-secret-1', loginUrl: 'https://x' }, authorization: 'Bearer t' }, 'connecting');
    expect(lines.join('')).not.toContain('abc-secret-1');
    expect(lines.join('')).not.toContain('Bearer t');
    expect(lines.join('')).toContain('https://x');
  });

  it('scrubs registered secret values from messages', () => {
    const { lines, destination } = capture();
    registerSecret('tm_admin_registered_secret_value');
    createLogger({ destination }).error(`token tm_admin_registered_secret_value was refused`);
    expect(lines.join('')).not.toContain('tm_admin_registered_secret_value');
    expect(lines.join('')).toContain('[REDACTED]');
  });
});
