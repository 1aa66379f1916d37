/**
 * `check` on C and C++ sources: each is compiled to assembly with its own compile command (at
 * most `--jobs` compilers at once) and its findings are reported on the source lines, one result
 * per source file that has findings (an inline function in a header reports on the header).
 */
import { readFileSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import type { AnalysisOptions, Finding, Report } from '../core/index';
import { JobLimiter } from '../host/compile-source';
import { checkSource, findSourceEntry } from '../host/source-check';
import { sameFile, sourceMessage, turnsRedZoneOff, type SourceFinding } from '../host/source-findings';
import type { FileResult } from './check';

/** Extensions of the sources `check` compiles (assembler sources, `.S`, are read as assembly). */
const compiledExtensions = new Set(['.c', '.cc', '.cpp', '.cxx', '.c++', '.C']);

/**
 * The time limit of one compile in CI: long, because a 9 MB amalgamation at -O2 on a busy runner
 * takes minutes, and a CI step has its own limit; the editor keeps the short default.
 */
const cliCompileTimeoutMs = 30 * 60_000;

/** True when `check` compiles this input rather than reading it. */
export function isCompiledSource(path: string): boolean {
  return compiledExtensions.has(extname(path));
}

/** Compiles and checks one source; the results are the source's own, then any other file with findings. */
export async function checkSourceInput(
  path: string,
  cwd: string,
  compileCommands: string | undefined,
  options: AnalysisOptions,
  limiter: JobLimiter,
): Promise<FileResult[]> {
  const found = findSourceEntry(path, { root: cwd, compileCommands });
  if (!found.ok) {
    const why = found.problem ?? 'no compile_commands.json or compile_flags.txt was found for it (name one with --compile-commands)';
    return [{ path, input: 'c', kernel: false, functions: 0, error: `cannot compile: ${why}`, report: undefined, text: undefined }];
  }
  const checked = await limiter.run(() => checkSource(found.entry, options, { timeoutMs: cliCompileTimeoutMs }));
  if (!checked.ok) return [{ path, input: 'c', kernel: false, functions: 0, error: checked.message, report: undefined, text: undefined }];
  const absolute = resolve(cwd, path);
  const assemblyLines = checked.assembly.split('\n');
  const context = {
    assemblyLines,
    // The text format prints the reason as a note of its own.
    kernelReason: undefined,
    noRedZone: turnsRedZoneOff(found.entry.arguments),
    buildFile: undefined,
  };
  const byPath = new Map<string, SourceFinding[]>([[absolute, []]]);
  for (const placed of checked.placed) {
    // The source itself may be spelled through a symbolic link the compiler resolved.
    const file = sameFile(placed.path, absolute) ? absolute : placed.path;
    byPath.set(file, [...(byPath.get(file) ?? []), placed]);
  }
  const results: FileResult[] = [];
  for (const [file, list] of byPath) {
    const text = readText(file);
    const shown = file === absolute ? path : displayPath(cwd, file);
    const findings = list.map((placed) => onLine(placed, text, sourceMessage(placed, context), found.entry.directory));
    // Findings whose function has no line information at all stay on the source's first line.
    if (file === absolute) findings.push(...checked.unplaced.map((finding) => onFirstLine(finding)));
    const report: Report = { ...checked.report, input: 'c', findings };
    results.push({ path: shown, input: report.input, kernel: report.kernel.kernel, functions: file === absolute ? report.functions.length : 0, error: undefined, report, text: text ?? '' });
  }
  return results;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/**
 * The finding moved onto its source line, spanning the line's text without its indentation.
 * `source` keeps the instruction's own `.loc` position (absolute), which differs from the line for
 * a clobber (placed on the `asm` statement) and is absent for an instruction without a line.
 */
function onLine(placed: SourceFinding, text: string | undefined, message: string, directory: string): Finding {
  const line = placed.line - 1;
  const span = lineSpan(text ?? '', line);
  const own = placed.finding.source;
  const source = own === undefined || placed.placed === 'function' ? undefined : { path: isAbsolute(own.path) ? own.path : resolve(directory, own.path), line: own.line };
  return { ...placed.finding, message, line, span, source, related: [] };
}

function onFirstLine(finding: Finding): Finding {
  return { ...finding, message: `${finding.message} (the compiler gave this function no line information)`, line: 0, span: { start: 0, end: 0 }, source: undefined, related: [] };
}

/** The UTF-16 span of a 0-based line's text without leading and trailing blanks. */
export function lineSpan(text: string, line: number): { start: number; end: number } {
  let start = 0;
  for (let k = 0; k < line; k++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return { start: text.length, end: text.length };
    start = next + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const lineText = text.slice(start, end);
  const lead = lineText.length - lineText.trimStart().length;
  return { start: start + lead, end: Math.max(start + lead, start + lineText.trimEnd().length) };
}
