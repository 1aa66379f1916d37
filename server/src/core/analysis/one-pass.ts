/**
 * One-pass analysis of a text, for callers that keep no cache (the CLI): each chunk is parsed,
 * built and checked right away, and only its results are kept. Memory then holds one function's
 * parse instead of the whole file's; on a 5 MB `.s` the retained parse made garbage collection a
 * quarter of the run.
 *
 * The check of a chunk depends on three whole-file facts. Each is settled as early as the text
 * allows, and a chunk checked before a fact changed is checked again at the end:
 * - the ABI follows the first chunk with instructions, which comes before every chunk it affects;
 * - the kernel verdict: unless a rule above content evidence settled it, the first evidence
 *   decides it, and the chunks checked before that evidence are checked again;
 * - the file's own no-return functions: a chunk that calls a function found to be no-return only
 *   in a later chunk is checked again.
 * The result equals `analyzeWithCache` on the same text (a property test holds them together).
 */
import type { AnalysisOptions } from '../options';
import type { Abi, Finding, FunctionSummary, KernelVerdict, Report } from '../report';
import { buildEntry, checkChunk, planText, shiftResults, type ChunkEntry } from './analyze';
import { defaultAbi } from './check';
import type { Chunk } from './chunks';
import { kernelBeforeContent, kernelFromContent } from './kernel';
import { describe, noReturnFunctions, plainSymbol } from './semantics';

/** What is kept of a chunk once it is checked. */
interface CheckedChunk {
  readonly chunk: Chunk;
  findings: readonly Finding[];
  functions: readonly FunctionSummary[];
  readonly problems: readonly { readonly line: number; readonly message: string }[];
  /** The verdict the chunk was checked under. */
  readonly kernel: KernelVerdict;
  /** Call targets that were not known to be no-return when the chunk was checked. */
  readonly openCalls: readonly string[];
}

/** Analyzes a text in one pass over its chunks; see the module comment. */
export function analyzeOnePass(text: string, options: AnalysisOptions): Report {
  const plan = planText(text, options);
  const settled = kernelBeforeContent(text, options);
  let kernel = settled ?? kernelFromContent(options, undefined);
  let evidenceSeen = settled !== undefined || options.detectKernel === false;
  let abi: Abi | undefined = options.abi;
  // Grows as chunks reveal functions that never return; a chunk sees the names found so far, so
  // any of its open calls found in the set at the end names a function found later.
  const noReturn = new Set(noReturnFunctions);
  const checked: CheckedChunk[] = [];

  plan.chunks.forEach((chunk) => {
    const entry = buildEntry(text.slice(chunk.offset, chunk.end), chunk, plan);
    const program = entry.program;
    if (abi === undefined && program.functions.some((fn) => fn.insns.length > 0)) abi = defaultAbi(chunk.mode);
    if (!evidenceSeen && program.kernelEvidence !== undefined) {
      evidenceSeen = true;
      kernel = kernelFromContent(options, { line: program.kernelEvidence.line + chunk.line, what: program.kernelEvidence.what });
    }
    for (const name of entry.noReturn) noReturn.add(name);
    const result = checkChunk(entry, { abi: abi ?? 'sysv', kernel, noReturn, key: '' });
    checked.push({ chunk, findings: result.findings, functions: result.functions, problems: entry.parsed.problems, kernel, openCalls: openCallsOf(entry, noReturn) });
  });

  // The ABI and verdict every chunk is reported under, as the cached path decides them.
  const finalAbi: Abi = abi ?? defaultAbi(plan.chunks[0]?.mode ?? 8);
  const context = { abi: finalAbi, kernel, noReturn, key: '' };
  for (const item of checked) {
    if (item.kernel === kernel && !item.openCalls.some((name) => noReturn.has(name))) continue;
    const entry = buildEntry(text.slice(item.chunk.offset, item.chunk.end), item.chunk, plan);
    const result = checkChunk(entry, context);
    item.findings = result.findings;
    item.functions = result.functions;
  }

  const results = shiftResults(checked.map((item) => ({ chunk: item.chunk, check: item, problems: item.problems })));
  return { input: plan.syntax, inputReason: plan.syntaxReason, kernel, abi: finalAbi, ...results };
}

/** The direct call targets of a chunk that `noReturn` does not (yet) hold. */
function openCallsOf(entry: ChunkEntry, noReturn: ReadonlySet<string>): string[] {
  const open: string[] = [];
  for (const fn of entry.program.functions) {
    for (const insn of fn.insns) {
      if (insn.mnemonic !== 'call' && insn.mnemonic !== 'lcall') continue;
      const target = describe(insn, fn.mode).target;
      if (target !== undefined && !noReturn.has(plainSymbol(target))) open.push(plainSymbol(target));
    }
  }
  return open;
}
