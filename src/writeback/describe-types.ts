/**
 * What the org's describe says about the mapped fields (pure): the pre-flight check (every mapped
 * field exists, is updateable and has a compatible type) and the field types that govern
 * coercion, so both sides of a diff are compared as Salesforce stores them.
 */
import { z } from 'zod';
import type { FieldSpec, FieldType } from './field-specs.ts';

export const describedFieldSchema = z
  .object({
    name: z.string(),
    type: z.string(),
    updateable: z.boolean().optional(),
    length: z.number().nullish(),
    precision: z.number().nullish(),
    scale: z.number().nullish(),
    picklistValues: z.array(z.object({ value: z.string(), active: z.boolean().optional() }).loose()).nullish(),
  })
  .loose();
export type DescribedField = z.infer<typeof describedFieldSchema>;

export const describeResultSchema = z.object({ fields: z.array(describedFieldSchema) }).loose();

/** Describe types each Tidemark type may be written to. */
export const COMPATIBLE_TYPES: Record<FieldType, readonly string[]> = {
  double: ['double', 'int', 'currency', 'percent'],
  percent: ['percent', 'double'],
  string: ['string', 'textarea', 'picklist'],
  textarea: ['textarea', 'string'],
  picklist: ['picklist', 'string'],
  date: ['date'],
  datetime: ['datetime'],
  boolean: ['boolean'],
};

/** One message per field that cannot be written; empty when every mapped field is writable. */
export function preflightProblems(specs: readonly FieldSpec[], fields: readonly DescribedField[]): string[] {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const spec of specs) {
    const field = byName.get(spec.name);
    const mapped = spec.key !== undefined && spec.key !== spec.name ? ` (mapped from ${spec.key})` : '';
    if (!field) problems.push(`${spec.name}${mapped} does not exist on Account: deploy the shipped metadata (connectors/salesforce/metadata) or map another field`);
    else if (field.updateable === false) problems.push(`${spec.name}${mapped} on Account is not updateable by the integration user: assign the permission set Tidemark_Integration (connectors/salesforce/metadata) or map another field`);
    else if (!COMPATIBLE_TYPES[spec.type].includes(field.type)) problems.push(`${spec.name}${mapped} on Account has type ${field.type}, Tidemark writes ${spec.type}: change the field type or map another field`);
  }
  return problems;
}

function typeOf(describeType: string, fallback: FieldType): FieldType {
  switch (describeType) {
    case 'double':
    case 'int':
    case 'currency':
      return 'double';
    case 'percent':
    case 'string':
    case 'textarea':
    case 'picklist':
    case 'date':
    case 'datetime':
    case 'boolean':
      return describeType;
    default:
      return fallback;
  }
}

/**
 * The specs typed by the org's describe: its type, length, precision and scale win over the
 * shipped defaults (an org may have deployed a longer text or a wider number). Fields describe
 * does not know keep their spec (the pre-flight reports them).
 */
export function typedByDescribe(specs: readonly FieldSpec[], fields: readonly DescribedField[]): FieldSpec[] {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return specs.map((spec) => {
    const field = byName.get(spec.name);
    if (!field || !COMPATIBLE_TYPES[spec.type].includes(field.type)) return spec;
    const type = typeOf(field.type, spec.type);
    const out: FieldSpec = { name: spec.name, type };
    if (spec.key !== undefined) out.key = spec.key;
    if (type === 'double' || type === 'percent') {
      out.scale = field.type === 'int' ? 0 : (field.scale ?? spec.scale ?? 0);
      const precision = field.precision ?? spec.precision;
      if (precision) out.precision = precision;
    }
    if (type === 'string' || type === 'textarea' || type === 'picklist') {
      const length = field.length ?? spec.length;
      if (length) out.length = length;
    }
    if (type === 'picklist') {
      const values = field.picklistValues?.filter((v) => v.active !== false).map((v) => v.value);
      const picklist = values && values.length > 0 ? values : spec.picklist;
      if (picklist) out.picklist = picklist;
    }
    return out;
  });
}

/** The describe entries of the mapped fields only (what is cached between runs). */
export function describedSubset(specs: readonly FieldSpec[], fields: readonly DescribedField[]): DescribedField[] {
  const wanted = new Set(specs.map((s) => s.name));
  return fields
    .filter((f) => wanted.has(f.name))
    .map((f) => ({ name: f.name, type: f.type, updateable: f.updateable, length: f.length ?? null, precision: f.precision ?? null, scale: f.scale ?? null, picklistValues: f.picklistValues?.map((v) => ({ value: v.value, active: v.active })) ?? null }));
}
