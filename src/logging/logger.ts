/**
 * Structured logs (pino) with secrets redacted. Every known secret path is censored, and
 * registerSecret() adds literal values (tokens, passwords) that are scrubbed from any message.
 */
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'password', 'secret', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token',
  'clientSecret', 'client_secret', 'apiToken', 'authorization', 'Authorization', 'privateKey',
  '*.password', '*.secret', '*.token', '*.accessToken', '*.access_token', '*.refreshToken', '*.refresh_token',
  '*.clientSecret', '*.client_secret', '*.apiToken', '*.authorization', '*.Authorization', '*.privateKey',
  'headers.authorization', 'req.headers.authorization', 'req.headers.cookie', '*.headers.authorization',
];

const secrets = new Set<string>();

/** Registers a literal secret value: it is replaced by [REDACTED] in every later log line. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function scrubSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const scrubbing: DestinationStream = {
    write(line: string) {
      (options.destination ?? process.stdout).write(scrubSecrets(line));
    },
  };
  return pino(
    {
      name: options.name ?? 'tidemark',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing,
  );
}

/** A logger that writes nothing, for pure code paths and quiet tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
