/**
 * Runs the whole analysis over a text: chunks, parsing, the kernel verdict, the check per function,
 * `redzone-ignore` suppression, and the report.
 *
 * The text is cut into function-sized chunks (`chunks.ts`). Each chunk is parsed and built once
 * and cached by its text; each is checked once per analysis context (kernel verdict, ABI, the
 * file's no-return functions) and cached too. So an edit in a 200,000-line file re-parses and
 * re-checks only the function it touched, and the CLI and the editor share one code path.
 */
import type { AsmItem, ParsedAsm, TextSyntax } from '../ir';
import type { AnalysisOptions } from '../options';
import type { Abi, Finding, FrameLayout, FunctionSummary, KernelVerdict, Report } from '../report';
import { detectSyntax, parseAsm } from '../syntax/index';
import { checkFunction, clobberedMessage, defaultAbi } from './check';
import { scanChunks, sectionsKey, type Chunk } from './chunks';
import { decideKernel } from './kernel';
import { frameLayoutInProgram } from './layout';
import { buildProgram, indexAtAddress, type AsmFunction, type KernelEvidence, type Program } from './program';
import { Flow, flowOf, noReturnFunctions, plainSymbol } from './semantics';
import { Control, opcodeControl } from '../x86/opcodes';

/** Per-document memory of earlier analyses; pass the same object for each version of a text. */
export interface AnalysisCache {
  /** Chunk text (with its dialect and mode) -> its parse and, per context, its check. */
  chunks: Map<string, ChunkEntry>;
  /** What the phase-1 results depend on beyond the chunk text (the file's `.file` table). */
  fileKey: string;
  /** The last text analyzed and its prepared state, so a hover does not rescan the text. */
  last: Prepared | undefined;
  /** The last expansion of the written text (`expanded-report.ts`), so a hover does not expand again. */
  expansion?: unknown;
}

export interface ChunkEntry {
  readonly syntax: TextSyntax;
  readonly mode: 2 | 4 | 8;
  /** `sectionsKey` of the sections the chunk was parsed in ('' for `.text`, nothing pushed). */
  readonly sections: string;
  readonly parsed: ParsedAsm;
  readonly program: Program;
  /** Functions of this chunk that can never return. */
  readonly noReturn: readonly string[];
  check: { readonly key: string; readonly findings: readonly Finding[]; readonly functions: readonly FunctionSummary[] } | undefined;
}

interface Prepared {
  readonly text: string;
  readonly optionsKey: string;
  readonly chunks: readonly Chunk[];
  readonly entries: readonly ChunkEntry[];
  readonly context: CheckContext;
  readonly syntax: TextSyntax;
  readonly syntaxReason: string;
}

export interface CheckContext {
  readonly abi: Abi;
  readonly kernel: KernelVerdict;
  readonly noReturn: ReadonlySet<string>;
  readonly key: string;
}

/** A fresh cache. */
export function createAnalysisCache(): AnalysisCache {
  return { chunks: new Map(), fileKey: '', last: undefined };
}

/** Analyzes a text, reusing what `cache` holds from earlier versions of it. */
export function analyzeWithCache(text: string, options: AnalysisOptions, cache: AnalysisCache = createAnalysisCache()): Report {
  const prepared = prepare(text, options, cache);
  const result = collectResults(prepared.chunks, prepared.entries, prepared.context);
  return {
    input: prepared.syntax,
    inputReason: prepared.syntaxReason,
    kernel: prepared.context.kernel,
    abi: prepared.context.abi,
    ...result,
  };
}

/** The stack frame at the instruction on `line` (0-based), from the cache when the text is the same. */
export function frameLayoutWithCache(text: string, line: number, options: AnalysisOptions, cache: AnalysisCache = createAnalysisCache()): FrameLayout | undefined {
  const prepared = prepare(text, options, cache);
  const k = chunkIndexOfLine(prepared.chunks, line);
  const chunk = prepared.chunks[k];
  const entry = prepared.entries[k];
  if (chunk === undefined || entry === undefined) return undefined;
  // The findings the check reported on the line (cached with the chunk, `redzone-ignore` applied).
  const findings = checkChunk(entry, prepared.context).findings.filter((f) => f.line === line - chunk.line);
  const layout = frameLayoutInProgram(entry.program, line - chunk.line, prepared.context, findings);
  if (layout === undefined) return undefined;
  const shiftLines = (lines: readonly number[]): number[] => lines.map((l) => l + chunk.line);
  return {
    ...layout,
    line,
    rows: layout.rows.map((row) => ({ ...row, writtenAt: shiftLines(row.writtenAt), readAt: shiftLines(row.readAt) })),
    findings: layout.findings.map((f) => shiftFinding(f, chunk)),
  };
}

/** The names that start functions among items that did not come from text: function headers, `.type` and `.globl` names. */
function startsOf(items: readonly AsmItem[]): Set<string> {
  const starts = new Set<string>();
  for (const item of items) {
    if (item.kind === 'function-header' || item.kind === 'type-function' || item.kind === 'global') starts.add(item.name);
  }
  return starts;
}

/** The entry of one function's items of a disassembled object (a piece of `analyzeItemsOnePass`). */
export function itemsEntry(items: AsmItem[], syntax: TextSyntax, mode: 2 | 4 | 8): ChunkEntry {
  const parsed: ParsedAsm = { syntax, syntaxReason: '', items, comments: [], problems: [] };
  const program = buildProgram(parsed, { starts: startsOf(items), mode });
  return { syntax, mode, sections: '', parsed, program, noReturn: localNoReturn(program), check: undefined };
}

/** Scans, parses and decides the context, reusing the cache; cheap when nothing changed. */
function prepare(text: string, options: AnalysisOptions, cache: AnalysisCache): Prepared {
  const optionsKey = JSON.stringify([options.syntax, options.abi, options.forcedKernel, options.globKernel, options.buildKernel, options.detectKernel, options.writtenText]);
  if (cache.last !== undefined && cache.last.text === text && cache.last.optionsKey === optionsKey) return cache.last;
  const plan = planText(text, options);
  if (cache.fileKey !== plan.fileKey) {
    cache.chunks.clear();
    cache.fileKey = plan.fileKey;
  }
  const used = new Map<string, ChunkEntry>();
  const entries = plan.chunks.map((chunk) => {
    // The chunk text itself is the key; two identical chunks share one entry.
    const chunkText = text.slice(chunk.offset, chunk.end);
    let entry = used.get(chunkText) ?? cache.chunks.get(chunkText);
    if (entry === undefined || entry.syntax !== chunk.syntax || entry.mode !== chunk.mode || entry.sections !== sectionsKey(chunk.sections)) entry = buildEntry(chunkText, chunk, plan);
    used.set(chunkText, entry);
    return entry;
  });
  // Only the chunks of the latest text stay cached, so memory follows the document.
  cache.chunks = used;
  const context = decideContext(text, options, plan, entries);
  const prepared: Prepared = { text, optionsKey, chunks: plan.chunks, entries, context, syntax: plan.syntax, syntaxReason: plan.syntaxReason };
  cache.last = prepared;
  return prepared;
}

/** The chunks of a text and what every chunk needs to know about the whole (cheap: one scan). */
export interface TextPlan {
  readonly syntax: TextSyntax;
  readonly syntaxReason: string;
  readonly chunks: readonly Chunk[];
  readonly starts: ReadonlySet<string>;
  readonly files: ReadonlyMap<number, string>;
  /** An objdump listing of an unlinked object (`ChunkScan.relocatable`). */
  readonly relocatable: boolean;
  /** What every chunk's parse depends on besides its own text: cached chunks are dropped when it changes. */
  readonly fileKey: string;
}

/** The findings, summaries and problems of the chunks, in whole-text lines and offsets. */
export interface ChunkResults {
  readonly findings: readonly Finding[];
  readonly functions: readonly FunctionSummary[];
  readonly problems: readonly { readonly line: number; readonly message: string }[];
}

/** Detects the dialect and cuts the text into chunks. */
export function planText(text: string, options: AnalysisOptions): TextPlan {
  const detection = options.syntax !== undefined ? { syntax: options.syntax, reason: 'forced by --syntax' } : detectSyntax(text);
  const scan = scanChunks(text, detection.syntax);
  return {
    syntax: detection.syntax, syntaxReason: detection.reason, chunks: scan.chunks, starts: scan.functionStarts, files: fileTable(scan.fileDirectives),
    relocatable: scan.relocatable, fileKey: `${scan.relocatable ? 'relocatable\n' : ''}${scan.fileDirectives}`,
  };
}

/**
 * The whole-file context every chunk is checked in: the kernel verdict (content evidence may be in
 * any chunk), the ABI (from the first function's address size) and the file's no-return functions.
 */
function decideContext(text: string, options: AnalysisOptions, plan: TextPlan, entries: readonly ChunkEntry[]): CheckContext {
  let evidence: KernelEvidence | undefined;
  let mode: 2 | 4 | 8 | undefined;
  entries.forEach((entry, k) => {
    const chunk = plan.chunks[k]!;
    const found = entry.program.kernelEvidence;
    if (evidence === undefined && found !== undefined) evidence = { line: found.line + chunk.line, what: found.what };
    if (mode === undefined && entry.program.functions.some((fn) => fn.insns.length > 0)) mode = chunk.mode;
  });
  const kernel = decideKernel(text, options, evidence);
  const abi: Abi = options.abi ?? defaultAbi(mode ?? plan.chunks[0]?.mode ?? 8);
  const localNames = entries.flatMap((entry) => entry.noReturn).sort();
  return { abi, kernel, noReturn: new Set([...noReturnFunctions, ...localNames]), key: JSON.stringify([abi, kernel, localNames]) };
}

export function buildEntry(chunkText: string, chunk: Chunk, plan: TextPlan): ChunkEntry {
  const parsed = parseAsm(chunkText, { syntax: chunk.syntax, sections: chunk.sections });
  const program = buildProgram(parsed, { starts: plan.starts, mode: chunk.mode, files: plan.files, relocatable: plan.relocatable });
  return { syntax: chunk.syntax, mode: chunk.mode, sections: sectionsKey(chunk.sections), parsed, program, noReturn: localNoReturn(program), check: undefined };
}

/** Checks chunks (cached per context) and shifts their results into whole-text lines and offsets. */
function collectResults(chunks: readonly Chunk[], entries: readonly ChunkEntry[], context: CheckContext): ChunkResults {
  return shiftResults(entries.map((entry, k) => ({ chunk: chunks[k]!, check: checkChunk(entry, context), problems: entry.parsed.problems })));
}

/** One chunk's results in chunk-relative lines and offsets. */
export interface ChunkCheck {
  readonly chunk: Chunk;
  readonly check: { readonly findings: readonly Finding[]; readonly functions: readonly FunctionSummary[] };
  readonly problems: readonly { readonly line: number; readonly message: string }[];
}

/** Shifts the results of chunks, in text order, into whole-text lines and offsets. */
export function shiftResults(checks: readonly ChunkCheck[]): ChunkResults {
  const findings: Finding[] = [];
  const functions: FunctionSummary[] = [];
  const problems: { line: number; message: string }[] = [];
  for (const { chunk, check, problems: chunkProblems } of checks) {
    for (const finding of check.findings) findings.push(shiftFinding(finding, chunk));
    for (const summary of check.functions) {
      functions.push({
        ...summary,
        startLine: summary.startLine + chunk.line,
        endLine: summary.endLine + chunk.line,
        span: { start: summary.span.start + chunk.offset, end: summary.span.end + chunk.offset },
      });
    }
    for (const problem of chunkProblems) problems.push({ line: problem.line + chunk.line, message: problem.message });
  }
  return { findings, functions, problems };
}

/** Checks every function of a chunk, or returns the cached result for the same context. */
export function checkChunk(entry: ChunkEntry, context: CheckContext): NonNullable<ChunkEntry['check']> {
  if (entry.check?.key === context.key) return entry.check;
  const ignored = ignoredLines(entry.parsed);
  const findings: Finding[] = [];
  const functions: FunctionSummary[] = [];
  for (const fn of entry.program.functions) {
    if (fn.insns.length === 0) continue;
    const result = checkFunction(fn, entry.program, context);
    const kept = result.findings.filter((f) => !ignored.has(f.line));
    findings.push(...kept);
    functions.push({ ...result.summary, findingCount: kept.length });
  }
  entry.check = { key: context.key, findings, functions };
  return entry.check;
}

function shiftFinding(finding: Finding, chunk: Chunk): Finding {
  if (chunk.offset === 0 && chunk.line === 0) return finding;
  const clobber = finding.clobber === undefined ? undefined : { ...finding.clobber, line: finding.clobber.line + chunk.line };
  return {
    ...finding,
    ...(clobber !== undefined ? { clobber, message: clobberedMessage(finding.size, clobber) } : {}),
    line: finding.line + chunk.line,
    span: { start: finding.span.start + chunk.offset, end: finding.span.end + chunk.offset },
    related: finding.related.map((r) => ({ ...r, line: r.line + chunk.line, span: { start: r.span.start + chunk.offset, end: r.span.end + chunk.offset } })),
  };
}

function chunkIndexOfLine(chunks: readonly Chunk[], line: number): number {
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (chunks[mid]!.line <= line) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** `.file N "path"` entries, parsed by the real parser so paths are joined the same way. */
function fileTable(directives: string): Map<number, string> {
  const files = new Map<number, string>();
  if (directives === '') return files;
  for (const item of parseAsm(directives, { syntax: 'att' }).items) if (item.kind === 'file') files.set(item.fileNumber, item.path);
  return files;
}

/** The functions of a program that can never return (no `ret`, no jump out, no indirect jump). */
function localNoReturn(program: Program): string[] {
  return program.functions.filter((fn) => fn.insns.length > 0 && !canReturn(fn, noReturnFunctions)).map((fn) => fn.name);
}

function canReturn(fn: AsmFunction, noReturn: ReadonlySet<string>): boolean {
  return fn.insns.some((insn) => {
    // Only returns (`ret`, `lret`, `retf`, `iret`, `sysexit`...) and jumps can leave the function to its caller.
    const control = opcodeControl[insn.opcode];
    if (control !== Control.Return && control !== Control.Jump && control !== Control.Conditional && control !== Control.FarJump) return false;
    const flow = flowOf(insn);
    if (flow === Flow.Return || flow === Flow.IndirectJump) return true;
    if (flow === Flow.Jump || flow === Flow.Branch) {
      const op = insn.operands[0];
      const inside = op?.kind === 'target' && (fn.labels.has(op.name) || (op.address !== undefined && indexAtAddress(fn, op.address) !== undefined));
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
