/**
 * The field mapping (pure): which Salesforce Account field receives each value Tidemark owns.
 * The defaults are the field names of contracts.md section 1; RevOps may map any of them to
 * another custom field (admin API PUT /api/mapping).
 */
import { z } from 'zod';
import { OWNED_ACCOUNT_FIELDS, keyOf, type FieldSpec } from './field-specs.ts';

/** The org setting that holds the mapping (JSON object: Tidemark value -> Salesforce field). */
export const MAPPING_SETTING = 'writeback.mapping';

export const salesforceFieldNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,38}__c$/, 'a custom field API name like CS_Health_Score__c');
export const fieldMappingSchema = z.record(z.string(), salesforceFieldNameSchema);
export type FieldMapping = z.infer<typeof fieldMappingSchema>;

/** One message per mapping entry that cannot be used; empty when the mapping is sound. */
export function mappingProblems(mapping: FieldMapping, specs: readonly FieldSpec[] = OWNED_ACCOUNT_FIELDS): string[] {
  const keys = new Set(specs.map(keyOf));
  const problems = Object.keys(mapping)
    .filter((k) => !keys.has(k))
    .map((k) => `field mapping names ${k}, which is not a value Tidemark writes (one of ${[...keys].join(', ')})`);
  const targets = specs.map((s) => mapping[keyOf(s)] ?? s.name);
  const dups = [...new Set(targets.filter((t, i) => targets.indexOf(t) !== i))];
  for (const d of dups) problems.push(`field mapping sends two values to ${d}: each Salesforce field can take one`);
  return problems;
}

/** The specs with their Salesforce field names after the mapping; `key` keeps Tidemark's name. */
export function mapFields(specs: readonly FieldSpec[], mapping: FieldMapping): FieldSpec[] {
  return specs.map((s) => ({ ...s, key: keyOf(s), name: mapping[keyOf(s)] ?? s.name }));
}

/** Parses the stored mapping setting; an unreadable one is a configuration error for the caller. */
export function parseMapping(text: string | null): FieldMapping {
  if (text === null || text === '') return {};
  return fieldMappingSchema.parse(JSON.parse(text));
}
