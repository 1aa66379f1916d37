/**
 * Runs `check`: collects the inputs, gathers kernel evidence, analyzes each file and returns plain
 * results for the formatters. Writes nothing and never exits; `main.ts` does that.
 */
import { resolve } from 'node:path';
import { analyzeText, type AnalysisOptions, type KernelVerdict, type Report } from '../core/index';
import { loadCompileCommands } from '../host/compile-commands';
import { kernelEvidence } from '../host/kernel-evidence';
import { analyzeObjectFile } from '../host/objects';
import type { AnalysisFlags } from './args';
import { collectInputs, loadInput } from './inputs';

/** The outcome for one input path. */
export interface FileResult {
  /** The path as the user spelled it (or as found under a directory they gave). */
  readonly path: string;
  /** 'att', 'intel', 'nasm', 'objdump-att', 'elf64', ... or, for errors, 'directory', 'elf', 'ar', 'binary', 'unknown'. */
  readonly input: string;
  readonly kernel: boolean;
  readonly functions: number;
  /** Set when the input could not be analyzed; the run then exits with 2. */
  readonly error: string | undefined;
  /** The analysis, when there is one. */
  readonly report: Report | undefined;
  /** The text the report's lines and spans refer to: the file, or an object's listing. */
  readonly text: string | undefined;
}

/** A message about the run rather than one file, e.g. a broken compile_commands.json. */
export interface Notice {
  /** Errors make the run exit with 2; warnings are only printed. */
  readonly level: 'error' | 'warning';
  readonly message: string;
}

/** Everything a formatter needs. */
export interface CheckRun {
  readonly files: readonly FileResult[];
  readonly notices: readonly Notice[];
  readonly elapsedMs: number;
}

/** Settings of one `check` run. */
export interface CheckSettings {
  readonly flags: AnalysisFlags;
  readonly paths: readonly string[];
  /** The working directory: relative paths and globs are resolved against it. */
  readonly cwd: string;
  readonly jobs: number;
}

/**
 * Builds the analysis options of one file from the flags: a forced verdict, or the glob and
 * build evidence. Problems found on the way (a broken compile_commands.json) come back as notices;
 * they are errors when the user named the database with --compile-commands and warnings otherwise.
 */
export function analysisOptionsFor(path: string, flags: AnalysisFlags, cwd: string): { options: AnalysisOptions; notices: Notice[] } {
  const base = { syntax: flags.syntax, abi: flags.abi, detectKernel: flags.detectKernel };
  if (flags.forced !== undefined) {
    const forcedKernel: KernelVerdict =
      flags.forced === 'kernel'
        ? { kernel: true, reason: 'the command line says --kernel.' }
        : { kernel: false, reason: 'the command line says --user.' };
    return { options: { ...base, forcedKernel }, notices: [] };
  }
  const evidence = kernelEvidence(path, {
    root: cwd,
    kernelFiles: flags.kernelGlobs,
    userFiles: flags.userGlobs,
    compileCommands: flags.compileCommands,
    settingNames: { kernelFiles: '--kernel-glob', userFiles: '--user-glob' },
  });
  const level = flags.compileCommands !== undefined ? 'error' : 'warning';
  return {
    options: { ...base, globKernel: evidence.globKernel, buildKernel: evidence.buildKernel },
    notices: evidence.problems.map((message) => ({ level, message })),
  };
}

/** Runs the check. `now` is injectable so that tests need not depend on time. */
export async function runCheck(settings: CheckSettings, now: () => number = () => performance.now()): Promise<CheckRun> {
  const started = now();
  const files: FileResult[] = [];
  const notices: Notice[] = [];
  const addNotice = (notice: Notice) => {
    if (!notices.some((known) => known.message === notice.message)) notices.push(notice);
  };
  if (settings.flags.compileCommands !== undefined && settings.flags.forced === undefined) {
    // Checked once up front so that a wrong --compile-commands is reported even when no input uses it.
    const loaded = loadCompileCommands(resolve(settings.cwd, settings.flags.compileCommands));
    if (!loaded.ok) addNotice({ level: 'error', message: loaded.problem });
  }
  for (const item of collectInputs(settings.paths, settings.cwd)) {
    if (item.kind === 'error') files.push(failed(item.path, item.input, item.message));
    else files.push(await analyzeFile(item.path, settings, addNotice));
  }
  return { files, notices, elapsedMs: now() - started };
}

async function analyzeFile(path: string, settings: CheckSettings, addNotice: (notice: Notice) => void): Promise<FileResult> {
  const loaded = loadInput(path, settings.cwd);
  if (loaded.kind === 'error') return failed(path, loaded.input, loaded.message);
  const { options, notices } = analysisOptionsFor(path, settings.flags, settings.cwd);
  notices.forEach(addNotice);
  try {
    if (loaded.kind === 'object') {
      const result = await analyzeObjectFile(path, loaded.bytes, options);
      if (!result.ok) return failed(path, loaded.binary, result.error);
      return succeeded(path, result.value.report, result.value.listing);
    }
    return succeeded(path, analyzeText(loaded.text, options), loaded.text);
  } catch (error) {
    // The core promises not to throw; if it does anyway, the other inputs still get analyzed.
    const message = error instanceof Error ? error.message : String(error);
    return failed(path, loaded.kind === 'object' ? loaded.binary : 'unknown', `internal error while analyzing: ${message}`);
  }
}

function failed(path: string, input: string, error: string): FileResult {
  return { path, input, kernel: false, functions: 0, error, report: undefined, text: undefined };
}

function succeeded(path: string, report: Report, text: string): FileResult {
  return { path, input: report.input, kernel: report.kernel.kernel, functions: report.functions.length, error: undefined, report, text };
}

/** Exit status of a run: 2 for any input error, else 1 for any warning or error finding, else 0. */
export function exitCodeOf(run: CheckRun): 0 | 1 | 2 {
  if (run.files.some((file) => file.error !== undefined) || run.notices.some((notice) => notice.level === 'error')) return 2;
  const serious = run.files.some((file) => file.report?.findings.some((finding) => finding.severity !== 'information'));
  return serious ? 1 : 0;
}
