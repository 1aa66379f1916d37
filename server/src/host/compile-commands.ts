/**
 * Finding, parsing and querying `compile_commands.json` (the JSON compilation database that CMake,
 * Bear, Meson and Kbuild's `gen_compile_commands.py` write).
 *
 * The database tells how the C source behind an assembly file was compiled, which is the third
 * kind of kernel evidence (docs/contracts.md, "Which files count as kernel code"). Parsing never throws: a broken file
 * becomes a `problem` string that the CLI prints and the language server shows.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, parse as parsePath, resolve } from 'node:path';
import { parse as shellParse } from 'shell-quote';
import { describeFsError } from './fs-errors';

/** One entry of the database, with its paths resolved and its command split into arguments. */
export interface CompileCommand {
  /** The `directory` field, made absolute. */
  readonly directory: string;
  /** The `file` field, resolved against `directory`. */
  readonly file: string;
  /** The output (`output` field, or the argument after `-o`), resolved against `directory`, when known. */
  readonly output: string | undefined;
  /** The compiler's arguments, `arguments` as given or `command` split like a POSIX shell would. */
  readonly arguments: readonly string[];
  /** True when the compiler stops after generating assembly (`-S`). */
  readonly emitsAssembly: boolean;
}

/** A loaded database: its entries and the indexes used to find the entry of one file. */
export interface CompileDatabase {
  readonly path: string;
  readonly entries: readonly CompileCommand[];
  /** Entries that could not be used, and why; a database with problems is still usable. */
  readonly problems: readonly string[];
  readonly byFile: ReadonlyMap<string, CompileCommand[]>;
  readonly byOutput: ReadonlyMap<string, CompileCommand[]>;
  /** Keyed by `directory/stem` of the source and of the output, e.g. `/src/foo` for `/src/foo.c`. */
  readonly byDirStem: ReadonlyMap<string, CompileCommand[]>;
  /** Keyed by the bare stem, e.g. `foo`; used only when exactly one entry has that stem. */
  readonly byStem: ReadonlyMap<string, CompileCommand[]>;
}

/** The result of loading a database: the database, or a problem that says why it is unusable. */
export type LoadResult =
  | { readonly ok: true; readonly database: CompileDatabase }
  | { readonly ok: false; readonly problem: string };

/** How an entry was matched to the file under analysis; the kernel reason quotes it. */
export interface CompileCommandMatch {
  readonly entry: CompileCommand;
  /** e.g. "its `file` is this file", "it compiles `foo.c`, the source of this file". */
  readonly how: string;
}

const fileName = 'compile_commands.json';

/**
 * Finds the database for a file: `compile_commands.json` in the file's directory or one of its
 * ancestors, also looking in a `build/` subdirectory of each (as clangd does). Returns an absolute
 * path or undefined.
 */
export function findCompileCommands(filePath: string): string | undefined {
  let dir = dirname(resolve(filePath));
  for (;;) {
    for (const candidate of [join(dir, fileName), join(dir, 'build', fileName)]) {
      if (isFile(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const cache = new Map<string, { readonly mtimeMs: number; readonly size: number; readonly result: LoadResult }>();

/**
 * Loads and indexes a database. The result is cached per path, modification time and size, so
 * the language server can call this on every change without re-reading a 30 000-entry file.
 */
export function loadCompileCommands(path: string): LoadResult {
  const absolute = resolve(path);
  let stat;
  try {
    stat = statSync(absolute);
  } catch (error) {
    return { ok: false, problem: `cannot read ${absolute}: ${describeFsError(error)}` };
  }
  if (!stat.isFile()) return { ok: false, problem: `${absolute} is not a file` };
  const cached = cache.get(absolute);
  if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.result;
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    return { ok: false, problem: `cannot read ${absolute}: ${describeFsError(error)}` };
  }
  const result = parseCompileCommands(text, absolute);
  cache.set(absolute, { mtimeMs: stat.mtimeMs, size: stat.size, result });
  return result;
}

/** Parses database text; `path` is where it came from (relative `directory` fields are resolved against its directory). */
export function parseCompileCommands(text: string, path: string): LoadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `${path} is not valid JSON (${describeFsError(error)})` };
  }
  if (!Array.isArray(json)) {
    return { ok: false, problem: `${path} is not a JSON array of compile commands` };
  }
  const problems: string[] = [];
  const entries: CompileCommand[] = [];
  json.forEach((raw: unknown, index) => {
    const entry = toEntry(raw, dirname(path));
    if (typeof entry === 'string') problems.push(`${path}: entry ${index}: ${entry}`);
    else entries.push(entry);
  });
  return { ok: true, database: index(path, entries, problems) };
}

/** Validates one raw entry; returns a problem string when it is unusable. */
function toEntry(raw: unknown, databaseDir: string): CompileCommand | string {
  if (typeof raw !== 'object' || raw === null) return 'not an object';
  const record = raw as Record<string, unknown>;
  if (typeof record.file !== 'string') return 'has no "file" string';
  // The specification requires an absolute directory, but generators in the wild write relative
  // ones; resolving them against the database's own directory is what clangd does too.
  const directory = resolve(databaseDir, typeof record.directory === 'string' ? record.directory : '.');
  let args: string[];
  if (Array.isArray(record.arguments) && record.arguments.every((arg) => typeof arg === 'string')) {
    args = record.arguments as string[];
  } else if (typeof record.command === 'string') {
    args = splitCommand(record.command);
  } else {
    return 'has neither an "arguments" array of strings nor a "command" string';
  }
  const outputArg = outputOf(args);
  const output = typeof record.output === 'string' ? record.output : outputArg;
  return {
    directory,
    file: resolve(directory, record.file),
    output: output === undefined ? undefined : resolve(directory, output),
    arguments: args,
    emitsAssembly: args.includes('-S'),
  };
}

/**
 * Splits a `command` string like a POSIX shell: quotes and backslash escapes are honoured and
 * `$VAR` is kept literally (the database's environment is unknown, and a flag is never a variable).
 */
export function splitCommand(command: string): string[] {
  const parts = shellParse(command, (key: string) => `$${key}`);
  const args: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') args.push(part);
    else if ('op' in part && part.op === 'glob') args.push(part.pattern);
    // Operators (`&&`, `;`, `>`) end the compiler's own command; comments carry no flags.
    else if ('op' in part) break;
  }
  return args;
}

/** The argument of the last `-o` (`-o foo.s` or `-ofoo.s`). */
function outputOf(args: readonly string[]): string | undefined {
  let output: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-o' && i + 1 < args.length) output = args[++i];
    else if (arg.startsWith('-o') && arg.length > 2) output = arg.slice(2);
  }
  return output;
}

function index(path: string, entries: CompileCommand[], problems: string[]): CompileDatabase {
  const byFile = new Map<string, CompileCommand[]>();
  const byOutput = new Map<string, CompileCommand[]>();
  const byDirStem = new Map<string, CompileCommand[]>();
  const byStem = new Map<string, CompileCommand[]>();
  const add = (map: Map<string, CompileCommand[]>, key: string, entry: CompileCommand) => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [entry]);
    else if (!list.includes(entry)) list.push(entry);
  };
  for (const entry of entries) {
    add(byFile, entry.file, entry);
    add(byDirStem, dirStem(entry.file), entry);
    add(byStem, parsePath(entry.file).name, entry);
    if (entry.output !== undefined) {
      add(byOutput, entry.output, entry);
      add(byDirStem, dirStem(entry.output), entry);
    }
  }
  return { path, entries, problems, byFile, byOutput, byDirStem, byStem };
}

/** `/a/b/foo.c` -> `/a/b/foo`; `/a/b/foo.tar.gz` -> `/a/b/foo.tar`. */
function dirStem(path: string): string {
  return path.slice(0, path.length - extname(path).length);
}

/**
 * Finds the entry that compiled `filePath` or the source it came from, most certain match first:
 * the entry's `file` is this file (an assembler source such as `head.S`); its output is this file
 * (`gcc -S foo.c -o foo.s`); its source or output has the same directory and stem (`foo.s` beside
 * `foo.c` or `foo.o`); or it is the only entry in the database whose source has this stem.
 */
export function matchCompileCommand(database: CompileDatabase, filePath: string): CompileCommandMatch | undefined {
  const absolute = isAbsolute(filePath) ? filePath : resolve(filePath);
  const first = (list: CompileCommand[] | undefined) => (list && list.length > 0 ? list[0] : undefined);
  const byFile = first(database.byFile.get(absolute));
  if (byFile) return { entry: byFile, how: 'its "file" is this file' };
  const byOutput = first(database.byOutput.get(absolute));
  if (byOutput) return { entry: byOutput, how: `its output is this file` };
  const sameStem = database.byDirStem.get(dirStem(absolute)) ?? [];
  // Prefer the entry that stops at assembly (`-S`): it is the one that wrote this file.
  const stemEntry = sameStem.find((entry) => entry.emitsAssembly) ?? sameStem[0];
  if (stemEntry) return { entry: stemEntry, how: `it compiles \`${stemEntry.file}\`, which has the same name as this file` };
  const unique = database.byStem.get(parsePath(absolute).name);
  if (unique && unique.length === 1) {
    return { entry: unique[0]!, how: `it compiles \`${unique[0]!.file}\`, the only source with this file's name` };
  }
  return undefined;
}

/** What to make a database entry's compiler produce instead of its object. */
export interface InvocationRequest {
  /** `-S` (assembly) or `-E` (preprocessed source). */
  readonly stop: '-S' | '-E';
  /** Where the output goes; the entry's own `-o` is dropped, so its object is never overwritten. */
  readonly output: string;
  /** Flags appended after the entry's own, so they win where the compiler takes the last one (`-g` over `-g0`). */
  readonly extra?: readonly string[];
  /** Read the source from standard input (an unsaved buffer) instead of from the file. */
  readonly stdin?: boolean;
}

/** A compiler run: the program and its arguments (for `execFile`, never a shell), in the entry's directory. */
export interface Invocation {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** Flags dropped together with the argument that follows them (`-o out.o`, `-MF dep.d`). */
const droppedWithValue = new Set(['-o', '-MF', '-MT', '-MQ']);
/** Flags that choose another output or write side files (dependencies, temporaries, LTO bytecode instead of code). */
const droppedAlone = new Set(['-c', '-S', '-E', '-M', '-MM', '-MD', '-MMD', '-MG', '-MP', '-fsyntax-only', '-save-temps', '-flto', '-ffat-lto-objects', '-gsplit-dwarf']);

/** True for one argument that must not reach the rewritten command on its own. */
function droppedFlag(arg: string): boolean {
  if (droppedAlone.has(arg)) return true;
  // -ofoo.o, -MFfoo.d, -MTfoo.o: the joined spellings.
  if (/^-(o|MF|MT|MQ).+/.test(arg)) return true;
  // Kbuild writes dependency files through the preprocessor: -Wp,-MMD,dir/.foo.o.d
  if (/^-Wp,-M{1,2}D,/.test(arg)) return true;
  return arg.startsWith('-save-temps=') || arg.startsWith('-flto=');
}

/** The `-x` language of a source file by its extension, for reading it from standard input. */
export function sourceLanguageOf(path: string): 'c' | 'c++' | 'assembler-with-cpp' | undefined {
  const ext = extname(path);
  if (ext === '.c' || ext === '.h') return 'c';
  if (['.cc', '.cpp', '.cxx', '.c++', '.C', '.hh', '.hpp', '.hxx'].includes(ext)) return 'c++';
  if (ext === '.S' || ext === '.sx') return 'assembler-with-cpp';
  return undefined;
}

/**
 * The entry's own compiler and flags, made to write `request.stop` output to `request.output`:
 * its `-o`, `-c`, dependency-file and LTO flags are dropped, everything else (defines, include
 * paths, `-O2`, `-m...`) is kept in order, and `request.extra` comes last. With `stdin`, the source
 * argument becomes `-x LANG -` and the source's directory is added as a quote-include directory, so
 * `#include "irq.h"` still finds its neighbour.
 */
export function invocationFor(entry: CompileCommand, request: InvocationRequest): Invocation {
  const [program = 'cc', ...rest] = entry.arguments;
  const args: string[] = [];
  const source = request.stdin ? ['-iquote', dirname(entry.file), '-x', sourceLanguageOf(entry.file) ?? 'c', '-'] : undefined;
  let sawSource = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (droppedWithValue.has(arg)) {
      i++;
      continue;
    }
    if (droppedFlag(arg)) continue;
    if (!arg.startsWith('-') && resolve(entry.directory, arg) === entry.file) {
      sawSource = true;
      args.push(...(source ?? [arg]));
      continue;
    }
    args.push(arg);
  }
  // The command may spell the source another way (through a link): the entry's `file` is the input then.
  if (!sawSource) args.push(...(source ?? [entry.file]));
  args.push(request.stop, ...(request.extra ?? []), '-o', request.output);
  return { program, args, cwd: entry.directory };
}

/**
 * A database entry made from `compile_flags.txt` (one flag a line, as clangd reads it): the flags
 * apply to every source under its directory, compiled by `clang` as clangd assumes.
 */
export function compileFlagsEntry(flagsPath: string, text: string, sourcePath: string): CompileCommand {
  const flags = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const file = resolve(sourcePath);
  return { directory: dirname(resolve(flagsPath)), file, output: undefined, arguments: ['clang', ...flags, file], emitsAssembly: false };
}

/**
 * Finds `compile_flags.txt` for a source: in its directory or the nearest ancestor that has one
 * (clangd's rule). Returns an absolute path or undefined.
 */
export function findCompileFlags(filePath: string): string | undefined {
  let dir = dirname(resolve(filePath));
  for (;;) {
    const candidate = join(dir, 'compile_flags.txt');
    if (isFile(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
