/**
 * How the C preprocessor reads and rewrites text: comments, quoted strings, the arguments of a
 * function-like macro's call, `#` (stringize) and `##` (paste) in a body. Used by the built-in
 * preprocessor of `.S` files (`cpp.ts`).
 */
import { MAX_LINE } from './expansion';

/** A `#define`: its parameters (undefined for an object-like macro), whether the last is `...`, and its body. */
export interface Definition {
  readonly parameters: readonly string[] | undefined;
  readonly variadic: boolean;
  readonly body: string;
}

/** A C identifier, matched at `lastIndex`. */
export const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Removes C comments (cpp does), keeping `#` lines for GAS; `inComment` carries across lines. */
export function stripCComments(text: string, inComment: boolean): { text: string; inComment: boolean } {
  if (!inComment && text.indexOf('/*') < 0 && text.indexOf('//') < 0) return { text, inComment };
  let out = '';
  let i = 0;
  let open = inComment;
  while (i < text.length) {
    if (open) {
      const close = text.indexOf('*/', i);
      if (close < 0) return { text: out, inComment: true };
      open = false;
      out += ' ';
      i = close + 2;
      continue;
    }
    const c = text[i]!;
    if (c === '"') {
      const end = skipQuoted(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      open = true;
      i += 2;
    } else if (c === '/' && text[i + 1] === '/') break;
    else {
      out += c;
      i++;
    }
  }
  return { text: out, inComment: open };
}

/** The index after the string or character literal that starts at `i` (its quote), or the end of `text`. */
export function skipQuoted(text: string, i: number): number {
  const quote = text[i];
  // A lone `'` in assembly (`.byte 'a`) is not a C character constant: stop at the line's end.
  let j = i + 1;
  while (j < text.length && text[j] !== quote) j += text[j] === '\\' ? 2 : 1;
  return Math.min(text.length, j + 1);
}

/** The arguments of a call starting at the `(` at `open`, split at top-level commas. */
export function splitCallArguments(text: string, open: number): { values: string[]; end: number } | undefined {
  const values: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = skipQuoted(text, i);
      current += text.slice(i, end);
      i = end - 1;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      if (depth === 0) {
        values.push(current.trim());
        return { values: values.length === 1 && values[0] === '' ? [] : values, end: i + 1 };
      }
      depth--;
    }
    if (c === ',' && depth === 0) {
      values.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  return undefined;
}

/**
 * C's `#x`: the argument in quotes, its blanks squeezed to one space, and `"` and `\\` escaped
 * only inside string and character literals (a `\\reg` of GAS stays `\\reg`).
 */
export function stringize(value: string): string {
  let out = '"';
  let quote = '';
  const text = value.trim().replace(/\s+/g, ' ');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== '') {
      if (c === '\\' || c === '"') out += '\\';
      out += c;
      if (c === '\\' && i + 1 < text.length) {
        const next = text[++i]!;
        if (next === '\\' || next === '"') out += '\\';
        out += next;
      } else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      out += c === '"' ? '\\"' : c;
      continue;
    }
    out += c;
  }
  return `${out}"`;
}

/** The body with parameters replaced: `#p` stringized, `a ## b` pasted, others pre-expanded. */
export function substituteParameters(definition: Definition, values: readonly string[], expand: (arg: string) => string): string {
  const parameters = definition.parameters ?? [];
  const value = (name: string): string | undefined => {
    const k = parameters.indexOf(name);
    if (k < 0) return undefined;
    if (definition.variadic && k === parameters.length - 1) return values.slice(k).join(',');
    return values[k] ?? '';
  };
  const body = definition.body;
  let out = '';
  let i = 0;
  // Each use of a parameter copies its argument: past `MAX_LINE` the rest is cut (the caller says so).
  while (i < body.length && out.length <= MAX_LINE) {
    const c = body[i]!;
    if (c === '#' && body[i + 1] === '#') {
      out = out.replace(/\s+$/, '');
      i += 2;
      while (body[i] === ' ' || body[i] === '\t') i++;
      IDENT.lastIndex = i;
      const id = IDENT.exec(body);
      if (id !== null) {
        const v = value(id[0]);
        // GNU `x, ## __VA_ARGS__`: with no variable arguments the comma goes too.
        if (id[0] === '__VA_ARGS__' && definition.variadic && (v ?? '') === '' && out.endsWith(',')) out = out.slice(0, -1);
        out += v ?? id[0];
        i += id[0].length;
      }
      continue;
    }
    if (c === '#') {
      let j = i + 1;
      while (body[j] === ' ') j++;
      IDENT.lastIndex = j;
      const id = IDENT.exec(body);
      const v = id === null ? undefined : value(id[0]);
      if (id !== null && v !== undefined) {
        out += stringize(v);
        i = j + id[0].length;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if (c === '"') {
      const end = skipQuoted(body, i);
      out += body.slice(i, end);
      i = end;
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(body);
    if (id === null) {
      out += c;
      i++;
      continue;
    }
    const v = value(id[0]);
    i += id[0].length;
    if (v === undefined) {
      out += id[0];
      continue;
    }
    // An argument next to `##` is pasted as written; others are expanded first.
    let after = i;
    while (body[after] === ' ' || body[after] === '\t') after++;
    out += body.startsWith('##', after) ? v : expand(v);
  }
  return out;
}
