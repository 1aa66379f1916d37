/**
 * The core's façade: text or bytes in, plain data out.
 * Nothing here throws on bad input, does IO, or knows about LSP or the process.
 */
import { analyzeOnePass } from './analysis/one-pass';
import { analyzeWithCache, frameLayoutWithCache, type AnalysisCache } from './analysis/analyze';
import type { AnalysisOptions } from './options';
import type { FrameLayout, Report } from './report';

export { createAnalysisCache } from './analysis/analyze';
export type { AnalysisCache } from './analysis/analyze';

export type { AnalysisOptions } from './options';
export type * from './report';
export { findingTable, findingInfo, findingDocUrl } from './findings';
export { binaryContent } from './syntax/text-content';
export { findMagicComment } from './analysis/kernel';
export type { FindingCode, FindingInfo, Severity } from './findings';

/**
 * Analyzes assembly text (GAS AT&T or Intel, NASM, objdump listing). Never throws.
 * Pass the same `cache` for successive versions of one document: only changed functions are
 * parsed and checked again.
 */
export function analyzeText(text: string, options: AnalysisOptions = {}, cache?: AnalysisCache): Report {
  try {
    return cache === undefined ? analyzeOnePass(text, options) : analyzeWithCache(text, options, cache);
  } catch (error) {
    // A bug in the analysis must not take down the server or the CLI: report it as a problem.
    return {
      input: options.syntax ?? 'unknown',
      inputReason: 'the analysis failed',
      kernel: { kernel: false, reason: 'the analysis failed' },
      abi: options.abi ?? 'sysv',
      functions: [],
      findings: [],
      problems: [{ line: 0, message: `internal error in the analysis: ${error instanceof Error ? error.message : String(error)}` }],
    };
  }
}

/** The stack frame at the instruction on `line` (0-based), or undefined when no analyzed function holds it. */
export function frameLayoutAt(text: string, line: number, options: AnalysisOptions = {}, cache?: AnalysisCache): FrameLayout | undefined {
  try {
    return frameLayoutWithCache(text, line, options, cache);
  } catch {
    return undefined;
  }
}

