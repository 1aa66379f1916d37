/**
 * Runs the core on documents and remembers the last result per document.
 *
 * Each open document owns one core `AnalysisCache`, so an edit re-parses and re-checks only the
 * function it touched, and a hover on the analyzed version reads the frame from the same cache
 * instead of analyzing again. The result key is (version, settings): diagnostics, hover, symbols
 * and code lenses of one version share one analysis. The engine is a parameter so that tests can
 * drive every handler with a fixed report; the server passes the core's façade.
 */
import { resolve } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeText, binaryContent, createAnalysisCache, frameLayoutAt, type AnalysisCache, type AnalysisOptions, type FrameLayout, type KernelVerdict, type Report } from '../core/index';
import { kernelEvidence } from '../host/kernel-evidence';
import { assemblyEntry, preprocessWithCompiler, sourceOptionsFor } from '../host/asm-source';
import { findCompileCommands, type CompileCommand } from '../host/compile-commands';
import { folderOf, uriToPath } from './paths';
import type { Settings } from './settings';

/** The calls of the core the server makes; `cache` is the document's own, from `createCache`. */
export interface Engine {
  createCache(): AnalysisCache;
  analyzeText(text: string, options?: AnalysisOptions, cache?: AnalysisCache): Report;
  frameLayoutAt(text: string, line: number, options?: AnalysisOptions, cache?: AnalysisCache): FrameLayout | undefined;
}

/** The core itself. */
export const coreEngine: Engine = { createCache: createAnalysisCache, analyzeText, frameLayoutAt };

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
  readonly skipped: { readonly code: 'file-too-large' | 'binary-content' | 'internal-error'; readonly message: string } | undefined;
  /** Problems with the on-disk evidence (a broken compile_commands.json), worth showing once. */
  readonly evidenceProblems: readonly string[];
}

/** What the analyzer keeps per open document. */
interface DocumentState {
  /** The core's memory of earlier versions; dropped with the document. */
  readonly cache: AnalysisCache;
  last: { readonly key: string; readonly analysis: Analysis } | undefined;
  /** The last analysis of a text document and that version's text, for hovers while newer versions wait. */
  known: KnownAnalysis | undefined;
}

/** An analysis and the text it analyzed (a snapshot: the open document changes in place). */
export interface KnownAnalysis {
  readonly analysis: Analysis;
  readonly snapshot: TextDocument;
}

/** Analyzes documents, one cached result and one core cache per document. */
export class Analyzer {
  readonly #engine: Engine;
  readonly #maxFileSize: number;
  readonly #documents = new Map<string, DocumentState>();

  constructor(engine: Engine, maxFileSize: number) {
    this.#engine = engine;
    this.#maxFileSize = maxFileSize;
  }

  /** The analysis of the document's current version under these settings. Never throws. */
  analyze(document: TextDocument, settings: Settings, folders: readonly string[], trusted = false): Analysis {
    const key = analysisKey(document, settings, trusted);
    const state = this.#stateOf(document.uri);
    if (state.last !== undefined && state.last.key === key) return state.last.analysis;
    const analysis = this.#run(document, settings, folders, state.cache, trusted);
    state.last = { key, analysis };
    state.known = { analysis, snapshot: TextDocument.create(document.uri, document.languageId, document.version, document.getText()) };
    return analysis;
  }

  /** The analysis of the document's current version under these settings, if it has run; never runs one. */
  analyzedNow(document: TextDocument, settings: Settings, trusted = false): Analysis | undefined {
    const last = this.#documents.get(document.uri)?.last;
    return last !== undefined && last.key === analysisKey(document, settings, trusted) ? last.analysis : undefined;
  }

  /** The last analysis of a text document (of any version) with the text it analyzed. */
  knownOf(uri: string): KnownAnalysis | undefined {
    return this.#documents.get(uri)?.known;
  }

  /**
   * The analysis of a disassembly document: the object's own report (DWARF source lines, build
   * provenance) when the document's text is the listing that report refers to; otherwise (the
   * object changed since) the text analysis of the listing. The options force the object's kernel
   * verdict and ABI, so the hover, which reads the listing text, agrees with the diagnostics.
   */
  analyzeListing(document: TextDocument, settings: Settings, folders: readonly string[], unit: { readonly listing: string; readonly report: Report | undefined } | undefined): Analysis {
    const key = analysisKey(document, settings, 'listing');
    const state = this.#stateOf(document.uri);
    if (state.last !== undefined && state.last.key === key) return state.last.analysis;
    const report = unit?.report;
    const analysis: Analysis =
      report !== undefined && unit !== undefined && unit.listing === document.getText()
        ? {
            uri: document.uri,
            version: document.version,
            settings,
            options: { syntax: 'objdump-att', forcedKernel: report.kernel, abi: report.abi },
            report,
            skipped: undefined,
            evidenceProblems: [],
          }
        : this.#run(document, settings, folders, state.cache);
    state.last = { key, analysis };
    return analysis;
  }

  /**
   * The frame at a 0-based line of the analyzed document, or undefined. Never throws.
   * When `analysis` is of the document's current text, the core answers from the document's
   * cache without scanning the text again (well under a millisecond on 100,000 lines).
   */
  frameAt(document: TextDocument, analysis: Analysis, line: number): FrameLayout | undefined {
    if (analysis.report === undefined) return undefined;
    try {
      return this.#engine.frameLayoutAt(document.getText(), line, analysis.options, this.#stateOf(document.uri).cache);
    } catch {
      return undefined;
    }
  }

  /** Drops everything kept for a closed document, its core cache included. */
  forget(uri: string): void {
    this.#documents.delete(uri);
  }

  /** How many documents have state (for tests: closing must release it). */
  get documentCount(): number {
    return this.#documents.size;
  }

  #stateOf(uri: string): DocumentState {
    let state = this.#documents.get(uri);
    if (state === undefined) {
      state = { cache: this.#engine.createCache(), last: undefined, known: undefined };
      this.#documents.set(uri, state);
    }
    return state;
  }

  #run(document: TextDocument, settings: Settings, folders: readonly string[], cache: AnalysisCache, trusted = false): Analysis {
    const { options, problems } = analysisOptions(document.uri, settings, folders, trusted ? document.getText() : undefined);
    const base = { uri: document.uri, version: document.version, settings, options, evidenceProblems: problems };
    const text = document.getText();
    if (text.length > this.#maxFileSize) {
      const size = (text.length / (1024 * 1024)).toFixed(1);
      const limit = (this.#maxFileSize / (1024 * 1024)).toFixed(0);
      const message = `redzone-lint did not analyze this file: it is ${size} MB, over the ${limit} MB limit of the editor integration. Run \`redzone-lint check\` on it instead.`;
      return { ...base, report: undefined, skipped: { code: 'file-too-large', message } };
    }
    // The CLI's rule (`binaryContent`): `check` refuses this content as a binary file, so the
    // editor does not publish diagnostics for it either.
    const binary = binaryContent(text);
    if (binary !== undefined) {
      return { ...base, report: undefined, skipped: { code: 'binary-content', message: `redzone-lint did not analyze this file: it is binary content, not assembly text (${binary}).` } };
    }
    try {
      return { ...base, report: this.#engine.analyzeText(text, options, cache), skipped: undefined };
    } catch (error) {
      // An engine bug must cost one document its diagnostics, never the server.
      const detail = error instanceof Error ? error.message : String(error);
      const message = `redzone-lint failed to analyze this file (${detail}). Please report this with the file attached.`;
      return { ...base, report: undefined, skipped: { code: 'internal-error', message } };
    }
  }
}

/** What one analysis of a document depends on: its version, the settings, and how its text is read. */
function analysisKey(document: TextDocument, settings: Settings, reading: boolean | 'listing'): string {
  return `${document.version}\u0000${JSON.stringify(settings)}\u0000${reading}`;
}

/** The analysis options of one document: settings plus what the globs and the build say. */
export function analysisOptions(
  uri: string,
  settings: Settings,
  folders: readonly string[],
  trustedText?: string,
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
  // In a trusted workspace, a `.S` file with a compile_commands.json entry is preprocessed by that
  // entry's compiler, reading the editor's text on standard input.
  const database = path === undefined || trustedText === undefined ? undefined : settings.compileCommands === '' ? findCompileCommands(path) : resolve(folderOf(path, folders), settings.compileCommands);
  const compileCommand = path === undefined || database === undefined ? undefined : assemblyEntry(path, database);
  const sourceSettings = { includePaths: settings.includePaths, defines: settings.defines, base: path === undefined ? '' : folderOf(path, folders), compileCommand, preprocess: (entry: CompileCommand) => preprocessWithCompiler(entry, trustedText) };
  const prepared = path === undefined ? undefined : sourceOptionsFor(path, sourceSettings);
  const source = prepared?.source;
  if (prepared?.problem !== undefined) problems = [...problems, prepared.problem];
  const options: AnalysisOptions = {
    ...(source === undefined ? {} : { source }),
    ...(settings.abi === 'auto' ? {} : { abi: settings.abi }),
    ...(globKernel === undefined ? {} : { globKernel }),
    ...(buildKernel === undefined ? {} : { buildKernel }),
    detectKernel: settings.detectKernel,
  };
  return { options, problems };
}
