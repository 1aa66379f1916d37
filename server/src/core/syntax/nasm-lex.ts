/**
 * How NASM's preprocessor reads a line: continuation lines, `;` comments, macro arguments and
 * parentheses, and a bounded `replace` for substitutions. Shared by the single-line macros
 * (`nasm-defines.ts`) and the multi-line preprocessor (`nasm-preprocessor.ts`).
 */
import { MAX_LINE, type SourceLine } from './expansion';

/**
 * NASM joins a line ending in `\` with the next (`%define x \` over two lines); the joined line
 * keeps the first line's place, and the lines it took become blank.
 */
export function joinContinuations(lines: readonly SourceLine[]): SourceLine[] {
  const out: SourceLine[] = [];
  for (let k = 0; k < lines.length; k++) {
    const first = lines[k]!;
    if (!first.text.trimEnd().endsWith('\\')) {
      out.push(first);
      continue;
    }
    let text = first.text.trimEnd().slice(0, -1);
    const taken: SourceLine[] = [];
    while (k + 1 < lines.length && taken.length < 10_000) {
      const next = lines[++k]!;
      taken.push(next);
      if (!next.text.trimEnd().endsWith('\\')) {
        text += next.text;
        break;
      }
      text += next.text.trimEnd().slice(0, -1);
    }
    out.push({ ...first, text, verbatim: false });
    for (const line of taken) out.push({ ...line, text: '', verbatim: false });
  }
  return out;
}

/**
 * `text.replace(pattern, replacer)` that stops replacing once the result is past `MAX_LINE` (the
 * matches after it become empty; the caller cuts the line and says so), so that a parameter used
 * many times with a long argument cannot build a string of gigabytes.
 */
export function replaceWithin(text: string, pattern: RegExp, replacer: (match: string, ...groups: string[]) => string): string {
  let length = text.length;
  return text.replace(pattern, (...match: string[]) => {
    if (length > MAX_LINE) return '';
    const value = replacer(...(match as [string, ...string[]]));
    length += value.length - match[0]!.length;
    return value;
  });
}

/** A line without its `;` comment (quotes respected). */
export function stripNasmComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === ';') return text.slice(0, i);
  }
  return text;
}

/** NASM macro arguments: separated by commas; `{a, b}` is one argument without its braces. */
export function splitNasmArguments(text: string): string[] {
  const trimmed = stripNasmComment(text).trim();
  if (trimmed === '') return [];
  const args: string[] = [];
  let current = '';
  let depth = 0;
  let quote = '';
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed[i]!;
    if (quote !== '') {
      current += c;
      if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    if (c === '{' && depth === 0 && current.trim() === '') {
      const close = trimmed.indexOf('}', i);
      if (close > 0) {
        current = trimmed.slice(i + 1, close);
        i = close;
        continue;
      }
    }
    if (c === '(' || c === '[') depth++;
    if ((c === ')' || c === ']') && depth > 0) depth--;
    if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  args.push(current.trim());
  return args;
}

/** Where the argument after the one starting at `from` starts (past its comma), or the end of `text`. */
export function nextArgumentStart(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    if (c === ',' && depth === 0) return i + 1;
  }
  return text.length;
}

/** The index of the `)` that closes the `(` at `open`, or -1. */
export function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}
