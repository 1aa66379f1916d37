/**
 * The core's façade: text or bytes in, plain data out.
 * Nothing here throws on bad input, does IO, or knows about LSP or the process.
 */
import type { AnalysisOptions } from './options';
import type { FrameLayout, Report } from './report';

export type { AnalysisOptions } from './options';
export type * from './report';
export { findingTable, findingInfo, findingDocUrl } from './findings';
export type { FindingCode, FindingInfo, Severity } from './findings';

/** Analyzes assembly text (GAS AT&T or Intel, NASM, objdump listing). */
export function analyzeText(text: string, options: AnalysisOptions = {}): Report {
  void text;
  return {
    input: options.syntax ?? 'att',
    inputReason: 'not yet implemented',
    kernel: { kernel: false, reason: 'not yet implemented' },
    abi: options.abi ?? 'sysv',
    functions: [],
    findings: [],
    problems: [],
  };
}

/** The stack frame at the instruction on `line` (0-based), or undefined when no analyzed function holds it. */
export function frameLayoutAt(text: string, line: number, options: AnalysisOptions = {}): FrameLayout | undefined {
  void text;
  void line;
  void options;
  return undefined;
}
