/**
 * A small scanner for the call syntax that CMake and Meson build files share:
 * `name(arguments ...)` with nested parentheses, quoted strings and `#` comments.
 * It finds calls and their extents; it does not evaluate anything.
 */

/** One call such as `add_executable(app main.c)`. */
export interface Call {
  /** The name as written. */
  readonly name: string;
  /** Offset of the first character of the name. */
  readonly start: number;
  /** Offset just after the closing parenthesis (the text's end when unbalanced). */
  readonly end: number;
  /** The argument words, with quotes removed; nested calls and lists are flattened. */
  readonly args: readonly string[];
  /** The text between the parentheses. */
  readonly inner: string;
}

/** Which quotes the language has: CMake has `"`, Meson has `'` (and `'''`). */
export interface CallSyntax {
  readonly quotes: string;
}

/** Finds every call in the text, outermost only, in order. Never throws. */
export function findCalls(text: string, syntax: CallSyntax): Call[] {
  const calls: Call[] = [];
  let i = 0;
  while (i < text.length) {
    const past = skipNoise(text, i, syntax);
    if (past !== i) {
      i = past;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i, i + 200));
    if (name !== null && (i === 0 || !/[A-Za-z0-9_.]/.test(text[i - 1]))) {
      let open = i + name[0].length;
      while (text[open] === ' ' || text[open] === '\t') open++;
      if (text[open] === '(') {
        const close = matchParen(text, open, syntax);
        const inner = text.slice(open + 1, close);
        calls.push({ name: name[0], start: i, end: Math.min(close + 1, text.length), args: words(inner, syntax), inner });
        i = close + 1;
        continue;
      }
      i += name[0].length;
      continue;
    }
    i++;
  }
  return calls;
}

/** The offset of the parenthesis that closes the one at `open`, or the text's length. */
export function matchParen(text: string, open: number, syntax: CallSyntax): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const past = skipNoise(text, i, syntax);
    if (past !== i) {
      i = past;
      continue;
    }
    const ch = text[i];
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  return text.length;
}

/** The offset just past the end of the line holding `offset` (after its newline). */
export function afterLine(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/** Past a `#` comment or a string that starts at `i`; `i` itself when neither does. */
function skipNoise(text: string, i: number, syntax: CallSyntax): number {
  const ch = text[i];
  if (ch === '#') return lineEnd(text, i);
  if (ch !== undefined && syntax.quotes.includes(ch)) return skipString(text, i);
  return i;
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  if (text.startsWith(quote.repeat(3), start)) {
    const close = text.indexOf(quote.repeat(3), start + 3);
    return close === -1 ? text.length : close + 3;
  }
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return Math.min(i + 1, text.length);
}

function words(inner: string, syntax: CallSyntax): string[] {
  const result: string[] = [];
  const pattern = new RegExp(`#[^\\n]*|([${syntax.quotes}])((?:\\\\.|(?!\\1)[^\\\\])*)\\1|[^\\s()\\[\\],:${syntax.quotes}#]+`, 'g');
  for (const match of inner.matchAll(pattern)) {
    if (match[0].startsWith('#')) continue;
    result.push(match[2] ?? match[0]);
  }
  return result;
}
