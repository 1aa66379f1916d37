/**
 * Constant expressions of the preprocessors: GAS `.if`/`.set`/`.rept`, C `#if`, NASM
 * `%if`/`%assign`/`%rep`. Integers are 64-bit, as in all three; what cannot be evaluated (an
 * undefined symbol, a label address, a division by zero) is `undefined`, never a guess.
 */

/** Operator precedence: C's (also NASM's), or GAS's, where `|`, `&`, `^` bind tighter than `+`. */
export type ExprDialect = 'c' | 'gas';

/** Resolves a symbol to its value, or undefined when it has none that is known. */
export type SymbolValue = (name: string) => bigint | undefined;

const BINARY: Readonly<Record<ExprDialect, Readonly<Record<string, number>>>> = {
  c: {
    '||': 1, '^^': 2, '&&': 3, '|': 4, '^': 5, '&': 6, '==': 7, '!=': 7, '<>': 7, '<': 8, '>': 8, '<=': 8, '>=': 8,
    '<<': 9, '>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11, '//': 11, '%%': 11,
  },
  // GAS (as.info, "Infix Operators"): * / % << >> highest, then | & ^ !, then + - and the
  // comparisons, then && and ||.
  gas: {
    '||': 1, '&&': 1, '+': 2, '-': 2, '==': 2, '!=': 2, '<>': 2, '<': 2, '>': 2, '<=': 2, '>=': 2,
    '|': 3, '&': 3, '^': 3, '!': 3, '*': 4, '/': 4, '%': 4, '<<': 4, '>>': 4,
  },
};

const TOKEN = /\s*(?:(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9][0-9a-fA-F]*[hHqQoObByYdD]?|'(?:\\.|[^'\\])')|([A-Za-z_.$@?][A-Za-z0-9_.$@?]*)|(\|\||&&|\^\^|<<|>>|<=|>=|==|!=|<>|\/\/|%%|[-+*/%&|^!~<>()=]))/y;

/** Evaluates `text`, or returns undefined when it is not a constant expression. */
export function evaluateConstant(text: string, dialect: ExprDialect, symbol: SymbolValue): bigint | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (m === null) return undefined;
    tokens.push(m[1] ?? m[2] ?? m[3]!);
    at = TOKEN.lastIndex;
    if (tokens.length > 4096) return undefined;
  }
  if (tokens.length === 0) return undefined;
  const table = BINARY[dialect];
  let pos = 0;
  let depth = 0;
  const truth = dialect === 'gas' ? -1n : 1n;

  const primary = (): bigint | undefined => {
    if (++depth > 200) return undefined;
    try {
      const t = tokens[pos++];
      if (t === undefined) return undefined;
      if (t === '(') {
        const v = binary(0);
        if (tokens[pos++] !== ')') return undefined;
        return v;
      }
      if (t === '-' || t === '+' || t === '~' || t === '!') {
        const v = primary();
        if (v === undefined) return undefined;
        return t === '-' ? BigInt.asIntN(64, -v) : t === '+' ? v : t === '~' ? BigInt.asIntN(64, ~v) : v === 0n ? truth : 0n;
      }
      const number = parseNumber(t);
      if (number !== undefined) return number;
      if (/^[A-Za-z_.$@?]/.test(t)) return symbol(t);
      return undefined;
    } finally {
      depth--;
    }
  };

  const binary = (min: number): bigint | undefined => {
    let left = primary();
    for (;;) {
      const op = tokens[pos];
      const prec = op === undefined ? undefined : table[op];
      if (prec === undefined || prec <= min - 1 || prec < min) return left;
      pos++;
      const right = binary(prec + 1);
      if (left === undefined || right === undefined) {
        left = undefined;
        continue;
      }
      left = apply(op!, left, right, truth);
    }
  };

  const value = binary(0);
  return pos === tokens.length ? value : undefined;
}

function apply(op: string, a: bigint, b: bigint, truth: bigint): bigint | undefined {
  const bool = (x: boolean): bigint => (x ? truth : 0n);
  switch (op) {
    case '+': return BigInt.asIntN(64, a + b);
    case '-': return BigInt.asIntN(64, a - b);
    case '*': return BigInt.asIntN(64, a * b);
    case '/': case '//': return b === 0n ? undefined : a / b;
    case '%': case '%%': return b === 0n ? undefined : a % b;
    case '<<': return b < 0n || b > 63n ? 0n : BigInt.asIntN(64, a << b);
    case '>>': return b < 0n || b > 63n ? (a < 0n ? -1n : 0n) : a >> b;
    case '|': return a | b;
    case '&': return a & b;
    case '^': return a ^ b;
    case '!': return a | ~b; // GAS: or-not
    case '==': return bool(a === b);
    case '!=': case '<>': return bool(a !== b);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    case '&&': return bool(a !== 0n && b !== 0n);
    case '||': return bool(a !== 0n || b !== 0n);
    case '^^': return bool((a !== 0n) !== (b !== 0n));
    default: return undefined;
  }
}

/** A number in any of the spellings the three preprocessors share; undefined when `t` is none. */
export function parseNumber(t: string): bigint | undefined {
  const c = t.charCodeAt(0);
  if (c === 39 /* ' */) {
    const body = t.slice(1, -1);
    if (body.length === 1) return BigInt(body.charCodeAt(0));
    const escapes: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92, "'": 39 };
    return body.length === 2 && body[0] === '\\' && escapes[body[1]!] !== undefined ? BigInt(escapes[body[1]!]!) : undefined;
  }
  if (c < 48 || c > 57) return undefined;
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt.asIntN(64, BigInt(t));
    if (/^0[bB][01]+$/.test(t)) return BigInt.asIntN(64, BigInt(t));
    if (/^[0-9][0-9a-fA-F]*[hH]$/.test(t)) return BigInt.asIntN(64, BigInt(`0x${t.slice(0, -1)}`));
    if (/^[01]+[bByY]$/.test(t)) return BigInt.asIntN(64, BigInt(`0b${t.slice(0, -1)}`));
    if (/^[0-7]+[qQoO]$/.test(t)) return BigInt.asIntN(64, BigInt(`0o${t.slice(0, -1)}`));
    if (/^[0-9]+[dD]$/.test(t)) return BigInt(t.slice(0, -1));
    if (/^0[0-7]+$/.test(t)) return BigInt.asIntN(64, BigInt(`0o${t.slice(1)}`));
    if (/^[0-9]+$/.test(t)) return BigInt.asIntN(64, BigInt(t));
  } catch {
    return undefined;
  }
  return undefined;
}
