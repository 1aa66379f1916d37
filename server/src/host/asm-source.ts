/**
 * What the core's preprocessing front end needs from the machine: the file's path, how to read
 * includes, the include paths and predefined symbols the user configured, and, for a `.S` file
 * whose compile_commands.json entry is known in a trusted setting, the output of that entry's own
 * compiler run with `-E` (through `execFile`, never a shell).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import type { SourceOptions } from '../core/index';
import { invocationFor, loadCompileCommands, matchCompileCommand, type CompileCommand } from './compile-commands';

/** Includes larger than this are not read (a hostile include path must not exhaust memory). */
const maxIncludeBytes = 16 * 1024 * 1024;

/** Reads a file for `#include`/`.include`/`%include`, or undefined when it is not a readable regular file. */
export function readIncludeFile(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > maxIncludeBytes) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True for files that the C preprocessor runs on before the assembler (`.S`, `.sx`). */
export function isCppAssembly(path: string): boolean {
  return /\.(S|sx)$/.test(path);
}

/** The settings that shape the preprocessing of one file. */
export interface SourceSettings {
  /** Include directories, absolute or relative to `base`. */
  readonly includePaths: readonly string[];
  readonly defines: readonly string[];
  /** The directory relative include paths are resolved against (the working or workspace folder). */
  readonly base: string;
  /**
   * The file's compile_commands.json entry, when known and allowed to run (the user named the
   * database, or the workspace is trusted): a `.S` file is then preprocessed by its own compiler.
   */
  readonly compileCommand?: CompileCommand;
  /** Runs an entry's compiler with `-E`: its output, or why it failed. */
  readonly preprocess?: (entry: CompileCommand) => string | { problem: string };
}

/** The core's `SourceOptions` for the file at `path`, and a problem when the compiler could not preprocess it. */
export function sourceOptionsFor(path: string, settings: SourceSettings): { source: SourceOptions; problem: string | undefined } {
  const absolute = resolve(settings.base, path);
  const source: SourceOptions = {
    c: isCppAssembly(absolute),
    fileName: toSlashes(absolute),
    includePaths: settings.includePaths.map((dir) => toSlashes(isAbsolute(dir) ? dir : resolve(settings.base, dir))),
    defines: settings.defines,
    readFile: readIncludeFile,
  };
  if (!source.c || settings.compileCommand === undefined || settings.preprocess === undefined) return { source, problem: undefined };
  const preprocessed = settings.preprocess(settings.compileCommand);
  if (typeof preprocessed === 'string') return { source: { ...source, preprocessed }, problem: undefined };
  return { source, problem: `${preprocessed.problem}; the built-in preprocessor is used instead` };
}

/**
 * Runs the entry's own compiler with `-E` (its flags and include paths; `-o -`, so nothing is
 * written) through `execFile`, never a shell, and returns the preprocessed text with its line
 * markers, or why it failed. With `text`, that text is preprocessed instead of the file on disk.
 */
export function preprocessWithCompiler(entry: CompileCommand, text?: string): string | { problem: string } {
  // With `text` (an editor's unsaved buffer) the compiler reads it on standard input.
  const invocation = invocationFor(entry, { stop: '-E', output: '-', stdin: text !== undefined });
  try {
    return execFileSync(invocation.program, [...invocation.args], { cwd: invocation.cwd, encoding: 'utf8', maxBuffer: 256 << 20, ...(text === undefined ? { stdio: ['ignore', 'pipe', 'pipe'] as const } : { input: text, stdio: ['pipe', 'pipe', 'pipe'] as const }), timeout: 60_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const first = stderr.split('\n').find((line) => line.trim() !== '') ?? (error instanceof Error ? error.message : String(error));
    return { problem: `${invocation.program} -E failed: ${first.slice(0, 300)}` };
  }
}

/** The compile_commands.json entry of a `.S` file in the database at `databasePath`, if it has one. */
export function assemblyEntry(path: string, databasePath: string): CompileCommand | undefined {
  if (!isCppAssembly(path)) return undefined;
  const loaded = loadCompileCommands(databasePath);
  if (!loaded.ok) return undefined;
  return matchCompileCommand(loaded.database, path)?.entry;
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
