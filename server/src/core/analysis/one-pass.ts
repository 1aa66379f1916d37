/**
 * One-pass analysis, for callers that keep no cache (the CLI): each piece of the input (a chunk
 * of a text, or one function's items of a disassembled object) is built and checked right away,
 * and only its results are kept. Memory then holds one function instead of the whole file; on a
 * 5 MB `.s` the retained parse made garbage collection a quarter of the run, and on kernel modules
 * every young-generation collection copied the module's whole IR.
 *
 * The check of a piece depends on three whole-file facts. Each is settled as early as the input
 * allows, and a piece checked before a fact changed is checked again at the end:
 * - the ABI follows the first piece with instructions, which comes before every piece it affects;
 * - the kernel verdict: unless a rule above content evidence settled it, the first evidence
 *   decides it, and the pieces checked before that evidence are checked again;
 * - the file's own no-return functions: a piece that calls a function found to be no-return only
 *   in a later piece is checked again.
 * The result equals the whole-file analysis of the same input (`analyzeWithCache` for text; for
 * items, one program of them all, which `test/unit/objects-one-pass.test.ts` builds); property
 * tests hold them together.
 */
import type { AsmItem, TextSyntax } from '../ir';
import type { AnalysisOptions } from '../options';
import type { Abi, Finding, FunctionSummary, KernelVerdict, Report } from '../report';
import { buildEntry, checkChunk, itemsEntry, planText, shiftResults, type CheckContext, type ChunkEntry } from './analyze';
import { defaultAbi } from './check';
import type { Chunk } from './chunks';
import { kernelBeforeContent, kernelFromContent } from './kernel';
import { directTarget, noReturnFunctions, plainSymbol } from './semantics';
import { isCallOpcode } from '../x86/opcodes';

/** What is kept of a piece once it is checked. */
interface CheckedPiece {
  findings: readonly Finding[];
  functions: readonly FunctionSummary[];
  /** The verdict the piece was checked under. */
  readonly kernel: KernelVerdict;
  /** Call targets that were not known to be no-return when the piece was checked. */
  readonly openCalls: readonly string[];
}

/** The whole-file facts as far as the pieces seen so far settle them. */
class OnePassContext {
  kernel: KernelVerdict;
  private evidenceSeen: boolean;
  private abi: Abi | undefined;
  /**
   * Grows as pieces reveal functions that never return; a piece sees the names found so far, so
   * any of its open calls found in the set at the end names a function found later.
   */
  readonly noReturn = new Set(noReturnFunctions);

  constructor(text: string, private readonly options: AnalysisOptions) {
    const settled = kernelBeforeContent(text, options);
    this.kernel = settled ?? kernelFromContent(options, undefined);
    this.evidenceSeen = settled !== undefined || options.detectKernel === false;
    this.abi = options.abi;
  }

  /** Checks one piece in the context so far, after letting it settle what it can; `line` is where the piece starts. */
  check(entry: ChunkEntry, line: number): CheckedPiece {
    const program = entry.program;
    if (this.abi === undefined && program.functions.some((fn) => fn.insns.length > 0)) this.abi = defaultAbi(entry.mode);
    if (!this.evidenceSeen && program.kernelEvidence !== undefined) {
      this.evidenceSeen = true;
      this.kernel = kernelFromContent(this.options, { line: program.kernelEvidence.line + line, what: program.kernelEvidence.what });
    }
    for (const name of entry.noReturn) this.noReturn.add(name);
    const result = checkChunk(entry, { abi: this.abi ?? 'sysv', kernel: this.kernel, noReturn: this.noReturn, key: '' });
    return { findings: result.findings, functions: result.functions, kernel: this.kernel, openCalls: openCallsOf(entry, this.noReturn) };
  }

  /** The context every piece is reported under, as the whole-file analysis decides it. */
  final(mode: 2 | 4 | 8): CheckContext {
    return { abi: this.abi ?? defaultAbi(mode), kernel: this.kernel, noReturn: this.noReturn, key: '' };
  }

  /** Whether a piece was checked in a context that the rest of the input changed. */
  stale(piece: CheckedPiece): boolean {
    return piece.kernel !== this.kernel || piece.openCalls.some((name) => this.noReturn.has(name));
  }

  /** Checks a stale piece again in the final context. */
  recheck(piece: CheckedPiece, entry: ChunkEntry, context: CheckContext): void {
    const result = checkChunk(entry, context);
    piece.findings = result.findings;
    piece.functions = result.functions;
  }
}

/** Analyzes a text in one pass over its chunks; see the module comment. */
export function analyzeOnePass(text: string, options: AnalysisOptions): Report {
  const plan = planText(text, options);
  const pass = new OnePassContext(text, options);
  const checked: { chunk: Chunk; piece: CheckedPiece; problems: readonly { readonly line: number; readonly message: string }[] }[] = [];
  plan.chunks.forEach((chunk) => {
    const entry = buildEntry(text.slice(chunk.offset, chunk.end), chunk, plan);
    checked.push({ chunk, piece: pass.check(entry, chunk.line), problems: entry.parsed.problems });
  });
  const context = pass.final(plan.chunks[0]?.mode ?? 8);
  for (const { chunk, piece } of checked) {
    if (pass.stale(piece)) pass.recheck(piece, buildEntry(text.slice(chunk.offset, chunk.end), chunk, plan), context);
  }
  const results = shiftResults(checked.map(({ chunk, piece, problems }) => ({ chunk, check: piece, problems })));
  return { input: plan.syntax, inputReason: plan.syntaxReason, kernel: pass.kernel, abi: context.abi, ...results };
}

/**
 * Emits the items of an input piece by piece, in order: each piece holds one function (its
 * header, instructions and the items before it). Called again, it must emit the same pieces.
 */
export type ItemPieces = (emit: (items: AsmItem[]) => void) => void;

/** Where the items came from, for the report, and the address size they are in. */
export interface ItemSource {
  readonly syntax: TextSyntax;
  readonly syntaxReason: string;
  readonly mode: 2 | 4 | 8;
}

/**
 * Analyzes items that did not come from text (an object's disassembly) one function at a time, as
 * they are produced; equals one analysis of all the items at once. The pieces are produced a
 * second time only when one was checked in a context that a later piece changed.
 */
export function analyzeItemsOnePass(pieces: ItemPieces, source: ItemSource, options: AnalysisOptions): Report {
  const pass = new OnePassContext('', options);
  const checked: CheckedPiece[] = [];
  pieces((items) => checked.push(pass.check(itemsEntry(items, source.syntax, source.mode), 0)));
  if (checked.some((piece) => pass.stale(piece))) {
    const context = pass.final(source.mode);
    let index = 0;
    pieces((items) => {
      const piece = checked[index++];
      if (piece !== undefined && pass.stale(piece)) pass.recheck(piece, itemsEntry(items, source.syntax, source.mode), context);
    });
  }
  const findings: Finding[] = [];
  const functions: FunctionSummary[] = [];
  for (const piece of checked) {
    for (const finding of piece.findings) findings.push(finding);
    for (const summary of piece.functions) functions.push(summary);
  }
  return { input: source.syntax, inputReason: source.syntaxReason, kernel: pass.kernel, abi: pass.final(source.mode).abi, functions, findings, problems: [] };
}

/** The direct call targets of a piece that `noReturn` does not (yet) hold. */
function openCallsOf(entry: ChunkEntry, noReturn: ReadonlySet<string>): string[] {
  const open: string[] = [];
  for (const fn of entry.program.functions) {
    for (const insn of fn.insns) {
      if (!isCallOpcode(insn.opcode)) continue;
      const target = directTarget(insn);
      if (target !== undefined && !noReturn.has(plainSymbol(target))) open.push(plainSymbol(target));
    }
  }
  return open;
}
