/**
 * The preprocessing front end: hand-written assembly as its authors write it (GAS macros, the C
 * preprocessor of `.S` files, NASM's preprocessor) becomes the plain lines the parsers read, each
 * with the line of the text the user wrote that produced it.
 *
 * This is a stage of its own, before the parsers: it reads lines and writes lines, so the parsers
 * and the analysis never learn that a line came from a macro. Findings are moved back to the
 * invocation's line by `remapReport` (`../expanded-report.ts`).
 *
 * Invariants: pure (files come through `SourceOptions.readFile`), never throws, and bounded: a
 * recursive or exponential definition stops at `EXPANSION_LIMITS` with a problem on the line
 * that hit the bound.
 */

/** How the host lets the preprocessors read other files, and what it predefines. */
export interface SourceOptions {
  /** Run the C preprocessor first (a `.S` file, or `--cpp`). */
  readonly c?: boolean;
  /** The file's path, `/`-separated; `#include "x"` and `.include` look beside it first. */
  readonly fileName?: string;
  /** Directories searched for includes after the file's own (`-I`, `redzone.includePaths`). */
  readonly includePaths?: readonly string[];
  /** Files read before the file itself, as `-include FILE` does (Kbuild's `linux/kconfig.h`). */
  readonly forcedIncludes?: readonly string[];
  /** Predefined symbols, `NAME` or `NAME=VALUE` (`-D`, `redzone.defines`). */
  readonly defines?: readonly string[];
  /** Reads a file, or undefined when it does not exist or cannot be read. */
  readonly readFile?: (path: string) => string | undefined;
  /**
   * The output of the file's own compiler run with `-E` (the host ran it from the file's
   * compile_commands.json entry). Its `# line "file"` markers map it back; the built-in C
   * preprocessor is then not used.
   */
  readonly preprocessed?: string;
}

/** A problem found while expanding, on a line of the text the user wrote. */
export interface ExpansionProblem {
  readonly line: number;
  readonly message: string;
}

/** Lines of the written text that were not analyzed, and why (one entry per cause and line range). */
export interface UncoveredRange {
  readonly line: number;
  readonly endLine: number;
  /** A short cause shared by similar ranges, for statistics: "condition not evaluated". */
  readonly cause: string;
}

/** The expanded text and its map back to the text the user wrote. */
export interface ExpandedSource {
  /** True when anything was expanded; otherwise `text` is the input itself. */
  readonly changed: boolean;
  readonly text: string;
  /** For each line of `text`, the 0-based line of the written text it came from. */
  readonly origin: readonly number[];
  /** For each line of `text`: true when it is that written line, unchanged (offsets map one to one). */
  readonly verbatim: readonly boolean[];
  /** For each line of `text`, the macro (or chain, outermost first) that produced it, if any. */
  readonly macro: readonly (string | undefined)[];
  readonly problems: readonly ExpansionProblem[];
  readonly uncovered: readonly UncoveredRange[];
}

/** Bounds every expansion: nesting depth, and lines produced per line of input. */
export const EXPANSION_LIMITS = {
  /** Nested macro invocations and includes; GAS's own limit is 100 (`max_macro_nest`). */
  depth: 100,
  /** At most this many output lines, or 64 times the input's lines when that is larger. */
  minLines: 200_000,
  linesPerInputLine: 64,
  /** At most this many characters in all, or 1,024 per input line when that is larger: lines may be 64 KiB each, so a line count alone let a runaway expansion fill the memory. */
  minCharacters: 1 << 24,
  charactersPerInputLine: 1024,
  /**
   * Work each stage (C preprocessor, GAS macros, NASM preprocessor) may do, in characters read or
   * built (lines stepped through, substituted bodies, loop copies, included files, single-line
   * expansions), or 2,048 per input line when that is larger. The output budgets above bound only
   * what is emitted; this bounds what is done before a line is emitted, where an exponential
   * argument or a self-including file grows without emitting.
   */
  minWork: 1 << 24,
  workPerInputLine: 2048,
} as const;

/** The work charged for each line a stage reads or copies, besides its characters (its record and its handling). */
export const LINE_WORK = 16;

/** The longest line a macro may expand to (64 KiB): no real line comes near it, a runaway one is cut. */
export const MAX_LINE = 1 << 16;

/**
 * The work budget of one expansion stage (see `EXPANSION_LIMITS.minWork`). When it is spent, the
 * stage stops with one problem on the line it was expanding; the lines it produced so far stay.
 */
export class WorkBudget {
  readonly #budget: number;
  #used = 0;
  /** Set once the budget is spent; the stage stops. */
  spent = false;

  /** A budget in proportion to the written text's lines (not to an earlier stage's output). */
  constructor(readonly out: ExpansionOutput) {
    this.#budget = Math.max(EXPANSION_LIMITS.minWork, out.inputLines * EXPANSION_LIMITS.workPerInputLine);
  }

  /** Charges `characters` of work done for written line `line`; false (and a problem, once) when the budget is spent. */
  spend(characters: number, line: number): boolean {
    if (this.spent) return false;
    this.#used += characters;
    if (this.#used <= this.#budget) return true;
    this.spent = true;
    this.out.problem(line, `expansion stopped: more than ${this.#budget} characters of macro work (a runaway or exponential macro, loop or include?); the rest of the file is not analyzed`);
    return false;
  }
}

/** `text` cut to `MAX_LINE` characters, with a problem on `line` when it was longer. */
export function capLine(text: string, line: number, out: ExpansionOutput, what: string): string {
  if (text.length <= MAX_LINE) return text;
  out.problem(line, `${what} grew past 64 KiB; cut`);
  return text.slice(0, MAX_LINE);
}

/** One line on its way out, with where it came from. */
export interface SourceLine {
  readonly text: string;
  readonly origin: number;
  readonly verbatim: boolean;
  readonly macro: string | undefined;
}

/** Collects the output lines, the problems (each once) and the uncovered ranges, within the line budget. */
export class ExpansionOutput {
  readonly lines: string[] = [];
  readonly origin: number[] = [];
  readonly verbatim: boolean[] = [];
  readonly macro: (string | undefined)[] = [];
  readonly problems: ExpansionProblem[] = [];
  readonly uncovered: UncoveredRange[] = [];
  readonly #seen = new Set<string>();
  readonly #budget: number;
  readonly #characterBudget: number;
  #characters = 0;
  changed = false;
  /** Set once the line budget is spent; the expanders stop. */
  exhausted = false;

  constructor(readonly inputLines: number) {
    this.#budget = Math.max(EXPANSION_LIMITS.minLines, inputLines * EXPANSION_LIMITS.linesPerInputLine);
    this.#characterBudget = Math.max(EXPANSION_LIMITS.minCharacters, inputLines * EXPANSION_LIMITS.charactersPerInputLine);
  }

  /** Appends a line; false (and a problem, once) when the budget is spent. */
  emit(line: SourceLine): boolean {
    if (this.lines.length >= this.#budget || this.#characters + line.text.length > this.#characterBudget) {
      if (!this.exhausted) {
        this.exhausted = true;
        const what = this.lines.length >= this.#budget ? `${this.#budget} lines` : `${this.#characterBudget} characters`;
        this.problem(line.origin, `expansion stopped: more than ${what} produced (a recursive or runaway macro?); the rest of the file is not analyzed`);
      }
      return false;
    }
    this.#characters += line.text.length + 1;
    if (!line.verbatim) this.changed = true;
    this.lines.push(line.text);
    this.origin.push(line.origin);
    this.verbatim.push(line.verbatim);
    this.macro.push(line.macro);
    return true;
  }

  /** Records a problem once per line and message. */
  problem(line: number, message: string): void {
    const key = `${line}\u0000${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.problems.push({ line, message });
  }

  /** Records written lines `[line, endLine]` as not analyzed, for `cause`. */
  uncover(line: number, endLine: number, cause: string): void {
    const last = this.uncovered[this.uncovered.length - 1];
    if (last !== undefined && last.cause === cause && last.endLine + 1 >= line && last.line <= line) {
      if (endLine > last.endLine) this.uncovered[this.uncovered.length - 1] = { ...last, endLine };
      return;
    }
    this.uncovered.push({ line, endLine, cause });
  }

  /** The result, or the input unchanged when nothing was expanded. */
  finish(input: string): ExpandedSource {
    if (!this.changed && this.lines.length === countLines(input)) {
      return { changed: false, text: input, origin: this.origin, verbatim: this.verbatim, macro: this.macro, problems: this.problems, uncovered: this.uncovered };
    }
    return { changed: true, text: this.lines.join('\n'), origin: this.origin, verbatim: this.verbatim, macro: this.macro, problems: this.problems, uncovered: this.uncovered };
  }
}

/** Splits a text into lines (without `\r`), as the parsers number them. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.endsWith('\r')) lines[k] = line.slice(0, -1);
  }
  return lines;
}

function countLines(text: string): number {
  let count = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** The directory part of a `/`-separated path ('' for a bare name). */
export function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * Finds an included file: beside `fromFile` first (unless `angled`), then in each include path
 * from `firstPath` on (`#include_next` starts after the path its file came from). Returns its
 * path, text and the index of the include path it was found in (-1: beside the file), or undefined.
 */
export function findInclude(name: string, fromFile: string | undefined, angled: boolean, options: SourceOptions, firstPath = 0): { path: string; text: string; index: number } | undefined {
  const read = options.readFile;
  if (read === undefined || name === '') return undefined;
  if (name.startsWith('/')) {
    const text = read(name);
    return text === undefined ? undefined : { path: name, text, index: -1 };
  }
  if (!angled && fromFile !== undefined && firstPath === 0) {
    const dir = directoryOf(fromFile);
    const path = dir === '' ? name : `${dir}/${name}`;
    const text = read(path);
    if (text !== undefined) return { path, text, index: -1 };
  }
  const paths = options.includePaths ?? [];
  for (let k = Math.max(0, firstPath); k < paths.length; k++) {
    const path = `${paths[k]!.replace(/\/+$/, '')}/${name}`;
    const text = read(path);
    if (text !== undefined) return { path, text, index: k };
  }
  return undefined;
}
