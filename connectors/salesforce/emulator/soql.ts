/**
 * SOQL for the emulator: @jetstreamapp/soql-parser-js parses; this module evaluates the subset
 * the connectors and users send: field lists with parent fields (Owner.Name), WHERE with
 * AND/OR/NOT and parentheses, comparisons, IN, LIKE, null, date and datetime literals, ORDER BY
 * (multi-key, NULLS FIRST/LAST), LIMIT, OFFSET and COUNT().
 */
import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { instantOf } from './datetime.ts';
import { compareWithRange, dateLiteralRange, instantOfDateOrDateTime } from './date-literals.ts';

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE',
    message: string,
  ) {
    super(message);
  }
}

export interface Condition {
  field: string;
  operator: string;
  literalType?: string | string[];
  value: string | string[];
}

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { cond: Condition };
export type Expr = { op: 'AND' | 'OR'; left: Expr; right: Expr } | { op: 'NOT'; expr: Expr } | { op: 'COND'; cond: Condition };

export interface ParsedQuery {
  sObject: string;
  fields: string[];
  count: boolean;
  where: Expr | null;
  orderBy: Array<{ field: string; desc: boolean; nullsFirst: boolean }>;
  limit: number | null;
  offset: number;
}

interface RawNode {
  left?: (Condition & { openParen?: number; closeParen?: number }) | null;
  operator?: string;
  right?: RawNode;
}

function linearize(node: RawNode | undefined, out: Token[]): void {
  if (!node) return;
  const left = node.left;
  // A NOT after an opening parenthesis comes as a left holding only {openParen}.
  const parenOnly = !!left && Object.keys(left).every((k) => k === 'openParen' || k === 'closeParen');
  if (left && !parenOnly && typeof left.field !== 'string') {
    throw new SoqlError('MALFORMED_QUERY', `the sandbox supports WHERE conditions on fields only, not ${JSON.stringify(left).slice(0, 80)}`);
  }
  if (left) for (let i = 0; i < (left.openParen ?? 0); i += 1) out.push('(');
  if (left && !parenOnly) {
    out.push({ cond: left });
    for (let i = 0; i < (left.closeParen ?? 0); i += 1) out.push(')');
  }
  if (node.operator === 'NOT' && (!left || parenOnly)) {
    out.push('NOT');
    linearize(node.right, out);
    return;
  }
  if (node.operator === 'AND' || node.operator === 'OR') {
    out.push(node.operator);
    linearize(node.right, out);
  }
}

function buildExpr(tokens: Token[]): Expr {
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const or = (): Expr => {
    let left = and();
    while (peek() === 'OR') {
      i += 1;
      left = { op: 'OR', left, right: and() };
    }
    return left;
  };
  const and = (): Expr => {
    let left = not();
    while (peek() === 'AND') {
      i += 1;
      left = { op: 'AND', left, right: not() };
    }
    return left;
  };
  const not = (): Expr => {
    if (peek() === 'NOT') {
      i += 1;
      return { op: 'NOT', expr: not() };
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = tokens[i];
    i += 1;
    if (t === '(') {
      const e = or();
      if (tokens[i] !== ')') throw new SoqlError('MALFORMED_QUERY', 'unbalanced parentheses in WHERE');
      i += 1;
      return e;
    }
    if (t && typeof t === 'object') return { op: 'COND', cond: t.cond };
    throw new SoqlError('MALFORMED_QUERY', 'unexpected token in WHERE');
  };
  const e = or();
  if (i !== tokens.length) throw new SoqlError('MALFORMED_QUERY', 'unexpected token in WHERE');
  return e;
}

export function parseSoql(soql: string): ParsedQuery {
  let q: ReturnType<typeof parseQuery>;
  try {
    q = parseQuery(soql);
  } catch (err) {
    throw new SoqlError('MALFORMED_QUERY', `\n${soql}\n^\nERROR at Row:1:Column:1\n${(err as Error).message.split('\n')[0] ?? 'unexpected token'}`);
  }
  if (!q.sObject) throw new SoqlError('MALFORMED_QUERY', 'missing FROM');
  const fields: string[] = [];
  let count = false;
  for (const f of q.fields ?? []) {
    if (f.type === 'Field') fields.push(f.field);
    else if (f.type === 'FieldRelationship') fields.push(f.rawValue ?? [...f.relationships, f.field].join('.'));
    else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'COUNT' && (f.parameters ?? []).length === 0) count = true;
    else throw new SoqlError('MALFORMED_QUERY', `the sandbox supports plain fields, parent fields and COUNT(); not ${JSON.stringify(f).slice(0, 80)}`);
  }
  const tokens: Token[] = [];
  linearize(q.where as RawNode | undefined, tokens);
  const orderBy = (Array.isArray(q.orderBy) ? q.orderBy : q.orderBy ? [q.orderBy] : []).map((o) => {
    if (!('field' in o) || typeof o.field !== 'string') throw new SoqlError('MALFORMED_QUERY', 'ORDER BY supports fields only');
    const desc = o.order === 'DESC';
    // Salesforce: "By default, null values are sorted first" (either direction).
    return { field: o.field, desc, nullsFirst: o.nulls ? o.nulls === 'FIRST' : true };
  });
  return { sObject: q.sObject, fields, count, where: tokens.length ? buildExpr(tokens) : null, orderBy, limit: q.limit ?? null, offset: q.offset ?? 0 };
}

function unquote(v: string): string {
  return v.startsWith("'") && v.endsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

function isIdLike(v: string): boolean {
  return /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(v);
}

/** Typed comparison: datetimes as instants, numbers as numbers, strings case-insensitively (Ids exactly). */
export function compareValues(a: unknown, b: unknown, exact = false): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  const ta = instantOf(sa);
  const tb = instantOf(sb);
  if (/T\d/.test(sa) && /T\d/.test(sb) && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  if (exact) {
    // A 15-character Id equals its 18-character form (the suffix only encodes letter case).
    const [ia, ib] = isIdLike(sa) && isIdLike(sb) && sa.length !== sb.length ? [sa.slice(0, 15), sb.slice(0, 15)] : [sa, sb];
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function literal(value: string, type: string | undefined): unknown {
  switch (type) {
    case 'NULL':
      return null;
    case 'BOOLEAN':
      return value.toLowerCase() === 'true';
    case 'INTEGER':
    case 'DECIMAL':
      return Number(value);
    case 'STRING':
      return unquote(value);
    case 'DATE':
    case 'DATETIME':
      return value;
    default:
      throw new SoqlError('MALFORMED_QUERY', `the sandbox does not support the literal ${value} (${type ?? 'unknown type'})`);
  }
}

/** A LIKE pattern (still quoted and escaped) as a case-insensitive regex: % and _ are wildcards, \\% and \\_ literal. */
function likeToRegex(quoted: string): RegExp {
  const inner = quoted.startsWith("'") && quoted.endsWith("'") ? quoted.slice(1, -1) : quoted;
  let out = '';
  for (let i = 0; i < inner.length; i += 1) {
    const ch = inner[i] ?? '';
    if (ch === '\\' && i + 1 < inner.length) {
      i += 1;
      out += (inner[i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (ch === '%') out += '.*';
    else if (ch === '_') out += '.';
    else out += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'is');
}

export type Getter = (record: Record<string, unknown>, field: string) => unknown;

/** Evaluates a WHERE tree for one record; `now` (emulator clock, ms) anchors relative date literals. */
export function evaluate(expr: Expr, record: Record<string, unknown>, get: Getter, now = Date.now()): boolean {
  if (expr.op === 'AND') return evaluate(expr.left, record, get, now) && evaluate(expr.right, record, get, now);
  if (expr.op === 'OR') return evaluate(expr.left, record, get, now) || evaluate(expr.right, record, get, now);
  if (expr.op === 'NOT') return !evaluate(expr.expr, record, get, now);
  if (expr.op !== 'COND') return false;
  const { cond } = expr;
  const actual = get(record, cond.field);
  const exact = /(^|\.)Id$|Id$/.test(cond.field);
  const type = Array.isArray(cond.literalType) ? cond.literalType[0] : cond.literalType;
  const op = cond.operator.toUpperCase();
  if ((type === 'DATE_LITERAL' || type === 'DATE_N_LITERAL') && !Array.isArray(cond.value)) {
    const range = dateLiteralRange(cond.value, now);
    if (!range) throw new SoqlError('MALFORMED_QUERY', `the sandbox does not support the date literal ${cond.value}`);
    const t = instantOfDateOrDateTime(actual);
    if (Number.isNaN(t)) return op === '!=' || op === '<>';
    const hit = compareWithRange(op, t, range);
    if (hit === null) throw new SoqlError('MALFORMED_QUERY', `date literals cannot be used with ${cond.operator}`);
    return hit;
  }
  if (op === 'IN' || op === 'NOT IN') {
    const values = (Array.isArray(cond.value) ? cond.value : [cond.value]).map((v: string) => literal(v, type));
    const hit = values.some((v: unknown) => actual !== null && actual !== undefined && compareValues(actual, v, exact) === 0);
    return op === 'IN' ? hit : !hit;
  }
  const value = literal(Array.isArray(cond.value) ? (cond.value[0] ?? '') : cond.value, type);
  const isNull = actual === null || actual === undefined || actual === '';
  if (value === null) {
    if (op === '=') return isNull;
    if (op === '!=' || op === '<>') return !isNull;
    throw new SoqlError('MALFORMED_QUERY', `null can only be compared with = or !=`);
  }
  if (op === 'LIKE') return !isNull && likeToRegex(Array.isArray(cond.value) ? (cond.value[0] ?? '') : cond.value).test(String(actual));
  if (isNull) return op === '!=' || op === '<>';
  const c = compareValues(actual, value, exact);
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    default:
      throw new SoqlError('MALFORMED_QUERY', `the sandbox does not support the operator ${cond.operator}`);
  }
}

export function conditions(expr: Expr | null, out: Condition[] = []): Condition[] {
  if (!expr) return out;
  if (expr.op === 'COND') out.push(expr.cond);
  else if (expr.op === 'NOT') conditions(expr.expr, out);
  else {
    conditions(expr.left, out);
    conditions(expr.right, out);
  }
  return out;
}

export function conditionFields(expr: Expr | null): string[] {
  return conditions(expr).map((c) => c.field);
}
