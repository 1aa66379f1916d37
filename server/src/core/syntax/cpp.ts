/**
 * The C preprocessor of `.S` files, two ways:
 * - `linesFromPreprocessed`: the output of the file's own compiler run with `-E`, mapped back to
 *   the written lines through its `# N "file"` line markers (lines from a header map to the
 *   `#include` line that brought them);
 * - `preprocessC`: a built-in preprocessor for what header-light sources use: object- and
 *   function-like `#define` (with `#` and `##`), `#undef`, `#include` beside the file or in the
 *   include paths, `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` with `defined`.
 * A file that could not be fully preprocessed says so once, with what was missing.
 */
import { evaluateConstant } from './const-expr';
import { IDENT, skipQuoted, splitCallArguments, stripCComments, substituteParameters, type Definition } from './cpp-lex';
import { EXPANSION_LIMITS, LINE_WORK, MAX_LINE, WorkBudget, findInclude, splitLines, type ExpansionOutput, type SourceLine, type SourceOptions } from './expansion';

/** Maps `cc -E` output back to the written lines through its line markers. */
export function linesFromPreprocessed(preprocessed: string, fileName: string | undefined, written: readonly string[], out: ExpansionOutput): SourceLine[] {
  const lines: SourceLine[] = [];
  let mainFile: string | undefined;
  let file = '';
  let next = 0;
  let includeLine = 0;
  for (const text of splitLines(preprocessed)) {
    const marker = /^#\s*(?:line\s+)?(\d+)\s+"((?:\\.|[^"\\])*)"(.*)$/.exec(text);
    if (marker !== null) {
      const name = marker[2]!.replace(/\\(.)/g, '$1');
      // The first file named is the main one (`<stdin>` when the text came on standard input).
      if (mainFile === undefined && name !== '<built-in>' && name !== '<command-line>') mainFile = name;
      file = name;
      if (file === mainFile) next = Number(marker[1]) - 1;
      else if (/\s1(\s|$)/.test(marker[3]!) && lines.length > 0) includeLine = Math.max(0, next - 1);
      continue;
    }
    if (file === mainFile) {
      const origin = Math.min(next, Math.max(0, written.length - 1));
      lines.push({ text, origin, verbatim: written[origin] === text, macro: written[origin] === text ? undefined : 'the C preprocessor' });
      next++;
    } else if (text.trim() !== '') lines.push({ text, origin: includeLine, verbatim: false, macro: `#include from ${file}` });
  }
  if (mainFile === undefined) out.problem(0, `the preprocessor output for ${fileName ?? 'this file'} has no line markers; lines may be misplaced`);
  return lines;
}

/** The predefined macros of gcc for x86-64 Linux that assembly sources test (`gcc -dM -E -x assembler-with-cpp /dev/null`). */
const BUILTIN_DEFINES: readonly (readonly [string, string])[] = [
  ['__ASSEMBLER__', '1'], ['__x86_64__', '1'], ['__x86_64', '1'], ['__amd64__', '1'], ['__amd64', '1'], ['__ELF__', '1'],
  ['__LP64__', '1'], ['_LP64', '1'], ['__linux__', '1'], ['__linux', '1'], ['__unix__', '1'], ['__gnu_linux__', '1'],
  ['__GNUC__', '12'], ['__GNUC_MINOR__', '2'], ['__CHAR_BIT__', '8'], ['__SIZEOF_POINTER__', '8'], ['__SIZEOF_LONG__', '8'],
  ['__SIZEOF_INT__', '4'], ['__MMX__', '1'], ['__SSE__', '1'], ['__SSE2__', '1'], ['__FXSR__', '1'], ['__SSE_MATH__', '1'],
  ['__SSE2_MATH__', '1'], ['__SEG_FS', '1'], ['__SEG_GS', '1'], ['__code_model_small__', '1'], ['__STDC__', '1'],
];

/** How many lines one macro invocation's arguments may run over (a missing `)` must not swallow the file). */
const MAX_CALL_LINES = 200;

/** Runs the built-in C preprocessor over the written lines. */
export function preprocessC(written: readonly string[], options: SourceOptions, out: ExpansionOutput): SourceLine[] {
  return new CPreprocessor(options, out, new WorkBudget(out)).run(written);
}

class CPreprocessor {
  readonly #macros = new Map<string, Definition>();
  readonly #result: SourceLine[] = [];
  readonly #missing = new Map<string, number>();
  #depth = 0;

  constructor(readonly options: SourceOptions, readonly out: ExpansionOutput, readonly work: WorkBudget) {
    // What `gcc -m64 -x assembler-with-cpp` predefines that assembly sources test.
    for (const [name, body] of BUILTIN_DEFINES) this.#macros.set(name, { parameters: undefined, variadic: false, body });
    for (const define of options.defines ?? []) {
      const eq = define.indexOf('=');
      const head = eq < 0 ? define : define.slice(0, eq);
      const body = eq < 0 ? '1' : define.slice(eq + 1);
      this.#define(`${head} ${body}`, 0);
    }
  }

  run(written: readonly string[]): SourceLine[] {
    for (const path of this.options.forcedIncludes ?? []) {
      const text = this.options.readFile?.(path);
      if (text === undefined) this.#note(`-include ${path} not found`, 0);
      else this.#file(splitLines(text), path, 0);
    }
    this.#file(written, this.options.fileName, undefined);
    if (this.#missing.size > 0) {
      const [first] = this.#missing.values();
      const what = [...this.#missing.keys()].slice(0, 8).join('; ');
      const more = this.#missing.size > 8 ? ` and ${this.#missing.size - 8} more` : '';
      this.out.problem(first!, `not fully preprocessed (the built-in C preprocessor; configure redzone.includePaths or -I, or a compile_commands.json entry in a trusted workspace): ${what}${more}`);
    }
    return this.#result;
  }

  #note(what: string, line: number): void {
    if (!this.#missing.has(what)) this.#missing.set(what, line);
  }

  /** Preprocesses one file; `includedAt` is the written line of the `#include` that brought it. */
  #file(lines: readonly string[], path: string | undefined, includedAt: number | undefined, pathIndex = -1): void {
    const stack: { active: boolean; taken: boolean; outer: boolean }[] = [];
    const active = (): boolean => stack.length === 0 || stack[stack.length - 1]!.active;
    const emit = (text: string, k: number, verbatim: boolean): void => {
      const origin = includedAt ?? k;
      if (!this.work.spend(text.length + LINE_WORK, origin)) return;
      this.#result.push({ text, origin, verbatim: includedAt === undefined && verbatim, macro: includedAt === undefined ? (verbatim ? undefined : 'the C preprocessor') : `#include from ${path ?? 'a header'}` });
    };
    let inComment = false;
    for (let k = 0; k < lines.length; k++) {
      if (this.work.spent) return;
      let text = lines[k]!;
      const first = k;
      // Line continuation: the joined line keeps the first line; the others become blank.
      let joined = 0;
      while (text.endsWith('\\') && k + 1 < lines.length && joined < 10_000) {
        text = `${text.slice(0, -1)}${lines[++k]}`;
        joined++;
      }
      let code = stripCComments(text, inComment);
      // A function-like macro whose arguments run on over the next lines (Linux's
      // `roundsm16(%xmm0, ..., %xmm7,` then `%xmm8, ...);`): cpp reads on to the closing
      // parenthesis. The invocation keeps its first line; the lines it took become blank.
      if (active() && !/^\s*#/.test(code.text)) {
        for (let extra = 0; extra < MAX_CALL_LINES && k + 1 < lines.length && !/^\s*#/.test(lines[k + 1]!) && this.#unclosedCall(code.text); extra++) {
          text = `${text}\n${lines[++k]}`;
          if (!this.work.spend(text.length, first)) return;
          code = stripCComments(text, inComment);
        }
        if (k > first) code = { ...code, text: code.text.replace(/\n/g, ' ') };
      }
      inComment = code.inComment;
      const directive = /^\s*#\s*([a-z_]+)\b(.*)$/.exec(code.text);
      if (directive === null) {
        if (active() && includedAt === undefined) {
          const expanded = this.#expandLine(code.text, first);
          emit(expanded, first, expanded === lines[first]);
        } else if (active()) {
          const expanded = this.#expandLine(code.text, first);
          if (expanded.trim() !== '') emit(expanded, first, false);
        } else if (includedAt === undefined) emit('', first, false);
        for (let j = first + 1; j <= k && includedAt === undefined; j++) emit('', j, false);
        continue;
      }
      const [, word, rest] = directive as unknown as [string, string, string];
      const origin = includedAt ?? first;
      switch (word) {
        case 'if':
        case 'ifdef':
        case 'ifndef': {
          if (!active()) {
            stack.push({ active: false, taken: true, outer: false });
            break;
          }
          const name = rest.trim();
          const value = word === 'if' ? this.#condition(rest, origin) : word === 'ifdef' ? this.#macros.has(name) : !this.#macros.has(name);
          stack.push({ active: value, taken: value, outer: true });
          break;
        }
        case 'elif': {
          const top = stack[stack.length - 1];
          if (top === undefined) break;
          if (!top.outer || top.taken) top.active = false;
          else {
            top.active = this.#condition(rest, origin);
            top.taken = top.active;
          }
          break;
        }
        case 'else': {
          const top = stack[stack.length - 1];
          if (top !== undefined) {
            top.active = top.outer && !top.taken;
            top.taken = true;
          }
          break;
        }
        case 'endif':
          stack.pop();
          break;
        case 'define':
          if (active()) this.#define(rest, origin);
          break;
        case 'undef':
          if (active()) this.#macros.delete(rest.trim());
          break;
        case 'include':
        case 'include_next':
          if (active()) this.#include(rest, path, origin, word === 'include_next' ? pathIndex + 1 : 0);
          break;
        case 'error':
          if (active()) this.out.problem(origin, `#error${rest}`);
          break;
        default:
          // `# comment`, `#APP`, `#pragma`, `#line`, `#warning`: nothing to do.
          if (includedAt === undefined && active() && !/^(pragma|line|warning|ident|sccs)$/.test(word)) {
            emit(lines[first]!, first, true);
            continue;
          }
      }
      if (includedAt === undefined) for (let j = first; j <= k; j++) emit('', j, false);
    }
  }

  #define(rest: string, line: number): void {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(\(([^)]*)\))?\s*(.*)$/.exec(rest);
    if (m === null) {
      this.out.problem(line, `#define without a name`);
      return;
    }
    const parameters = m[2] === undefined ? undefined : m[3]!.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const variadic = parameters !== undefined && parameters.length > 0 && parameters[parameters.length - 1]!.endsWith('...');
    const names = parameters?.map((p) => (p === '...' ? '__VA_ARGS__' : p.replace(/\.\.\.$/, '')));
    this.#macros.set(m[1]!, { parameters: names, variadic, body: m[4]!.trim() });
  }

  #include(rest: string, from: string | undefined, line: number, firstPath: number): void {
    const spelled = this.#expandLine(rest, line).trim();
    const m = /^(?:"([^"]*)"|<([^>]*)>)/.exec(spelled);
    if (m === null) {
      this.out.problem(line, `#include ${rest.trim()}: not a file name`);
      return;
    }
    const name = m[1] ?? m[2]!;
    if (this.#depth >= EXPANSION_LIMITS.depth) {
      this.out.problem(line, `#include ${spelled} nested more than ${EXPANSION_LIMITS.depth} deep; not followed`);
      return;
    }
    const found = findInclude(name, from, m[2] !== undefined, this.options, firstPath);
    if (found === undefined) {
      this.#note(`${spelled} not found`, line);
      return;
    }
    // A file that includes itself twice doubles at each level: its text counts as work.
    if (!this.work.spend(found.text.length, line)) return;
    this.#depth++;
    this.#file(splitLines(found.text), found.path, line, found.index);
    this.#depth--;
  }

  #condition(rest: string, line: number): boolean {
    // `defined X` and `defined(X)` first, so that X is not expanded.
    const withDefined = rest.replace(/\bdefined\s*(?:\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|([A-Za-z_][A-Za-z0-9_]*))/g, (_, a, b) => (this.#macros.has(a ?? b) ? '1' : '0'));
    const expanded = this.#expand(withDefined, new Set(), 0, line, true).replace(/\bdefined\s*(?:\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)|([A-Za-z_][A-Za-z0-9_]*))/g, (_, a, b) => (this.#macros.has(a ?? b) ? '1' : '0')).replace(/\b([0-9]+|0[xX][0-9a-fA-F]+)[uUlL]+\b/g, '$1');
    // C: an identifier left after expansion is 0.
    const value = evaluateConstant(expanded, 'c', () => 0n);
    if (value === undefined) {
      this.#note(`#if ${rest.trim()} could not be evaluated (taken as false)`, line);
      return false;
    }
    return value !== 0n;
  }

  /** Expands the macros of one line of text. */
  /** True when `text` calls a function-like macro whose closing parenthesis is not in it. */
  #unclosedCall(text: string): boolean {
    for (let i = 0; i < text.length; ) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        i = skipQuoted(text, i);
        continue;
      }
      if (/[0-9]/.test(c)) {
        // A number (`0x1f`) holds no name.
        while (i < text.length && /[0-9A-Za-z_.]/.test(text[i]!)) i++;
        continue;
      }
      IDENT.lastIndex = i;
      const id = IDENT.exec(text);
      if (id === null) {
        i++;
        continue;
      }
      i += id[0].length;
      if (this.#macros.get(id[0])?.parameters === undefined) continue;
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (text[j] === '(' && splitCallArguments(text, j) === undefined) return true;
    }
    return false;
  }

  #expandLine(text: string, line: number): string {
    if (!/[A-Za-z_]/.test(text)) return text;
    const result = this.#expand(text, new Set(), 0, line);
    const unexpanded = /^\s*(?:[A-Za-z_.$][\w.$]*:\s*)?([A-Z_][A-Z0-9_]*)\(/.exec(result);
    if (unexpanded !== null && !this.#macros.has(unexpanded[1]!)) this.#note(`macro ${unexpanded[1]}(...) left unexpanded`, line);
    return result;
  }

  /**
   * Expands macros in `text`. In a condition (`inCondition`), the name after a `defined` that a
   * macro produced is kept as written, as GCC does, so that `defined X` can still be answered.
   */
  #expand(text: string, hidden: ReadonlySet<string>, depth: number, line: number, inCondition = false): string {
    if (depth > EXPANSION_LIMITS.depth) {
      this.out.problem(line, `C macro expansion nested more than ${EXPANSION_LIMITS.depth} deep; left unexpanded`);
      return text;
    }
    if (!this.work.spend(text.length + 1, line)) return text;
    let out = '';
    let i = 0;
    while (i < text.length && !this.work.spent) {
      if (out.length > MAX_LINE) {
        this.out.problem(line, 'C macro expansion of this line grew past 64 KiB; cut');
        return out;
      }
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const end = skipQuoted(text, i);
        out += text.slice(i, end);
        i = end;
        continue;
      }
      if (/[0-9]/.test(c)) {
        const m = /[0-9A-Za-z_.]*/y;
        m.lastIndex = i;
        m.exec(text);
        out += text.slice(i, m.lastIndex);
        i = m.lastIndex;
        continue;
      }
      IDENT.lastIndex = i;
      const id = IDENT.exec(text);
      if (id === null) {
        out += c;
        i++;
        continue;
      }
      const name = id[0];
      i += name.length;
      if (inCondition && name === 'defined') {
        const operand = /^\s*(?:\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)|[A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
        out += name + (operand?.[0] ?? '');
        i += operand?.[0].length ?? 0;
        continue;
      }
      // As in C, a name after `%`, `\` or `.` is still a name (`%__percpu_seg:` expands).
      const definition = hidden.has(name) ? undefined : this.#macros.get(name);
      if (definition === undefined) {
        out += name;
        continue;
      }
      const inner = new Set(hidden).add(name);
      if (definition.parameters === undefined) {
        out += this.#expand(definition.body, inner, depth + 1, line, inCondition);
        continue;
      }
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (text[j] !== '(') {
        out += name;
        continue;
      }
      const args = splitCallArguments(text, j);
      if (args === undefined) {
        out += name;
        continue;
      }
      i = args.end;
      const body = substituteParameters(definition, args.values, (arg) => this.#expand(arg, hidden, depth + 1, line, inCondition));
      out += this.#expand(body, inner, depth + 1, line, inCondition);
    }
    return out;
  }
}
