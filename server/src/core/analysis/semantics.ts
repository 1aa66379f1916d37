/**
 * The effect of one instruction for the stack analysis: its memory accesses, the registers it
 * changes, and how control leaves it, worked out from its operands and what the x86 table
 * (`x86/opcodes.ts`) says about its opcode. Operands arrive in Intel order (destination first).
 */
import type { Instruction, MemOperand, Operand } from '../ir';
import { gpr, registerWidth } from './registers';
import {
  accumulatorWrites, Control, hasFlag, MemoryRole, OpcodeFlag, opcodeAccessSize, opcodeControl, opcodeImplicitWrites, opcodeMemory, opcodeString, opcodeStringElement, opcodeTransfer, StringOp, Transfer, UNKNOWN_OPCODE,
} from '../x86/opcodes';

/** How control leaves an instruction: the values of the `flow` column of `FunctionFacts` (`facts.ts`). */
export const Flow = {
  Next: 0,
  Jump: 1,
  Branch: 2,
  IndirectJump: 3,
  Call: 4,
  IndirectCall: 5,
  Return: 6,
  Stop: 7,
} as const;

/** True when control never falls through to the next instruction (`jmp`, `jmp *%rax`, `ret`, `ud2`, a no-return call). */
export function endsPath(flow: number): boolean {
  return flow === Flow.Jump || flow === Flow.IndirectJump || flow === Flow.Return || flow === Flow.Stop;
}

/** How an instruction uses a memory operand: the values of the `accessKind` column. */
export const AccessKind = { Load: 1, Store: 2, Both: 3 } as const;

/**
 * Where `describeInto` writes what one instruction does: its memory accesses in order (explicit
 * operands first, then the implicit ones of string instructions), and, through its return value,
 * how control leaves it and which registers it writes.
 */
export interface AccessSink {
  /**
   * One memory access. `size` is -1 when the instruction does not say (then 1 byte is assumed for
   * overlap checks); `rspMovedBy` is the bytes the instruction moves RSP up before the access, 0
   * for none: `popq -8(%rbp)` increments RSP first and then stores (Intel SDM, POP: "If the
   * destination operand uses RSP as base register, the address is computed after the pop
   * increments RSP"), so the address and its place relative to RSP are those after the increment.
   */
  access(mem: MemOperand, kind: number, size: number, rspMovedBy: number): void;
}

/** What the stack analysis needs to know about one instruction, as one object: for the few callers outside the analysis's hot path. */
export interface Effect {
  /** `Flow`. */
  readonly flow: number;
  /** Symbolic target of a direct jump or call. */
  readonly target: string | undefined;
  /** Register slots written by the instruction that the transfer function does not model itself, as a bit mask (bit k: slot k). */
  readonly writes: number;
}

/** Functions that never return: a call to them ends the path (the code after it is unreachable). */
export const noReturnFunctions = new Set([
  'abort', 'exit', '_exit', '_Exit', 'quick_exit', '__stack_chk_fail', '__stack_chk_fail_local', '__assert_fail',
  '__assert_perror_fail', '__assert', '__fortify_fail', '__chk_fail', 'longjmp', '_longjmp', 'siglongjmp',
  '__longjmp_chk', 'panic', 'do_exit', 'make_task_dead', 'kthread_exit', '__cxa_throw', '__cxa_rethrow',
  '_Unwind_Resume', '__cxa_bad_cast', '__cxa_bad_typeid', '__cxa_pure_virtual', 'std::terminate', '_ZSt9terminatev',
  'err', 'errx', 'verr', 'verrx', 'pthread_exit', 'thrd_exit', '__builtin_trap', 'fortify_panic', '__ubsan_handle_builtin_unreachable',
  'rust_panic', 'core::panicking::panic', '__rust_start_panic', 'BUG', 'usercopy_abort', 'machine_real_restart', 'rewind_stack_and_make_dead',
  'cpu_bringup_and_idle', '__reiserfs_panic', 'snp_abort', 'sev_es_terminate', 'ex_handler_msr_mce', 'xen_start_kernel',
]);

/** An instruction's text for messages: whitespace runs (the tab after the mnemonic) become one space. */
export function quoted(insn: Instruction): string {
  return insn.text.replace(/\s+/g, ' ');
}

/**
 * True for the instructions assemblers and compilers put between code as alignment padding:
 * the nop family (`nop`, `nopw 0(%rax,%rax,1)`, `xchg %ax,%ax`, `data16 cs nopw`), `int3`, and the
 * older gas fillers that move a register to itself (`lea 0(%esi,%eiz,1),%esi`, `mov %esi,%esi`).
 */
export function isPadding(insn: Instruction): boolean {
  if (hasFlag(insn.opcode, OpcodeFlag.Filler)) return true;
  const [first, second] = insn.operands;
  if (insn.operands.length !== 2 || first?.kind !== 'reg') return false;
  const transfer = opcodeTransfer[insn.opcode];
  if (transfer === Transfer.Exchange || transfer === Transfer.Move) return second?.kind === 'reg' && second.reg === first.reg;
  // lea 0x0(%esi,%eiz,1),%esi
  return transfer === Transfer.Lea && second?.kind === 'mem' && second.base === first.reg && second.disp === 0 && second.symbol === undefined && (second.index === undefined || second.index === 'eiz' || second.index === 'riz');
}

/** Strips `@PLT`, `@plt` and the like from a call target (`call abort@PLT`). */
export function plainSymbol(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

const stringElementSize: readonly (number | undefined)[] = [undefined, 1, 2, undefined, 4, undefined, undefined, undefined, 8];

/** How control leaves `insn`, from the x86 table and its first operand (`Flow`). */
export function flowOf(insn: Instruction): number {
  const control = opcodeControl[insn.opcode]!;
  // ljmp leaves the function: no successor inside it, like a tail call.
  if (control === Control.FarJump) return Flow.Jump;
  if (control === Control.Jump || control === Control.Conditional || control === Control.Call || control === Control.FarCall) {
    // lcall is a far call (boot and mode-switch code) that returns like a call.
    const isCall = control === Control.Call || control === Control.FarCall;
    const first = insn.operands[0];
    if (first?.kind === 'target' || first?.kind === 'imm') return isCall ? Flow.Call : control === Control.Jump ? Flow.Jump : Flow.Branch;
    return isCall ? Flow.IndirectCall : control === Control.Jump ? Flow.IndirectJump : Flow.Branch;
  }
  if (control === Control.Return) return Flow.Return;
  if (control === Control.Stop) return Flow.Stop;
  return Flow.Next;
}

/** The symbolic target of a direct jump, branch or call (`call foo`, `jne .L3`; `call 0x1139` from a stripped listing gives `0x1139`), else undefined. */
export function directTarget(insn: Instruction): string | undefined {
  const control = opcodeControl[insn.opcode]!;
  if (control !== Control.Jump && control !== Control.Conditional && control !== Control.Call && control !== Control.FarCall) return undefined;
  const first = insn.operands[0];
  if (first?.kind === 'target') return first.name;
  // `call 0x1139` from a stripped listing: an address without a name.
  if (first?.kind === 'imm' && first.value !== undefined) return `0x${first.value.toString(16)}`;
  return undefined;
}

/**
 * Describes one instruction from the x86 table: its memory accesses go to `sink`; returns the
 * register slots it writes that the transfer function does not model (a bit mask). Never throws;
 * unknown instructions get a conservative description.
 */
export function describeInto(insn: Instruction, addressSize: 2 | 4 | 8, sink: AccessSink): number {
  const id = insn.opcode;
  const ops = insn.operands;
  let explicit = false;
  const role = opcodeMemory[id]!;
  if (role !== MemoryRole.NoAccess) {
    for (let index = 0; index < ops.length; index++) {
      const op = ops[index]!;
      if (op.kind !== 'mem') continue;
      let kind: number;
      if (index !== 0 || role === MemoryRole.ReadOnly) kind = AccessKind.Load;
      else if (role === MemoryRole.ReadModifyWrite) kind = AccessKind.Both;
      // One-operand arithmetic (`mul`, `div`, `idiv`, `imul`) reads its operand.
      else if (ops.length === 1 && role !== MemoryRole.StoreOnly) kind = AccessKind.Load;
      else kind = AccessKind.Store;
      const size = accessSize(insn, op);
      // popq -8(%rbp): the store happens after the pop has moved RSP up by the operand's size.
      const moved = opcodeTransfer[id] === Transfer.Pop ? size ?? addressSize : 0;
      sink.access(op, kind, size ?? -1, moved);
      explicit = true;
    }
  }

  // String instructions address memory through %rsi/%rdi without naming it (`rep stosq`).
  const stringOp = stringOpOf(insn);
  if (stringOp !== StringOp.None && !explicit) {
    const size = stringElementSize[opcodeStringElement[id]!] ?? insn.suffixSize;
    const viaSi = memAt(addressSize === 4 ? 'esi' : 'rsi', size);
    const viaDi = memAt(addressSize === 4 ? 'edi' : 'rdi', size);
    const stated = size ?? -1;
    if (stringOp === StringOp.Stos || stringOp === StringOp.Ins) sink.access(viaDi, AccessKind.Store, stated, 0);
    if (stringOp === StringOp.Movs) {
      sink.access(viaSi, AccessKind.Load, stated, 0);
      sink.access(viaDi, AccessKind.Store, stated, 0);
    }
    if (stringOp === StringOp.Lods || stringOp === StringOp.Outs) sink.access(viaSi, AccessKind.Load, stated, 0);
    if (stringOp === StringOp.Cmps) {
      sink.access(viaSi, AccessKind.Load, stated, 0);
      sink.access(viaDi, AccessKind.Load, stated, 0);
    }
    if (stringOp === StringOp.Scas) sink.access(viaDi, AccessKind.Load, stated, 0);
  }
  return registerWrites(insn, stringOp);
}

const ignoreAccesses: AccessSink = { access() {} };

/** Describes one instruction as one object, for callers outside the analysis's hot path (the analysis reads `FunctionFacts`). */
export function describe(insn: Instruction, addressSize: 2 | 4 | 8): Effect {
  return { flow: flowOf(insn), target: directTarget(insn), writes: describeInto(insn, addressSize, ignoreAccesses) };
}

/** The string operation of an instruction: `movsd` with operands is the SSE move, not `movs` of doublewords. */
function stringOpOf(insn: Instruction): number {
  const id = insn.opcode;
  if (insn.operands.length > 0 && hasFlag(id, OpcodeFlag.StringOnlyBare)) return StringOp.None;
  return opcodeString[id]!;
}

/** The synthesized `[reg]` operands of implicit string-instruction accesses, made once per register and size. */
const implicitOperands = new Map<string, MemOperand>();

/** A synthesized `[reg]` operand for implicit string-instruction accesses. */
function memAt(base: string, size: number | undefined): MemOperand {
  const key = `${base}:${size}`;
  let mem = implicitOperands.get(key);
  if (mem === undefined) {
    mem = { kind: 'mem', base, index: undefined, scale: 1, disp: 0, symbol: undefined, segment: undefined, size };
    // The sizes come from the x86 table and the AT&T suffixes: a handful of keys.
    if (implicitOperands.size < 64) implicitOperands.set(key, mem);
  }
  return mem;
}

/** The access size of a memory operand: stated size, AT&T suffix, the mnemonic's, or the other operand's width. */
export function accessSize(insn: Instruction, mem: MemOperand): number | undefined {
  if (mem.size !== undefined) return mem.size;
  const id = insn.opcode;
  if (insn.suffixSize !== undefined || hasFlag(id, OpcodeFlag.SuffixSizedAccess)) return insn.suffixSize;
  const sized = opcodeAccessSize[id]!;
  if (sized !== 0) return sized;
  if (hasFlag(id, OpcodeFlag.IntegerSource)) return undefined;
  for (let k = 0; k < insn.operands.length; k++) {
    const op = insn.operands[k]!;
    if (op.kind === 'reg') {
      const width = registerWidth(op.reg);
      if (width !== undefined) return width;
    }
  }
  return undefined;
}

/** Every general register the instruction may write, as a bit mask of slots, except the stack effects of push/pop/call/ret. */
function registerWrites(insn: Instruction, stringOp: number): number {
  const id = insn.opcode;
  const ops = insn.operands;
  let writes = 0;
  const accumulator = ops.length === 1 && hasFlag(id, OpcodeFlag.AccumulatorArithmetic);
  const implicit = accumulator ? accumulatorWrites : opcodeImplicitWrites[id]!;
  for (let k = 0; k < implicit.length; k++) writes |= 1 << implicit[k]!;
  if (hasFlag(id, OpcodeFlag.WritesAllRegisterOperands)) return writes | registerOperandSlots(ops);
  if (stringOp !== StringOp.None) {
    writes |= (1 << 6) | (1 << 7);
    if (insn.prefixes.some((p) => p.startsWith('rep'))) writes |= 1 << 1;
    if (stringOp === StringOp.Lods) writes |= 1;
    return writes;
  }
  const dest = ops[0];
  if (dest?.kind === 'reg' && hasFlag(id, OpcodeFlag.WritesDestination) && !accumulator) writes |= slotBit(dest.reg);
  if (insn.unknown) {
    // An instruction we could not read may write any register it names.
    writes |= registerOperandSlots(ops);
    // A word the x86 table does not know (a macro left unexpanded, `SAVE_REGS`) may do anything,
    // move the stack pointer too: the analysis does not assume that it leaves RSP alone.
    if (id === UNKNOWN_OPCODE) writes |= slotBit('rsp');
  }
  return writes;
}

function registerOperandSlots(ops: readonly Operand[]): number {
  let writes = 0;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    if (op.kind === 'reg') writes |= slotBit(op.reg);
  }
  return writes;
}

function slotBit(name: string): number {
  const ref = gpr(name);
  return ref === undefined ? 0 : 1 << ref.slot;
}
