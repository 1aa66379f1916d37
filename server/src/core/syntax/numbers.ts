/**
 * Numeric literals and the small constant expressions found in operands.
 *
 * Compilers and disassemblers write numbers as `16`, `-8`, `0x10`, `0xfffffffffffffff0`
 * (objdump's spelling of -16), `10h` (NASM, MASM-style Intel) and rarely `0b101` or GAS octal
 * `010`. Sixteen-digit hexadecimal numbers with the top bit set are read as signed 64-bit values, so
 * `and $0xfffffffffffffff0,%rsp` gives -16 exactly and kernel addresses such as
 * `ffffffff81000000` stay exact (JavaScript numbers hold 53 bits).
 */

/** How to read a leading zero: GAS reads `010` as octal, NASM as decimal. */
export type NumberFlavor = 'gas' | 'nasm';

/**
 * Parses an unsigned hexadecimal digit string (no `0x`) of up to 16 digits. Sixteen digits with
 * the top bit set are read as a negative two's-complement value. Returns undefined on any other
 * character.
 */
export function parseHexDigits(text: string, start = 0, end = text.length): number | undefined {
  const length = end - start;
  if (length <= 0 || length > 16) return undefined;
  let hi = 0;
  let lo = 0;
  for (let i = start; i < end; i++) {
    const d = hexDigit(text.charCodeAt(i));
    if (d < 0) return undefined;
    // Shift the 64-bit value (hi:lo, 32 bits each) left by four bits and add the digit.
    hi = ((hi * 16) % 4294967296) + Math.floor(lo / 268435456);
    lo = (lo % 268435456) * 16 + d;
  }
  if (length === 16 && hi >= 2147483648) return (hi - 4294967296) * 4294967296 + lo;
  return hi * 4294967296 + lo;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses one literal without sign: `16`, `0x10`, `10h`, `0b101`, `010`. */
export function parseLiteral(text: string, flavor: NumberFlavor = 'gas'): number | undefined {
  const n = text.length;
  if (n === 0) return undefined;
  const c0 = text.charCodeAt(0);
  if (c0 < 48 || c0 > 57) return undefined;
  if (n > 2 && c0 === 48) {
    const c1 = text.charCodeAt(1) | 32;
    if (c1 === 120 /* x */) return parseHexDigits(text, 2);
    if (c1 === 98 /* b */ && /^0[bB][01]+$/.test(text)) return parseInt(text.slice(2), 2);
  }
  const last = text.charCodeAt(n - 1) | 32;
  if (last === 104 /* h */) return parseHexDigits(text, 0, n - 1);
  let value = 0;
  const octal = flavor === 'gas' && c0 === 48 && n > 1;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (octal && d > 7)) return undefined;
    value = value * (octal ? 8 : 10) + d;
  }
  return value;
}

/** The result of reading a displacement expression such as `foo+8`, `-0x10`, `.L5-.L4`. */
export interface Displacement {
  readonly disp: number;
  readonly symbol: string | undefined;
}

/**
 * Reads a sum of terms, each a literal, a parenthesized constant or a symbol, into a numeric part
 * and at most one symbol: `foo+8` -> {foo, 8}, `-8` -> {-8}, `8+4*2` -> {16}. An expression with
 * two symbols (`.L5-.L4`) keeps the whole text as the symbol. Returns undefined on empty input or
 * characters that cannot be part of an expression.
 */
export function parseDisplacement(text: string, flavor: NumberFlavor = 'gas'): Displacement | undefined {
  const s = text.trim();
  if (s.length === 0) return undefined;
  const direct = parseSigned(s, flavor);
  if (direct !== undefined) return { disp: direct, symbol: undefined };
  let disp = 0;
  let symbol: string | undefined;
  let symbols = 0;
  for (const { term, sign } of signedTerms(s)) {
    const value = evaluateTerm(term, flavor);
    if (value !== undefined) disp += sign * value;
    else if (isSymbolText(term)) {
      symbols++;
      if (sign < 0) symbols++;
      symbol = term;
    } else return undefined;
  }
  if (symbols > 1) return { disp: 0, symbol: s };
  return { disp, symbol };
}

/**
 * Splits `a - b+c*2 - (d-e)` into its top-level terms with their signs (`-` flips, `+` keeps,
 * parentheses nest), trimmed: [{a, 1}, {b, -1}, {c*2, 1}, {(d-e), -1}]. Shared by displacements and
 * Intel bracket expressions.
 */
export function signedTerms(s: string): { readonly term: string; readonly sign: 1 | -1 }[] {
  const terms: { term: string; sign: 1 | -1 }[] = [];
  let sign: 1 | -1 = 1;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 43 /* + */) {
      i++;
      continue;
    }
    if (c === 45 /* - */) {
      sign = sign === 1 ? -1 : 1;
      i++;
      continue;
    }
    // One term runs to the next top-level + or - (its own leading signs were consumed above).
    let j = i;
    let depth = 0;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d === 40) depth++;
      else if (d === 41) depth--;
      else if (depth === 0 && (d === 43 || d === 45)) break;
      j++;
    }
    terms.push({ term: s.slice(i, j).trim(), sign });
    sign = 1;
    i = j;
  }
  return terms;
}

/** Parses `-8`, `+16`, `0x10`, `-0x10`, `(8)`: an optionally signed literal. */
export function parseSigned(text: string, flavor: NumberFlavor = 'gas'): number | undefined {
  const s = text;
  if (s.length === 0) return undefined;
  const c = s.charCodeAt(0);
  if (c === 45 /* - */) {
    const v = parseLiteral(s.slice(1).trim(), flavor);
    return v === undefined ? undefined : -v;
  }
  if (c === 43 /* + */) return parseLiteral(s.slice(1).trim(), flavor);
  return parseLiteral(s, flavor);
}

/** Evaluates a term made of literals, `~`, `*`, `<<` and parentheses; undefined when it names a symbol. */
export function evaluateTerm(term: string, flavor: NumberFlavor): number | undefined {
  const direct = parseLiteral(term, flavor);
  if (direct !== undefined) return direct;
  if (term.length > 64) return undefined;
  if (term.charCodeAt(0) === 126 /* ~ */) {
    // andq $~15, %rsp (glibc's start.S): the complement of an integer n is -n - 1.
    const value = evaluateTerm(term.slice(1).trim(), flavor);
    return value === undefined || !Number.isSafeInteger(value) ? undefined : -value - 1;
  }
  if (term.charCodeAt(0) === 40 && term.charCodeAt(term.length - 1) === 41) {
    const inner = parseDisplacement(term.slice(1, -1), flavor);
    return inner !== undefined && inner.symbol === undefined ? inner.disp : undefined;
  }
  const star = term.indexOf('*');
  if (star > 0) {
    const a = evaluateTerm(term.slice(0, star).trim(), flavor);
    const b = a === undefined ? undefined : evaluateTerm(term.slice(star + 1).trim(), flavor);
    return a !== undefined && b !== undefined ? a * b : undefined;
  }
  const shift = term.indexOf('<<');
  if (shift > 0) {
    const a = evaluateTerm(term.slice(0, shift).trim(), flavor);
    const b = a === undefined ? undefined : evaluateTerm(term.slice(shift + 2).trim(), flavor);
    return a !== undefined && b !== undefined && b >= 0 && b < 53 ? a * 2 ** b : undefined;
  }
  return undefined;
}

/**
 * True for text that can be a symbol reference: identifier characters of GAS and NASM
 * (`.L4`, `foo@GOTPCREL`, `__stack_chk_fail@PLT`, `$$`, `..@1.loop`), or a quoted name.
 */
export function isSymbolText(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  const c0 = text.charCodeAt(0);
  if (c0 === 34 /* " */) return n > 1 && text.charCodeAt(n - 1) === 34;
  if (c0 >= 48 && c0 <= 57) return isNumericLocalRef(text);
  for (let i = 0; i < n; i++) {
    if (!isSymbolChar(text.charCodeAt(i))) return false;
  }
  return true;
}

/** `1f`, `2b`: references to GAS numeric local labels. */
export function isNumericLocalRef(text: string): boolean {
  const n = text.length;
  if (n < 2) return false;
  const last = text.charCodeAt(n - 1);
  if (last !== 102 && last !== 98) return false;
  for (let i = 0; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Characters allowed in GAS and NASM symbol names (plus `@` for `@PLT` and `#`/`?`/`~` for NASM). */
export function isSymbolChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 /* _ */ ||
    c === 46 /* . */ ||
    c === 36 /* $ */ ||
    c === 64 /* @ */ ||
    c === 63 /* ? */ ||
    c === 126 /* ~ */ ||
    c === 35 /* # */
  );
}
