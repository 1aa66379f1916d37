/**
 * Checks one C or C++ source the way its build compiles it: find its compile command
 * (`compile_commands.json`, or `compile_flags.txt`), compile it to assembly with those flags plus
 * `-S -g`, analyze the assembly with the source's kernel verdict, and place the findings on the
 * source lines. The CLI and the language server share it.
 */
import { basename, resolve } from 'node:path';
import { analyzeText, type AnalysisOptions, type Finding, type Report } from '../core/index';
import { findCompileCommands, findCompileFlags, compileFlagsEntry, loadCompileCommands, type CompileCommand } from './compile-commands';
import { compileToAssembly, type CompileResult } from './compile-source';
import { placeOnSources, type SourceFinding } from './source-findings';
import { readFileSync, realpathSync } from 'node:fs';

/** Where a source's compile command came from. */
export type SourceEntry =
  | { readonly ok: true; readonly entry: CompileCommand; /** The database or `compile_flags.txt` it came from. */ readonly from: string }
  | {
      readonly ok: false;
      readonly problem: string | undefined;
      /** True when a database or flags file exists but cannot be read: worth telling the user at once. */
      readonly unreadable: boolean;
    };

/**
 * The compile command of `path`: from the named database (`redzone.compileCommands`,
 * `--compile-commands`), else the nearest `compile_commands.json` in the file's directory, its
 * ancestors or their `build/` folders, else the nearest `compile_flags.txt`. `problem` is
 * undefined when there is simply no build information, and a sentence when there is a database
 * that cannot be read or that does not compile this file.
 */
export function findSourceEntry(path: string, settings: { readonly root: string; readonly compileCommands?: string | undefined }): SourceEntry {
  const absolute = resolve(settings.root, path);
  const databasePath = settings.compileCommands !== undefined && settings.compileCommands !== '' ? resolve(settings.root, settings.compileCommands) : findCompileCommands(absolute);
  if (databasePath !== undefined) {
    const loaded = loadCompileCommands(databasePath);
    if (!loaded.ok) return { ok: false, problem: loaded.problem, unreadable: true };
    const entry = loaded.database.byFile.get(absolute)?.[0] ?? entryByRealPath(loaded.database.entries, absolute);
    if (entry !== undefined) return { ok: true, entry, from: databasePath };
  }
  const flags = findCompileFlags(absolute);
  if (flags !== undefined) {
    try {
      return { ok: true, entry: compileFlagsEntry(flags, readFileSync(flags, 'utf8'), absolute), from: flags };
    } catch (error) {
      return { ok: false, problem: `cannot read ${flags}: ${error instanceof Error ? error.message : String(error)}`, unreadable: true };
    }
  }
  return { ok: false, problem: databasePath === undefined ? undefined : `${databasePath} has no entry that compiles ${absolute}`, unreadable: false };
}

/**
 * The entry whose file is the same file as `path` through symbolic links (a build tree reached
 * through a link, a checkout in a linked folder); only asked when the spelled paths differ.
 */
function entryByRealPath(entries: readonly CompileCommand[], path: string): CompileCommand | undefined {
  const real = realPath(path);
  if (real === undefined) return undefined;
  const name = basename(real);
  // Only entries with the same file name can be the same file: no realpath call for the others.
  return entries.find((entry) => basename(entry.file) === name && realPath(entry.file) === real);
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The outcome of checking one source. */
export type SourceCheck =
  | {
      readonly ok: true;
      readonly report: Report;
      readonly assembly: string;
      readonly placed: readonly SourceFinding[];
      readonly unplaced: readonly Finding[];
      readonly compileMs: number;
    }
  | { readonly ok: false; readonly message: string; readonly cancelled: boolean };

/** Compiles `entry` (or the unsaved `text` of its source) and analyzes the assembly; never throws. */
export async function checkSource(
  entry: CompileCommand,
  options: AnalysisOptions,
  run: { readonly text?: string; readonly signal?: AbortSignal; readonly timeoutMs?: number } = {},
): Promise<SourceCheck> {
  const compiled: CompileResult = await compileToAssembly({ entry, ...run });
  if (!compiled.ok) return { ok: false, message: compiled.message, cancelled: compiled.cancelled };
  // The compiler wrote AT&T unless the flags say -masm=intel; the detection reads which.
  const report = analyzeText(compiled.assembly, { ...options, syntax: undefined });
  const { placed, unplaced } = placeOnSources(report, compiled.assembly, entry.directory);
  return { ok: true, report, assembly: compiled.assembly, placed, unplaced, compileMs: compiled.elapsedMs };
}
