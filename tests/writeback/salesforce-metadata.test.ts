/**
 * STATIC CHECK (no Salesforce org is reachable here): the SFDX metadata shipped under
 * connectors/salesforce/metadata is parsed and compared with the fields write-back owns and with
 * the field table of contracts.md section 1; the permission set grants edit on every owned field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNED_ACCOUNT_FIELDS } from '../../src/writeback/field-specs.ts';
import { sharedPath } from '../helpers/shared-dir.ts';

const root = join(import.meta.dirname, '..', '..', 'connectors', 'salesforce', 'metadata');
const fieldsDir = join(root, 'force-app', 'main', 'default', 'objects', 'Account', 'fields');
const tag = (xml: string, name: string): string | null => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? null;

interface Meta {
  name: string;
  type: string;
  length: number | null;
  precision: number | null;
  scale: number | null;
  values: string[];
}

const metadata = new Map<string, Meta>(
  readdirSync(fieldsDir).map((file) => {
    const xml = readFileSync(join(fieldsDir, file), 'utf8');
    const n = (t: string): number | null => (tag(xml, t) === null ? null : Number(tag(xml, t)));
    const values = [...xml.matchAll(/<value>\s*<fullName>([^<]+)<\/fullName>/g)].map((m) => m[1] as string);
    const meta: Meta = { name: tag(xml, 'fullName') ?? '', type: tag(xml, 'type') ?? '', length: n('length'), precision: n('precision'), scale: n('scale'), values };
    expect(file).toBe(`${meta.name}.field-meta.xml`);
    return [meta.name, meta] as const;
  }),
);

const SFDX_TYPE: Record<string, string> = { double: 'Number', percent: 'Percent', textarea: 'LongTextArea', string: 'Text', picklist: 'Picklist', date: 'Date', datetime: 'DateTime', boolean: 'Checkbox' };

describe('Salesforce metadata (static)', () => {
  it('has a field of the right type, size and values for every field write-back owns', () => {
    for (const spec of OWNED_ACCOUNT_FIELDS) {
      const meta = metadata.get(spec.name);
      expect(meta, spec.name).toBeDefined();
      expect(meta?.type, spec.name).toBe(SFDX_TYPE[spec.type]);
      if (spec.length !== undefined) expect(meta?.length, spec.name).toBe(spec.length);
      if (spec.scale !== undefined) expect(meta?.scale, spec.name).toBe(spec.scale);
      if (spec.precision !== undefined) expect(meta?.precision, spec.name).toBe(spec.precision);
      if (spec.picklist) expect(meta?.values, spec.name).toEqual(spec.picklist);
    }
  });

  it('matches the field table of contracts.md section 1', () => {
    const contracts = sharedPath('design', 'contracts.md');
    const rows = [...readFileSync(contracts, 'utf8').matchAll(/^\| `(CS_\w+__c)` \| ([^|]+) \|/gm)];
    expect(rows.length).toBe(16);
    for (const [, name, type] of rows) {
      const meta = metadata.get(name as string);
      expect(meta, name).toBeDefined();
      const t = (type as string).trim();
      const size = /\((\d+)(?:,(\d+))?\)/.exec(t);
      if (t.startsWith('Number')) expect([meta?.type, meta?.precision, meta?.scale], name).toEqual(['Number', Number(size?.[1]), Number(size?.[2])]);
      else if (t.startsWith('Percent')) expect([meta?.type, meta?.precision, meta?.scale], name).toEqual(['Percent', Number(size?.[1]), Number(size?.[2])]);
      else if (t.startsWith('Long Text')) expect([meta?.type, meta?.length], name).toEqual(['LongTextArea', Number(size?.[1])]);
      else if (t.startsWith('Text')) expect([meta?.type, meta?.length], name).toEqual(['Text', Number(size?.[1])]);
      else if (t.startsWith('Picklist')) expect([meta?.type, meta?.values.join('/')], name).toEqual(['Picklist', t.replace('Picklist', '').trim()]);
      else expect(meta?.type, name).toBe(t);
    }
  });

  it('ships a permission set that edits every owned field and reads the read fields', () => {
    const xml = readFileSync(join(root, 'force-app', 'main', 'default', 'permissionsets', 'Tidemark_Integration.permissionset-meta.xml'), 'utf8');
    const perms = new Map([...xml.matchAll(/<fieldPermissions>\s*<editable>(\w+)<\/editable>\s*<field>Account\.(\w+)<\/field>\s*<readable>(\w+)<\/readable>/g)].map((m) => [m[2] as string, { edit: m[1] === 'true', read: m[3] === 'true' }]));
    for (const spec of OWNED_ACCOUNT_FIELDS) expect(perms.get(spec.name), spec.name).toEqual({ edit: true, read: true });
    for (const name of ['CS_Email_Domains__c', 'CS_Licensed_Seats__c', 'CS_Renewal_Date__c', 'CS_Manager__c']) {
      expect(metadata.has(name), name).toBe(true);
      expect(perms.get(name)?.read, name).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8'))).toMatchObject({ packageDirectories: [{ path: 'force-app' }] });
  });
});
