/**
 * Runs `check`: collects the inputs, gathers kernel evidence, analyzes each file and returns plain
 * results for the formatters. Writes nothing and never exits; `main.ts` does that.
 */
import { resolve } from 'node:path';
import { analyzeText, type AnalysisOptions, type KernelVerdict, type Report } from '../core/index';
import { assemblyEntry, preprocessWithCompiler, sourceOptionsFor } from '../host/asm-source';
import { loadCompileCommands } from '../host/compile-commands';
import { kernelEvidence } from '../host/kernel-evidence';
import { ObjectPool, objectWorkerScript } from '../host/object-pool';
import { analyzeObjectPath, type ObjectFileAnalysis } from '../host/objects';
import { JobLimiter } from '../host/compile-source';
import { defaultJobs } from '../host/workers';
import type { AnalysisFlags } from './args';
import { collectInputs, isObjectFile, loadInput, type InputItem } from './inputs';
import { checkSourceInput, isCompiledSource } from './sources';

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
  // A `.S` file's own compiler runs only when the user named the database (--compile-commands).
  const compileCommand = flags.compileCommands === undefined ? undefined : assemblyEntry(resolve(cwd, path), resolve(cwd, flags.compileCommands));
  const { source, problem } = sourceOptionsFor(path, { includePaths: flags.includePaths, defines: flags.defines, base: cwd, compileCommand, preprocess: preprocessWithCompiler });
  const sourceNotices: Notice[] = problem === undefined ? [] : [{ level: 'warning', message: `${path}: ${problem}` }];
  const base = { syntax: flags.syntax, abi: flags.abi, detectKernel: flags.detectKernel, source };
  if (flags.forced !== undefined) {
    const forcedKernel: KernelVerdict =
      flags.forced === 'kernel'
        ? { kernel: true, reason: 'the command line says --kernel.' }
        : { kernel: false, reason: 'the command line says --user.' };
    return { options: { ...base, forcedKernel }, notices: sourceNotices };
  }
  const evidence = kernelEvidence(path, {
    root: cwd,
    kernelFiles: flags.kernelGlobs,
    userFiles: flags.userGlobs,
    compileCommands: flags.compileCommands,
    settingNames: { kernelFiles: '--kernel-glob', userFiles: '--user-glob' },
  });
  const level: Notice['level'] = flags.compileCommands !== undefined ? 'error' : 'warning';
  return {
    options: { ...base, globKernel: evidence.globKernel, buildKernel: evidence.buildKernel },
    notices: [...sourceNotices, ...evidence.problems.map((message) => ({ level, message }))],
  };
}

/** Runs the check. `now` is injectable so that tests need not depend on time. */
export async function runCheck(settings: CheckSettings, now: () => number = () => performance.now()): Promise<CheckRun> {
  const started = now();
  const notices: Notice[] = [];
  const addNotice = (notice: Notice) => {
    if (!notices.some((known) => known.message === notice.message)) notices.push(notice);
  };
  if (settings.flags.compileCommands !== undefined && settings.flags.forced === undefined) {
    // Checked once up front so that a wrong --compile-commands is reported even when no input uses it.
    const loaded = loadCompileCommands(resolve(settings.cwd, settings.flags.compileCommands));
    if (!loaded.ok) addNotice({ level: 'error', message: loaded.problem });
  }
  const items = collectInputs(settings.paths, settings.cwd);
  const pool = objectPoolFor(items, settings);
  // C and C++ sources are compiled, at most --jobs compilers at once.
  const compilers = new JobLimiter(settings.jobs > 0 ? settings.jobs : defaultJobs());
  // Results stay in input order: object files analyzed on workers are awaited in their slot.
  const slots: (FileResult[] | Promise<FileResult[]>)[] = [];
  try {
    for (const item of items) {
      if (item.kind === 'error') slots.push([failed(item.path, item.input, item.message)]);
      else if (isCompiledSource(item.path)) {
        const { options, notices: found } = analysisOptionsFor(item.path, settings.flags, settings.cwd);
        found.forEach(addNotice);
        slots.push(checkSourceInput(item.path, settings.cwd, settings.flags.compileCommands, options, compilers));
      } else {
        // Each file's options are worked out here, on the main thread, just before a worker can take
        // it: waiting lets the main thread read the workers' answers and send them the next files.
        if (pool !== undefined) await pool.ready();
        const result = await analyzeFile(item.path, settings, addNotice, pool);
        slots.push(result.now ?? result.later!);
      }
    }
    const files = (await Promise.all(slots)).flat();
    return { files, notices, elapsedMs: now() - started };
  } finally {
    await pool?.close();
  }
}

/** How many object files `items` holds, judged by extension and magic, without reading them whole. */
function countObjects(items: readonly InputItem[], cwd: string): number {
  let count = 0;
  for (const item of items) if (item.kind === 'file' && isObjectFile(resolve(cwd, item.path))) count++;
  return count;
}

/** A worker pool when several object files are to be analyzed and more than one job is allowed. */
function objectPoolFor(items: readonly InputItem[], settings: CheckSettings): ObjectPool | undefined {
  const jobs = settings.jobs > 0 ? settings.jobs : defaultJobs();
  if (jobs < 2) return undefined;
  const objects = countObjects(items, settings.cwd);
  if (objects < 2) return undefined;
  const script = objectWorkerScript();
  // Without the worker script (a test bundle) the main thread analyzes everything; only speed differs.
  return script === undefined ? undefined : new ObjectPool(script, Math.min(jobs, objects));
}

async function analyzeFile(
  path: string,
  settings: CheckSettings,
  addNotice: (notice: Notice) => void,
  pool: ObjectPool | undefined,
): Promise<{ now?: FileResult[]; later?: Promise<FileResult[]> }> {
  const { options, notices } = analysisOptionsFor(path, settings.flags, settings.cwd);
  const maxBytes = settings.flags.maxFileSize;
  const absolute = resolve(settings.cwd, path);
  if (isObjectFile(absolute)) {
    notices.forEach(addNotice);
    // Objects have no preprocessor, and its file reader cannot cross to a worker thread.
    const { source: _source, ...objectOptions } = options;
    const task = { path, absolute, options: { ...objectOptions, keepListing: 'findings' as const }, maxBytes };
    // Wrapped, so that awaiting this function does not wait for the worker. Without a pool the
    // file is analyzed here, read by sections when it is an ELF file (a vmlinux is 633 MB).
    if (pool !== undefined) return { later: pool.analyze(task).then((analysis) => objectResults(path, analysis)) };
    return { now: objectResults(path, await analyzeObjectPath(path, absolute, task.options, maxBytes)) };
  }
  const loaded = loadInput(path, settings.cwd, maxBytes);
  if (loaded.kind === 'error') return { now: [failed(path, loaded.input, loaded.message)] };
  notices.forEach(addNotice);
  if (loaded.kind === 'object') return { now: [failed(path, loaded.binary, 'the file changed while it was read (it is an object file now)')] };
  try {
    return { now: [succeeded(path, analyzeText(loaded.text, options), loaded.text)] };
  } catch (error) {
    // The core promises not to throw; if it does anyway, the other inputs still get analyzed.
    const message = error instanceof Error ? error.message : String(error);
    return { now: [failed(path, 'unknown', `internal error while analyzing: ${message}`)] };
  }
}

/** One result per unit of an object file (one per member for an archive), or the file's error. */
function objectResults(path: string, analysis: ObjectFileAnalysis): FileResult[] {
  if (analysis.error !== undefined && analysis.units.length === 0) return [failed(path, analysis.input, analysis.error)];
  // An archive with no members is still a file that was read: it is listed, with nothing in it.
  if (analysis.units.length === 0) return [{ path, input: analysis.input, kernel: false, functions: 0, error: undefined, report: undefined, text: undefined }];
  // A damaged archive is an input error under its own name, besides the members read before the damage.
  const damaged = analysis.damage === undefined ? [] : [failed(path, analysis.input, analysis.damage)];
  return [...damaged, ...analysis.units.map((unit) =>
    unit.report === undefined
      ? failed(unit.path, unit.input, unit.error ?? 'could not be analyzed')
      : { path: unit.path, input: unit.input, kernel: unit.report.kernel.kernel, functions: unit.report.functions.length, error: undefined, report: unit.report, text: unit.listing },
  )];
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
