/**
 * Runs the core on documents and remembers the last result per document.
 *
 * The cache key is (uri, version, settings): diagnostics, hover, symbols and code lenses of one
 * version share one analysis, and any edit or settings change makes a new one. The engine is a
 * parameter so that tests can drive every handler with a fixed report while the real analysis
 * is elsewhere; the server passes the core's façade.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText, frameLayoutAt, type AnalysisOptions, type Finding, type FrameLayout, type KernelVerdict, type Report } from '../core/index';
import type { TextSyntax } from '../core/ir';
import { kernelEvidence } from '../host/kernel-evidence';
import { folderOf, uriToPath } from './paths';
import type { Settings } from './settings';

/** The two calls of the core the server makes. */
export interface Engine {
  analyzeText(text: string, options?: AnalysisOptions): Report;
  frameLayoutAt(text: string, line: number, options?: AnalysisOptions): FrameLayout | undefined;
}

/** The core itself. */
export const coreEngine: Engine = { analyzeText, frameLayoutAt };

/** Files larger than this (in UTF-16 code units, about bytes for assembly) are not analyzed. */
export const defaultMaxFileSize = 20 * 1024 * 1024;

/** Above this size a hover analyzes only the function under the cursor (see `frameInSlice`). */
export const defaultSliceThreshold = 256 * 1024;

/** The outcome of analyzing one document version. */
export interface Analysis {
  readonly uri: string;
  readonly version: number;
  readonly settings: Settings;
  readonly options: AnalysisOptions;
  /** Present when the analysis ran. */
  readonly report: Report | undefined;
  /** Why the document was not analyzed (too large, or the engine failed), as a sentence. */
  readonly skipped: { readonly code: 'file-too-large' | 'internal-error'; readonly message: string } | undefined;
  /** Problems with the on-disk evidence (a broken compile_commands.json), worth showing once. */
  readonly evidenceProblems: readonly string[];
}

/** Analyzes documents, one cached result per document. */
export class Analyzer {
  readonly #engine: Engine;
  readonly #maxFileSize: number;
  readonly #sliceThreshold: number;
  readonly #cache = new Map<string, { readonly key: string; readonly analysis: Analysis }>();

  constructor(engine: Engine, maxFileSize: number, sliceThreshold = defaultSliceThreshold) {
    this.#engine = engine;
    this.#maxFileSize = maxFileSize;
    this.#sliceThreshold = sliceThreshold;
  }

  /** The analysis of the document's current version under these settings. Never throws. */
  analyze(document: TextDocument, settings: Settings, folders: readonly string[]): Analysis {
    const key = `${document.version}\u0000${JSON.stringify(settings)}`;
    const cached = this.#cache.get(document.uri);
    if (cached !== undefined && cached.key === key) return cached.analysis;
    const analysis = this.#run(document, settings, folders);
    this.#cache.set(document.uri, { key, analysis });
    return analysis;
  }

  /** The frame at a 0-based line of the analyzed document, or undefined. Never throws. */
  frameAt(document: TextDocument, analysis: Analysis, line: number): FrameLayout | undefined {
    const report = analysis.report;
    if (report === undefined) return undefined;
    try {
      const text = document.getText();
      if (text.length <= this.#sliceThreshold) return this.#engine.frameLayoutAt(text, line, analysis.options);
      return frameInSlice(this.#engine, document, report, analysis.options, line);
    } catch {
      return undefined;
    }
  }

  /** Drops the cached result of a closed document. */
  forget(uri: string): void {
    this.#cache.delete(uri);
  }

  #run(document: TextDocument, settings: Settings, folders: readonly string[]): Analysis {
    const { options, problems } = analysisOptions(document.uri, settings, folders);
    const base = { uri: document.uri, version: document.version, settings, options, evidenceProblems: problems };
    const text = document.getText();
    if (text.length > this.#maxFileSize) {
      const size = (text.length / (1024 * 1024)).toFixed(1);
      const limit = (this.#maxFileSize / (1024 * 1024)).toFixed(0);
      const message = `redzone-lint did not analyze this file: it is ${size} MB, over the ${limit} MB limit of the editor integration. Run \`redzone-lint check\` on it instead.`;
      return { ...base, report: undefined, skipped: { code: 'file-too-large', message } };
    }
    try {
      return { ...base, report: this.#engine.analyzeText(text, options), skipped: undefined };
    } catch (error) {
      // An engine bug must cost one document its diagnostics, never the server.
      const detail = error instanceof Error ? error.message : String(error);
      const message = `redzone-lint failed to analyze this file (${detail}). Please report this with the file attached.`;
      return { ...base, report: undefined, skipped: { code: 'internal-error', message } };
    }
  }
}

/** The analysis options of one document: settings plus what the globs and the build say. */
export function analysisOptions(
  uri: string,
  settings: Settings,
  folders: readonly string[],
): { readonly options: AnalysisOptions; readonly problems: readonly string[] } {
  let globKernel: KernelVerdict | undefined;
  let buildKernel: KernelVerdict | undefined;
  let problems: readonly string[] = [];
  const path = uriToPath(uri);
  if (path !== undefined) {
    try {
      const evidence = kernelEvidence(path, {
        root: folderOf(path, folders),
        kernelFiles: settings.kernelFiles,
        userFiles: settings.userFiles,
        compileCommands: settings.compileCommands === '' ? undefined : settings.compileCommands,
      });
      globKernel = evidence.globKernel;
      buildKernel = evidence.buildKernel;
      problems = evidence.problems;
    } catch (error) {
      problems = [`redzone-lint could not read the build evidence: ${error instanceof Error ? error.message : String(error)}`];
    }
  }
  const options: AnalysisOptions = {
    ...(settings.abi === 'auto' ? {} : { abi: settings.abi }),
    ...(globKernel === undefined ? {} : { globKernel }),
    ...(buildKernel === undefined ? {} : { buildKernel }),
    detectKernel: settings.detectKernel,
  };
  return { options, problems };
}

const textSyntaxes: readonly string[] = ['att', 'intel', 'nasm', 'objdump-att', 'objdump-intel'];

/**
 * The frame at `line` computed from the text of its function alone, for large files, where
 * re-analyzing the whole text on every hover would take hundreds of milliseconds.
 * The slice runs from the end of the previous function (so `.globl`/`.type` lines come along) to
 * the end of this one; what the rest of the file decided (kernel verdict, dialect, ABI) is passed
 * in as options, and the lines and offsets of the answer are moved back into the whole file.
 */
export function frameInSlice(engine: Engine, document: TextDocument, report: Report, options: AnalysisOptions, line: number): FrameLayout | undefined {
  const index = report.functions.findIndex((summary) => summary.startLine <= line && line <= summary.endLine);
  if (index === -1) return undefined;
  const summary = report.functions[index];
  const previousEnd = report.functions.filter((other) => other.endLine < summary.startLine).reduce((end, other) => Math.max(end, other.endLine), -1);
  const firstLine = previousEnd + 1;
  const start = document.offsetAt({ line: firstLine, character: 0 });
  const end = document.offsetAt({ line: summary.endLine + 1, character: 0 });
  const slice = document.getText().slice(start, end);
  const sliceOptions: AnalysisOptions = {
    ...options,
    forcedKernel: report.kernel,
    abi: report.abi,
    ...(textSyntaxes.includes(report.input) ? { syntax: report.input as TextSyntax } : {}),
  };
  const layout = engine.frameLayoutAt(slice, line - firstLine, sliceOptions);
  return layout === undefined ? undefined : shiftLayout(layout, firstLine, start);
}

function shiftLayout(layout: FrameLayout, lines: number, offset: number): FrameLayout {
  const shiftFinding = (finding: Finding): Finding => ({
    ...finding,
    line: finding.line + lines,
    span: { start: finding.span.start + offset, end: finding.span.end + offset },
    related: finding.related.map((related) => ({ ...related, line: related.line + lines, span: { start: related.span.start + offset, end: related.span.end + offset } })),
  });
  return {
    ...layout,
    line: layout.line + lines,
    rows: layout.rows.map((row) => ({ ...row, writtenAt: row.writtenAt.map((at) => at + lines), readAt: row.readAt.map((at) => at + lines) })),
    findings: layout.findings.map(shiftFinding),
  };
}
