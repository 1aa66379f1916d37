/**
 * Runs the core on documents and remembers the last result per document.
 *
 * The cache key is (uri, version, settings): diagnostics, hover, symbols and code lenses of one
 * version share one analysis, and any edit or settings change makes a new one. The engine is a
 * parameter so that tests can drive every handler with a fixed report while the real analysis
 * is elsewhere; the server passes the core's façade.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText, frameLayoutAt, type AnalysisOptions, type FrameLayout, type KernelVerdict, type Report } from '../core/index';
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
  readonly #cache = new Map<string, { readonly key: string; readonly analysis: Analysis }>();

  constructor(engine: Engine, maxFileSize: number) {
    this.#engine = engine;
    this.#maxFileSize = maxFileSize;
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
    if (analysis.report === undefined) return undefined;
    try {
      return this.#engine.frameLayoutAt(document.getText(), line, analysis.options);
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
