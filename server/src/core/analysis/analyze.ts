/**
 * Runs the whole analysis over a parsed input: functions, kernel verdict, the check per function,
 * `redzone-ignore` suppression, and the report.
 */
import type { ParsedAsm } from '../ir';
import type { AnalysisOptions } from '../options';
import type { Abi, Finding, FunctionSummary, Report } from '../report';
import { checkFunction } from './check';
import { decideKernel } from './kernel';
import { buildProgram, type AsmFunction, type Program } from './program';
import { describe, noReturnFunctions, plainSymbol } from './semantics';

/** Analyzes a parsed input; `text` is the input itself (for the magic comment). */
export function analyzeParsed(parsed: ParsedAsm, text: string, options: AnalysisOptions): Report {
  const program = buildProgram(parsed);
  const kernel = decideKernel(text, options, program.kernelEvidence);
  const abi: Abi = options.abi ?? (program.mode === 8 ? 'sysv' : 'i386');
  const noReturn = inferNoReturn(program);
  const ignored = ignoredLines(parsed);
  const findings: Finding[] = [];
  const functions: FunctionSummary[] = [];
  for (const fn of program.functions) {
    if (fn.insns.length === 0) continue;
    const result = checkFunction(fn, program, { abi, noReturn, kernel });
    const kept = result.findings.filter((f) => !ignored.has(f.line));
    findings.push(...kept);
    functions.push({ ...result.summary, findingCount: kept.length });
  }
  return {
    input: parsed.syntax,
    inputReason: parsed.syntaxReason,
    kernel,
    abi,
    functions,
    findings,
    problems: parsed.problems,
  };
}

/** Known no-return functions plus the functions of this file that can never return. */
export function inferNoReturn(program: Program): Set<string> {
  const result = new Set(noReturnFunctions);
  for (const fn of program.functions) if (fn.insns.length > 0 && !canReturn(fn, result)) result.add(fn.name);
  return result;
}

function canReturn(fn: AsmFunction, noReturn: ReadonlySet<string>): boolean {
  return fn.insns.some((insn) => {
    const m = insn.mnemonic;
    if (m.charCodeAt(0) !== 106 /* j */ && m !== 'ret' && !m.startsWith('iret') && !m.startsWith('sysret')) return false;
    const effect = describe(insn, fn.mode);
    if (effect.flow === 'return' || effect.flow === 'indirect-jump') return true;
    if (effect.flow === 'jump' || effect.flow === 'branch') {
      const op = insn.operands[0];
      const inside = op?.kind === 'target' && (fn.labels.has(op.name) || (op.address !== undefined && fn.addresses.has(op.address)));
      // A jump out of the function is a tail call: it returns if its target may.
      return !inside && !(op?.kind === 'target' && noReturn.has(plainSymbol(op.name)));
    }
    return false;
  }) || fn.insns[fn.insns.length - 1]?.unknown === true;
}

/** Lines whose findings a `redzone-ignore` comment suppresses: the comment's own line, and the next line when the comment stands alone. */
function ignoredLines(parsed: ParsedAsm): Set<number> {
  const lines = new Set<number>();
  const codeLines = new Set<number>();
  if (!parsed.comments.some((comment) => comment.text.includes('redzone-ignore'))) return lines;
  for (const item of parsed.items) if (item.kind === 'insn') codeLines.add(item.line);
  for (const comment of parsed.comments) {
    if (!comment.text.includes('redzone-ignore')) continue;
    lines.add(comment.line);
    if (!codeLines.has(comment.line)) lines.add(comment.line + 1);
  }
  return lines;
}
