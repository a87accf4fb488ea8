/**
 * A health model read from a file (JSON, or YAML by its extension): TIDEMARK_HEALTH_MODEL and
 * `health preview --model FILE`. Apart from the model evaluation (src/sync/health-evaluation.ts),
 * so that every CLI command, which reads the environment's options, does not load it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { loadHealthModel, type HealthModel } from './model.ts';

export function readModelFile(file: string): HealthModel {
  const text = readFileSync(file, 'utf8');
  const data: unknown = file.endsWith('.yaml') || file.endsWith('.yml') ? parseYaml(text) : JSON.parse(text);
  return loadHealthModel(data);
}
