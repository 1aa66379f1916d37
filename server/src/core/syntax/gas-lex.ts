/**
 * The small lexical pieces the GAS macro expander needs: a line's code without its comments, its
 * `;`-separated statements, leading labels, and a macro invocation's arguments as GAS splits them
 * (binutils gas/macro.c `get_any_string`, after gas/app.c has squeezed the blanks).
 */

/** Where one statement of a line lies, and its text. */
export interface Statement {
  readonly text: string;
}

/**
 * The statements of a line's code: comments (`#`, `//`, `/* *\/`) removed, split at `;` outside
 * quotes. `state.inBlock` carries an open block comment to the next line.
 * `hadComment` is set when anything was removed.
 */
export function statementsOf(line: string, state: { inBlock: boolean }): { statements: string[]; hadComment: boolean } {
  const statements: string[] = [];
  let current = '';
  let hadComment = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (state.inBlock) {
      hadComment = true;
      const close = line.indexOf('*/', i);
      if (close < 0) {
        i = line.length;
        break;
      }
      state.inBlock = false;
      i = close + 1;
      current += ' ';
      continue;
    }
    if (quoted) {
      current += c;
      if (c === '\\' && i + 1 < line.length) current += line[++i];
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') {
      quoted = true;
      current += c;
    } else if (c === '#' || (c === '/' && line[i + 1] === '/')) {
      hadComment = true;
      break;
    } else if (c === '/' && line[i + 1] === '*') {
      hadComment = true;
      state.inBlock = true;
      i++;
    } else if (c === ';') {
      statements.push(current);
      current = '';
    } else current += c;
  }
  statements.push(current);
  return { statements, hadComment };
}

const LABEL = /^\s*([A-Za-z_.$][A-Za-z0-9_.$@]*|[0-9]+)\s*:(?!:)/;

/** Splits leading labels (`foo:`, `1:`) off a statement. */
export function splitLabels(statement: string): { labels: string[]; rest: string } {
  const labels: string[] = [];
  let rest = statement;
  for (let guard = 0; guard < 64; guard++) {
    const m = LABEL.exec(rest);
    if (m === null) break;
    labels.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return { labels, rest: rest.trim() };
}

/** The first word of a statement (a directive, mnemonic or macro name) and what follows it. */
export function firstWord(statement: string): { word: string; rest: string } {
  const m = /^([A-Za-z_.$][A-Za-z0-9_.$@]*)/.exec(statement);
  if (m === null) return { word: '', rest: statement };
  return { word: m[1]!, rest: statement.slice(m[1]!.length) };
}

/** One argument of an invocation: its value, and whether it was written `name=value`. */
export interface MacroArgument {
  readonly keyword: string | undefined;
  readonly value: string;
  /** Where the argument starts in the argument text (for `:vararg`, which takes the rest). */
  readonly start: number;
}

/**
 * Characters GAS's input scrubber (gas/app.c) counts as parts of symbols on x86: letters, digits,
 * `_ . $`, and tc-i386's `extra_symbol_chars` `* % - ( [ { }`.
 */
const SCRUB_SYMBOL = /[A-Za-z0-9_.$*%\-([{}]/;

/**
 * The operands of a statement as GAS's scrubber (gas/app.c, `do_scrub_chars`) leaves them before
 * a macro sees them: a run of blanks survives, as one space, only between a symbol character and
 * a symbol character, a quote or a backslash; every other blank goes. So `_XFER + 0*32` is one
 * argument (`_XFER+0*32`) and `1 -1` is two (`-` is a symbol character on x86). Quoted strings are
 * copied as they are.
 */
export function scrubOperands(text: string): string {
  let out = '';
  // After a symbol character (9), after one and blanks (10), or elsewhere in the operands (3).
  let state: 3 | 9 | 10 = 3;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      if (state === 9) state = 10;
      continue;
    }
    if (state === 10 && (SCRUB_SYMBOL.test(c) || c === '"' || c === "'" || c === '\\')) out += ' ';
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      end = Math.min(end + 1, text.length);
      out += text.slice(i, end);
      i = end - 1;
      state = 3;
      continue;
    }
    out += c;
    state = SCRUB_SYMBOL.test(c) ? 9 : 3;
  }
  return out;
}

/**
 * Splits a macro invocation's arguments as GAS does: separated by commas or blanks, a blank
 * inside parentheses does not separate (gas/app.c squeezes `8(%rsp, %rax)` first), `"..."` is
 * one argument without its quotes, and `name=value` names a parameter. An empty argument between
 * two commas is kept, so the parameter takes its default.
 */
export function splitMacroArguments(text: string, isParameter: (name: string) => boolean): MacroArgument[] {
  const args: MacroArgument[] = [];
  let i = skipBlank(text, 0);
  if (i >= text.length) return args;
  for (let guard = 0; guard <= text.length; guard++) {
    const start = i;
    let keyword: string | undefined;
    const named = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=(?!=)/.exec(text.slice(i));
    if (named !== null && isParameter(named[1]!)) {
      keyword = named[1];
      i = skipBlank(text, i + named[0].length);
    }
    const read = readArgument(text, i);
    const value = read.value;
    i = read.end;
    args.push({ keyword, value, start });
    i = skipBlank(text, i);
    if (i >= text.length) break;
    if (text[i] === ',') {
      i = skipBlank(text, i + 1);
      if (i >= text.length) {
        args.push({ keyword: undefined, value: '', start: i });
        break;
      }
    }
  }
  return args;
}

/**
 * Reads one macro argument (or parameter default) at `i`, as GAS's `get_any_string`: `"..."` is
 * the string without its quotes; otherwise up to a blank or comma outside parentheses, blanks
 * inside parentheses dropped (gas/app.c squeezes them).
 */
export function readArgument(text: string, i: number): { value: string; end: number } {
  let value = '';
  if (text[i] === '"') {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && text[i + 1] === '"') i++;
      value += text[i++];
    }
    i++;
    // GAS's getstring reads `"a""b"` as one string too.
    while (text[i] === '"') {
      i++;
      while (i < text.length && text[i] !== '"') value += text[i++];
      i++;
    }
    return { value, end: i };
  }
  let depth = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (depth === 0 && (c === ',' || c === ' ' || c === '\t')) break;
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    if (c === '"' || c === "'") {
      const close = c === "'" ? i + 2 : text.indexOf(c, i + 1);
      const end = close < 0 ? text.length : Math.min(close, text.length - 1);
      value += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (depth > 0 && (c === ' ' || c === '\t')) {
      i++;
      continue;
    }
    value += c;
    i++;
  }
  return { value, end: i };
}

function skipBlank(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}
