/**
 * Sandbox dataset (contracts.md section 3): a directory of JSON Lines files in the native shape
 * of each source API, plus manifest.json. Missing files mean "no records". Unknown fields are kept.
 * Mixpanel events are not loaded into memory: the emulator streams them from the file.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';

export type RawRecord = Record<string, unknown>;

export const SALESFORCE_OBJECTS = ['Account', 'Contact', 'Opportunity', 'OpportunityLineItem', 'User'] as const;

export const manifestSchema = z.object({
  name: z.string().min(1),
  generatedAt: z.iso.datetime({ offset: true }),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface Dataset {
  dir: string;
  manifest: Manifest;
  /** sObject name -> records (Account, Contact, Opportunity, OpportunityLineItem, User, and any other file present). */
  salesforce: Map<string, RawRecord[]>;
  zendesk: { organizations: RawRecord[]; users: RawRecord[]; tickets: RawRecord[]; satisfactionRatings: RawRecord[] };
  mixpanel: { profiles: RawRecord[]; eventsFile: string | null };
  surveys: { responsesFile: string | null };
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Reads a JSON Lines file; a line that is not a JSON object fails with its file and line number. */
export async function readJsonLines(file: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const { line, value } of iterateJsonLines(file)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DatasetError(`${file}:${line}: expected a JSON object per line`);
    }
    out.push(value as RawRecord);
  }
  return out;
}

/** Streams a JSON Lines file line by line in constant memory; blank lines are skipped. */
export async function* iterateJsonLines(file: string): AsyncGenerator<{ line: number; value: unknown; text: string }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new DatasetError(`${file}:${line}: not valid JSON (${(err as Error).message})`);
    }
    yield { line, value, text };
  }
}

async function optionalLines(file: string): Promise<RawRecord[]> {
  return existsSync(file) ? readJsonLines(file) : [];
}

export async function loadDataset(dir: string): Promise<Dataset> {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new DatasetError(`${manifestPath} is missing: a dataset needs manifest.json with name and generatedAt`);
  const parsed = manifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
  if (!parsed.success) {
    throw new DatasetError(`${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const salesforce = new Map<string, RawRecord[]>();
  const sfDir = join(dir, 'salesforce');
  if (existsSync(sfDir)) {
    const { readdir } = await import('node:fs/promises');
    for (const file of (await readdir(sfDir)).sort()) {
      if (!file.endsWith('.jsonl')) continue;
      salesforce.set(file.slice(0, -'.jsonl'.length), await readJsonLines(join(sfDir, file)));
    }
  }
  for (const name of SALESFORCE_OBJECTS) if (!salesforce.has(name)) salesforce.set(name, []);
  const eventsFile = join(dir, 'mixpanel', 'events.jsonl');
  const responsesFile = join(dir, 'surveys', 'responses.jsonl');
  return {
    dir,
    manifest: parsed.data,
    salesforce,
    zendesk: {
      organizations: await optionalLines(join(dir, 'zendesk', 'organizations.jsonl')),
      users: await optionalLines(join(dir, 'zendesk', 'users.jsonl')),
      tickets: await optionalLines(join(dir, 'zendesk', 'tickets.jsonl')),
      satisfactionRatings: await optionalLines(join(dir, 'zendesk', 'satisfaction_ratings.jsonl')),
    },
    mixpanel: {
      profiles: await optionalLines(join(dir, 'mixpanel', 'profiles.jsonl')),
      eventsFile: existsSync(eventsFile) ? eventsFile : null,
    },
    surveys: { responsesFile: existsSync(responsesFile) ? responsesFile : null },
  };
}
