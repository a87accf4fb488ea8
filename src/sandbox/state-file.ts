/**
 * .data/sandbox.json (mode 0600): values generated at start (the private Redis URL, the
 * sandbox's key prefix, the admin token) for the CLI and the console.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../contracts/errors.ts';

export const sandboxStateSchema = z.object({
  redisUrl: z.string(),
  prefix: z.string(),
  adminToken: z.string().optional(),
  surveySecret: z.string().optional(),
  pid: z.number().int(),
  startedAt: z.string(),
  dataset: z.string(),
  urls: z.record(z.string(), z.string()),
});
export type SandboxState = z.infer<typeof sandboxStateSchema>;

export function sandboxStatePath(cwd = process.cwd()): string {
  return resolve(join(cwd, '.data', 'sandbox.json'));
}

export function writeSandboxState(state: SandboxState, path = sandboxStatePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readSandboxState(path = sandboxStatePath()): SandboxState | null {
  if (!existsSync(path)) return null;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ConfigError(`${path} is not valid JSON: restart the sandbox (npm start), or delete the file to use the environment only`);
  }
  const parsed = sandboxStateSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export function removeSandboxState(path = sandboxStatePath()): void {
  rmSync(path, { force: true });
}
