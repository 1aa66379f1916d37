/**
 * GAS's alternate macro mode (`.altmacro`), as binutils gas/macro.c implements it: what changes
 * when a macro is invoked while the mode is on. Linux's x86 crypto code uses it to name a register
 * by a symbol's value (`define_reg i %i` gives `reg_i = %xmm3`).
 *
 * - Arguments (`get_any_string`): `%expr` is the expression's value in decimal; `<text>` is the
 *   text (`!` quotes the next character, brackets nest); `"text"` and `'text'` keep their quotes;
 *   otherwise an argument runs to a blank, a comma or a `<`. There are no keyword arguments.
 * - The body (`macro_expand_body`): a parameter is replaced where its name appears as a word,
 *   backslash or not; `LOCAL a, b` gives each name a fresh `.LL0001`-style label for the rest of
 *   the expansion; `&name` and a trailing `&` join a parameter to the text around it.
 *
 * The mode in force when a macro is invoked decides: GAS expands the whole body at once, so a
 * `.altmacro` inside a body affects only the macros that body invokes.
 */

/** A name's first character in GAS on x86 (`$` too: `$i` is one word, not `$` and a parameter). */
const NAME_START = /[A-Za-z_.$]/;
/** A name's other characters. */
const NAME_PART = /[A-Za-z0-9_.$]/;

/** One argument as written, and where it started (a `:vararg` parameter takes the rest of the line). */
export interface AlternateArgument {
  readonly value: string;
  readonly start: number;
}

/**
 * The arguments of an invocation in alternate mode. `evaluate` gives an expression's value, or
 * undefined when it is not a constant; the first `%expr` that cannot be evaluated is returned as
 * `unevaluated` and the invocation must not be expanded (GAS rejects it).
 */
export function readAlternateArguments(text: string, evaluate: (expression: string) => bigint | undefined): { readonly args: AlternateArgument[]; readonly unevaluated?: string } {
  const args: AlternateArgument[] = [];
  let i = skipBlanks(text, 0);
  for (let guard = 0; i < text.length && guard <= text.length; guard++) {
    const start = i;
    let value = '';
    const c = text[i]!;
    if (c === '%') {
      const end = expressionEnd(text, i + 1);
      const expression = text.slice(i + 1, end);
      const result = evaluate(expression);
      if (result === undefined) return { args, unevaluated: expression.trim() };
      value = BigInt.asIntN(64, result).toString();
      i = end;
    } else if (c === '<' || c === '"' || c === "'") {
      // `<...>` gives its text; a quoted string keeps its quotes (as `"`), as GAS does in this mode.
      const read = readString(text, i);
      value = c === '<' ? read.value : `"${read.value}"`;
      i = read.end;
    } else {
      while (i < text.length && text[i] !== ' ' && text[i] !== '\t' && text[i] !== ',' && text[i] !== '<') i++;
      value = text.slice(start, i);
    }
    args.push({ value, start });
    // sb_skip_comma: blanks, at most one comma, blanks.
    i = skipBlanks(text, i);
    if (text[i] === ',') i = skipBlanks(text, i + 1);
  }
  return { args };
}

/** Hands out GAS's `LOCAL` labels, numbered through the whole file as GAS numbers them. */
export class LocalLabels {
  #count = 0;

  /** The next label: `.LL0001`, `.LL0002`, ... (hexadecimal, at least four digits). */
  next(): string {
    this.#count++;
    return `.LL${this.#count.toString(16).padStart(4, '0')}`;
  }
}

/**
 * Substitutes the lines of one macro (or `.irp`) body expansion in alternate mode, in order:
 * `values` holds each parameter's text, `counter` is `\\@`. `locals` is set for a macro body
 * (`.irp` bodies have no `LOCAL`); the labels a `LOCAL` line declares hold for the lines after it.
 */
export function alternateSubstituter(values: ReadonlyMap<string, string>, counter: string, locals: LocalLabels | undefined): (line: string) => string {
  const names = new Map(values);
  return (line) => substituteLine(line, names, counter, locals);
}

function substituteLine(text: string, names: Map<string, string>, counter: string, locals: LocalLabels | undefined): string {
  let out = '';
  let inQuote = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '&') {
      // `&name`: the parameter's value, or the text unchanged (`&` kept) when it is none.
      const token = readToken(text, i + 1);
      const value = names.get(token.name);
      out += value ?? `&${token.name}${token.joined ? '&' : ''}`;
      i = token.name === '' ? i + 1 : token.end;
      continue;
    }
    if (c === '\\') {
      const next = text[i + 1];
      if (next === '(') {
        // `\(text)`: the text, literally.
        const close = text.indexOf(')', i + 2);
        out += close < 0 ? text.slice(i + 2) : text.slice(i + 2, close);
        i = close < 0 ? text.length : close + 1;
        continue;
      }
      if (next === '@') {
        out += counter;
        i += 2;
        continue;
      }
      if (next === '&') {
        out += '\\&';
        i += 2;
        continue;
      }
      const token = readToken(text, i + 1, "'");
      const value = names.get(token.name);
      out += value ?? `\\${token.name}`;
      i = token.end;
      continue;
    }
    if (NAME_START.test(c)) {
      if (locals !== undefined && !inQuote && /^LOCAL[ \t]/i.test(text.slice(i, i + 6))) {
        // `LOCAL a, b`: fresh labels for these names; the line itself expands to nothing more.
        let at = skipBlanks(text, i + 5);
        for (let guard = 0; at < text.length && guard <= text.length; guard++) {
          const token = readToken(text, at);
          if (token.name === '') break;
          if (!names.has(token.name)) names.set(token.name, locals.next());
          at = skipBlanks(text, token.end);
          if (text[at] === ',') at = skipBlanks(text, at + 1);
        }
        i = text.length;
        continue;
      }
      const token = readToken(text, i, "'");
      out += names.get(token.name) ?? token.name;
      i = token.end;
      continue;
    }
    if (c === '"') inQuote = !inQuote;
    out += c;
    i++;
  }
  return out;
}

/**
 * A name at `i` (GAS `get_token`): its characters, then in this mode a trailing `&` is dropped
 * (it joins the name to what follows), then `skip` if it comes next (`\name'`).
 */
function readToken(text: string, i: number, skip?: string): { name: string; end: number; joined: boolean } {
  let end = i;
  if (end < text.length && NAME_START.test(text[end]!)) {
    end++;
    while (end < text.length && NAME_PART.test(text[end]!)) end++;
  }
  const name = text.slice(i, end);
  let joined = false;
  if (text[end] === '&') {
    end++;
    joined = true;
  }
  if (skip !== undefined && text[end] === skip) end++;
  return { name, end, joined };
}

/**
 * `<...>` (brackets nest) or a quoted string (a doubled quote is one quote) from `i`: the text
 * between, where `!` quotes the next character in both.
 */
function readString(text: string, i: number): { value: string; end: number } {
  const open = text[i]!;
  let value = '';
  let depth = 0;
  for (let k = i + 1; k < text.length; k++) {
    const c = text[k]!;
    if (c === '!' && k + 1 < text.length) {
      value += text[++k];
      continue;
    }
    if (open === '<' && c === '<') depth++;
    else if (open === '<' && c === '>' && depth-- === 0) return { value, end: k + 1 };
    else if (open !== '<' && c === open) {
      if (text[k + 1] !== open) return { value, end: k + 1 };
      k++;
    }
    value += c;
  }
  return { value, end: text.length };
}

/**
 * Where the expression after a `%` ends: at a comma outside parentheses, or at a blank that is
 * not followed or preceded by an operator (`%i + 1` is one expression, `%i j` is two arguments).
 */
function expressionEnd(text: string, i: number): number {
  let depth = 0;
  let k = i;
  for (; k < text.length; k++) {
    const c = text[k]!;
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && c === ',') break;
    else if (depth === 0 && (c === ' ' || c === '\t')) {
      const before = text.slice(i, k).trimEnd();
      const after = skipBlanks(text, k);
      const previous = before[before.length - 1] ?? '';
      const following = text[after] ?? '';
      if (before === '' || /[-+*/%&|^!~<>=(]/.test(previous) || /[-+*/%&|^!<>=)]/.test(following)) {
        k = after - 1;
        continue;
      }
      break;
    }
  }
  return k;
}

function skipBlanks(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}
