/**
 * What the stack analysis knows about a function's instructions, as columns: one typed array per
 * fact, indexed by instruction (flow, registers written, flags) or by access (the memory accesses
 * of all instructions one after the other). Made once per function from its instructions and the
 * x86 table (`semantics.ts` says what one instruction does), and read by the fixpoint, the
 * transfer function, the check and the layout.
 *
 * Invariants: the accesses of instruction `i` are `[accessStart[i], accessStart[i + 1])`, in the
 * order `describeInto` reports them (explicit operands in operand order, then the implicit ones of
 * string instructions), so the `k`th access of an instruction is `accessStart[i] + k`; `writes[i]`
 * has bit `s` set when the instruction may write register slot `s` in a way the transfer function
 * does not model itself. The columns are views of the function analysis's arena (`arena.ts`):
 * nothing here allocates per instruction but the list of access operands.
 */
import type { Instruction, MemOperand, Operand } from '../ir';
import { indexAtAddress, type AsmFunction, type Program } from './program';
import { describeInto, directTarget, Flow, flowOf, plainSymbol, type AccessSink } from './semantics';
import { opcodeTransfer, Transfer } from '../x86/opcodes';
import { Arena } from './arena';

/** Bits of the `flags` column. */
export const FactFlag = {
  /** `call 1f; 1: pop %ebx`: a call to the next instruction, which reads the program counter (a push). */
  CallsNext: 1,
  /** One of the instruction's accesses has an index register (`(%r8,%rax)`). */
  Indexed: 2,
} as const;

/** The columns of one function's instructions; see the module comment for the invariants. */
export interface FunctionFacts {
  /** `Flow` of each instruction; a call to a function that never returns is `Flow.Stop`. */
  readonly flow: Int32Array;
  /** `FactFlag` bits of each instruction. */
  readonly flags: Int32Array;
  /** Register slots each instruction writes that the transfer function does not model itself (bit k: slot k). */
  readonly writes: Int32Array;
  /** Where each instruction's accesses start in the access columns; one more entry than instructions. */
  readonly accessStart: Int32Array;
  /** The memory operand of each access (the instruction's own, or a synthesized `[rdi]` of a string instruction). */
  readonly accessMem: readonly MemOperand[];
  /** `AccessKind` of each access. */
  readonly accessKind: Int32Array;
  /** Bytes each access reads or writes, -1 when the instruction does not say (1 is then assumed for overlaps). */
  readonly accessSize: Float64Array;
  /** Bytes the instruction moves RSP up before the access (`popq -8(%rbp)`), 0 for none. */
  readonly accessRspMovedBy: Float64Array;
}

/** What the caller knows about the world outside the function. */
export interface FactsOptions {
  readonly noReturn: ReadonlySet<string>;
}

/** Fills the access columns as `describeInto` reports accesses. */
class AccessColumns implements AccessSink {
  count = 0;
  readonly mem: MemOperand[] = [];

  constructor(readonly kind: Int32Array, readonly size: Float64Array, readonly moved: Float64Array) {}

  access(mem: MemOperand, kind: number, size: number, rspMovedBy: number): void {
    const at = this.count++;
    this.mem.push(mem);
    this.kind[at] = kind;
    this.size[at] = size;
    this.moved[at] = rspMovedBy;
  }
}

/** The facts of one instruction on its own, as if it were a function (no call target is known not to return). */
export function instructionFacts(insn: Instruction, mode: 2 | 4 | 8): FunctionFacts {
  const fn: AsmFunction = { name: '', insns: [insn], labels: new Map(), addressesAscend: false, sources: [], mode, startLine: insn.line, endLine: insn.line };
  const program: Program = { functions: [fn], dataTables: new Map(), dataLabels: new Set(), kernelEvidence: undefined, mode, relocatable: false };
  return factsOf(fn, program, { noReturn: new Set() }, new Arena(64, 32));
}

/** The facts of a function's instructions, in columns of `arena` (valid until it is reset). */
export function factsOf(fn: AsmFunction, program: Program, options: FactsOptions, arena: Arena): FunctionFacts {
  const insns = fn.insns;
  const n = insns.length;
  const flow = arena.int32(n);
  const flags = arena.int32(n);
  const writes = arena.int32(n);
  const accessStart = arena.int32(n + 1);
  // An instruction accesses at most each of its operands, or two implicit operands (`movs`).
  let bound = 0;
  for (let i = 0; i < n; i++) bound += Math.max(insns[i]!.operands.length, 2);
  const accesses = new AccessColumns(arena.int32(bound), arena.float64(bound), arena.float64(bound));
  for (let i = 0; i < n; i++) {
    const insn = insns[i]!;
    accessStart[i] = accesses.count;
    writes[i] = describeInto(insn, fn.mode, accesses);
    for (let a = accessStart[i]!; a < accesses.count; a++) if (accesses.mem[a]!.index !== undefined) flags[i] = FactFlag.Indexed;
    flow[i] = flowOf(insn);
    if (flow[i] === Flow.Call) callFacts(fn, program, options, i, flow, flags);
  }
  accessStart[n] = accesses.count;
  return { flow, flags, writes, accessStart, accessMem: accesses.mem, accessKind: accesses.kind, accessSize: accesses.size, accessRspMovedBy: accesses.moved };
}

/** Marks a call to the next instruction (`call 1f; 1: pop %ebx`) and a call that never returns. */
function callFacts(fn: AsmFunction, program: Program, options: FactsOptions, index: number, flow: Int32Array, flags: Int32Array): void {
  const insn = fn.insns[index]!;
  const target = directTarget(insn);
  if (target === undefined) return;
  if (targetIndex(fn, insn.operands[0]) === index + 1) {
    // `call 13 <f+0x13>` (e8 00 00 00 00) in a listing of an unlinked object is a call to another
    // symbol whose relocation objdump did not print. Only 32- and 16-bit code reads the program
    // counter with a call, and then the next instruction pops it (`call 1f; 1: pop %ebx`).
    if (!(program.relocatable && (fn.mode === 8 || opcodeTransfer[fn.insns[index + 1]?.opcode ?? 0] !== Transfer.Pop))) flags[index] |= FactFlag.CallsNext;
    return;
  }
  if (options.noReturn.has(plainSymbol(target))) flow[index] = Flow.Stop;
}

/** The index a direct jump lands on inside the function, or undefined when it leaves the function. */
export function targetIndex(fn: AsmFunction, op: Operand | undefined): number | undefined {
  if (op?.kind === 'target') {
    const at = op.address === undefined ? undefined : indexAtAddress(fn, op.address);
    if (at !== undefined) return at;
    return fn.labels.get(op.name);
  }
  if (op?.kind === 'imm' && op.value !== undefined) return indexAtAddress(fn, op.value);
  return undefined;
}
