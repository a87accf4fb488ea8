/**
 * A subset of Mixpanel's segmentation expression language for `where`: comparisons
 * (== != > >= < <=) between properties["name"] and literals, defined(...), not, and, or and
 * parentheses. Anything else is a WhereError (400 to the client).
 */
export class WhereError extends Error {}

type Token = { kind: 'str'; value: string } | { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'sym'; value: string };

type Operand = { kind: 'prop'; name: string } | { kind: 'lit'; value: string | number | boolean | null };
export type WhereNode =
  | { kind: 'and' | 'or'; left: WhereNode; right: WhereNode }
  | { kind: 'not'; inner: WhereNode }
  | { kind: 'defined'; name: string }
  | { kind: 'cmp'; op: string; left: Operand; right: Operand }
  | { kind: 'truthy'; operand: Operand };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j += 1;
        value += text[j];
        j += 1;
      }
      if (j >= text.length) throw new WhereError(`unterminated string at ${i}`);
      tokens.push({ kind: 'str', value });
      i = j + 1;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) throw new WhereError(`unexpected "${c}" at ${i}`);
      tokens.push({ kind: 'num', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i));
      const word = m?.[0] ?? c;
      tokens.push({ kind: 'id', value: word });
      i += word.length;
    } else {
      const two = text.slice(i, i + 2);
      if (['==', '!=', '>=', '<='].includes(two)) {
        tokens.push({ kind: 'sym', value: two });
        i += 2;
      } else if ('[]()<>'.includes(c)) {
        tokens.push({ kind: 'sym', value: c });
        i += 1;
      } else {
        throw new WhereError(`unexpected "${c}" at ${i}`);
      }
    }
  }
  return tokens;
}

export function parseWhere(text: string): WhereNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isSym = (v: string): boolean => peek()?.kind === 'sym' && peek()?.value === v;
  const isWord = (v: string): boolean => peek()?.kind === 'id' && peek()?.value === v;
  const expectSym = (v: string): void => {
    if (!isSym(v)) throw new WhereError(`expected "${v}"`);
    pos += 1;
  };
  const property = (): string => {
    if (!isWord('properties') && !isWord('user')) throw new WhereError('expected properties["name"]');
    pos += 1;
    expectSym('[');
    const name = peek();
    if (name?.kind !== 'str') throw new WhereError('expected a quoted property name in properties[...]');
    pos += 1;
    expectSym(']');
    return name.value;
  };
  const operand = (): Operand => {
    const t = peek();
    if (!t) throw new WhereError('unexpected end of expression');
    if (t.kind === 'str' || t.kind === 'num') {
      pos += 1;
      return { kind: 'lit', value: t.value };
    }
    if (t.kind === 'id' && (t.value === 'true' || t.value === 'false' || t.value === 'null')) {
      pos += 1;
      return { kind: 'lit', value: t.value === 'null' ? null : t.value === 'true' };
    }
    return { kind: 'prop', name: property() };
  };
  const primary = (): WhereNode => {
    if (isSym('(')) {
      pos += 1;
      const inner = or();
      expectSym(')');
      return inner;
    }
    if (isWord('not')) {
      pos += 1;
      return { kind: 'not', inner: primary() };
    }
    if (isWord('defined')) {
      pos += 1;
      expectSym('(');
      const name = property();
      expectSym(')');
      return { kind: 'defined', name };
    }
    const left = operand();
    const t = peek();
    if (t?.kind === 'sym' && ['==', '!=', '>', '<', '>=', '<='].includes(t.value)) {
      pos += 1;
      return { kind: 'cmp', op: t.value, left, right: operand() };
    }
    return { kind: 'truthy', operand: left };
  };
  const and = (): WhereNode => {
    let node = primary();
    while (isWord('and')) {
      pos += 1;
      node = { kind: 'and', left: node, right: primary() };
    }
    return node;
  };
  const or = (): WhereNode => {
    let node = and();
    while (isWord('or')) {
      pos += 1;
      node = { kind: 'or', left: node, right: and() };
    }
    return node;
  };
  if (tokens.length === 0) throw new WhereError('empty expression');
  const tree = or();
  if (pos < tokens.length) throw new WhereError(`unexpected "${String(tokens[pos]?.value)}" after the expression`);
  return tree;
}

function valueOf(operand: Operand, properties: Record<string, unknown>): unknown {
  return operand.kind === 'lit' ? operand.value : properties[operand.name];
}

export function evaluateWhere(node: WhereNode, properties: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateWhere(node.left, properties) && evaluateWhere(node.right, properties);
    case 'or':
      return evaluateWhere(node.left, properties) || evaluateWhere(node.right, properties);
    case 'not':
      return !evaluateWhere(node.inner, properties);
    case 'defined':
      return properties[node.name] !== undefined && properties[node.name] !== null;
    case 'truthy':
      return Boolean(valueOf(node.operand, properties));
    case 'cmp': {
      const a = valueOf(node.left, properties);
      const b = valueOf(node.right, properties);
      if (node.op === '==') return a === b;
      if (node.op === '!=') return a !== b;
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return false;
      const [x, y] = [a as number | string, b as number | string];
      return node.op === '>' ? x > y : node.op === '<' ? x < y : node.op === '>=' ? x >= y : x <= y;
    }
  }
}
