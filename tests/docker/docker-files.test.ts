/**
 * STATIC CHECK (no Docker engine runs here): the compose file and Dockerfile are parsed and
 * checked against the code: the roles they start exist as CLI commands, every environment
 * variable they set is a documented setting, the files they copy exist, and the image runs
 * as a non-root user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { envSchema } from '../../src/config/env.ts';

const root = join(import.meta.dirname, '..', '..');
const composeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      image: z.string().optional(),
      build: z.object({ context: z.string(), dockerfile: z.string() }).optional(),
      command: z.array(z.string()).optional(),
      environment: z.record(z.string(), z.string()).optional(),
    }).loose(),
  ),
});

const compose = composeSchema.parse(parse(readFileSync(join(root, 'docker/compose.yaml'), 'utf8')));
const dockerfile = readFileSync(join(root, 'docker/Dockerfile'), 'utf8');
const cliSource = readFileSync(join(root, 'src/cli/main.ts'), 'utf8');

describe('docker/compose.yaml (static)', () => {
  it('has redis with AOF, an api and a worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'redis', 'worker']);
    const redis = compose.services.redis;
    expect(redis?.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(redis?.command?.join(' ')).toMatch(/noeviction/);
  });

  it('starts roles that exist as CLI commands', () => {
    for (const name of ['api', 'worker']) {
      const service = compose.services[name];
      const role = service?.command?.[0];
      expect(role, `${name} command`).toBeDefined();
      expect(cliSource).toMatch(new RegExp(`\\n  ${role}: \\{ run:`));
      const build = service?.build;
      expect(build && existsSync(join(root, 'docker', build.context, build.dockerfile))).toBe(true);
    }
  });

  it('sets only documented settings', () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const [name, service] of Object.entries(compose.services)) {
      for (const variable of Object.keys(service.environment ?? {})) expect(known.has(variable), `${name}: ${variable}`).toBe(true);
    }
  });
});

describe('docker/Dockerfile (static)', () => {
  it('is multi-stage and runs as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
    const user = /^USER\s+(\S+)/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toBe('root');
    expect(user).not.toBe('0');
  });

  it('copies files that exist and starts the CLI entry point', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const parts = (m[1] ?? '').trim().split(/\s+/);
      for (const src of parts.slice(0, -1)) expect(existsSync(join(root, src)), `COPY ${src}`).toBe(true);
    }
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/tidemark\.js"\]/);
    expect(existsSync(join(root, 'bin/tidemark.js'))).toBe(true);
    expect(/^CMD \["(\w+)"\]/m.exec(dockerfile)?.[1]).toBe('api');
  });
});
