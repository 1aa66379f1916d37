/**
 * The effect of one instruction for the stack analysis: its memory accesses, the registers it
 * changes, and how control leaves it, worked out from its operands and what the x86 table
 * (`x86/opcodes.ts`) says about its opcode. Operands arrive in Intel order (destination first).
 */
import type { Instruction, MemOperand, Operand } from '../ir';
import { gpr, registerWidth } from './registers';
import {
  accumulatorWrites, Control, hasFlag, MemoryRole, OpcodeFlag, opcodeAccessSize, opcodeControl, opcodeImplicitWrites, opcodeMemory, opcodeString, opcodeStringElement, opcodeTransfer, StringOp, Transfer,
} from '../x86/opcodes';

/** How control leaves an instruction. */
export type Flow = 'next' | 'jump' | 'branch' | 'indirect-jump' | 'call' | 'indirect-call' | 'return' | 'stop';

/** True when control never falls through to the next instruction (`jmp`, `jmp *%rax`, `ret`, `ud2`, a no-return call). */
export function endsPath(flow: Flow): boolean {
  return flow === 'jump' || flow === 'indirect-jump' || flow === 'return' || flow === 'stop';
}

/** One memory access an instruction makes. */
export interface MemoryAccess {
  readonly mem: MemOperand;
  readonly access: 'load' | 'store' | 'both';
  /** Bytes, or undefined when the instruction does not say (then 1 is assumed for overlap checks). */
  readonly size: number | undefined;
  /**
   * Bytes the instruction moves RSP up before it makes this access, or undefined for none.
   * `popq -8(%rbp)`: the pop increments RSP first and then stores (Intel SDM, POP: "If the
   * destination operand uses RSP as base register, the address is computed after the pop
   * increments RSP"), so the address and its place relative to RSP are those after the increment.
   */
  readonly rspMovedBy?: number;
}

/** What the stack analysis needs to know about one instruction. */
export interface Effect {
  readonly flow: Flow;
  /** Symbolic target of a direct jump or call. */
  readonly target: string | undefined;
  readonly accesses: readonly MemoryAccess[];
  /** Register slots written by the instruction that the transfer function does not model itself. */
  readonly writes: readonly number[];
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

const noOperands: readonly MemoryAccess[] = [];
const noWrites: readonly number[] = [];
const scratchWrites: number[] = [];
/** The effects of instructions that only fall through and write at most one register: by slot, and 16 for none. */
const plainEffects: readonly Effect[] = Array.from({ length: 17 }, (_, slot) => ({ flow: 'next' as const, target: undefined, accesses: noOperands, writes: slot === 16 ? noWrites : [slot] }));
const stringElementSize: readonly (number | undefined)[] = [undefined, 1, 2, undefined, 4, undefined, undefined, undefined, 8];

/** Describes one instruction from the x86 table. Never throws; unknown instructions get a conservative description. */
export function describe(insn: Instruction, addressSize: 2 | 4 | 8): Effect {
  const id = insn.opcode;
  const ops = insn.operands;
  const control = opcodeControl[id]!;
  let flow: Flow = 'next';
  let target: string | undefined;

  const first = ops[0];
  if (control === Control.FarJump) {
    // ljmp leaves the function: no successor inside it, like a tail call.
    flow = 'jump';
  } else if (control === Control.Jump || control === Control.Conditional || control === Control.Call || control === Control.FarCall) {
    // lcall is a far call (boot and mode-switch code) that returns like a call.
    const isCall = control === Control.Call || control === Control.FarCall;
    if (first?.kind === 'target') {
      target = first.name;
      flow = isCall ? 'call' : control === Control.Jump ? 'jump' : 'branch';
    } else if (first?.kind === 'imm') {
      // `call 0x1139` from a stripped listing: an address without a name.
      target = first.value === undefined ? undefined : `0x${first.value.toString(16)}`;
      flow = isCall ? 'call' : control === Control.Jump ? 'jump' : 'branch';
    } else {
      flow = isCall ? 'indirect-call' : control === Control.Jump ? 'indirect-jump' : 'branch';
    }
  } else if (control === Control.Return) flow = 'return';
  else if (control === Control.Stop) flow = 'stop';

  let accesses: MemoryAccess[] | undefined;
  const role = opcodeMemory[id]!;
  if (role !== MemoryRole.NoAccess) {
    for (let index = 0; index < ops.length; index++) {
      const op = ops[index]!;
      if (op.kind !== 'mem') continue;
      let access: MemoryAccess['access'];
      if (index !== 0 || role === MemoryRole.ReadOnly) access = 'load';
      else if (role === MemoryRole.ReadModifyWrite) access = 'both';
      // One-operand arithmetic (`mul`, `div`, `idiv`, `imul`) reads its operand.
      else if (ops.length === 1 && role !== MemoryRole.StoreOnly) access = 'load';
      else access = 'store';
      const size = accessSize(insn, op);
      // popq -8(%rbp): the store happens after the pop has moved RSP up by the operand's size.
      if (opcodeTransfer[id] === Transfer.Pop) (accesses ??= []).push({ mem: op, access, size, rspMovedBy: size ?? addressSize });
      else (accesses ??= []).push({ mem: op, access, size });
    }
  }

  // String instructions address memory through %rsi/%rdi without naming it (`rep stosq`).
  const stringOp = stringOpOf(insn);
  if (stringOp !== StringOp.None && accesses === undefined) {
    const size = stringElementSize[opcodeStringElement[id]!] ?? insn.suffixSize;
    const viaSi = memAt(addressSize === 4 ? 'esi' : 'rsi', size);
    const viaDi = memAt(addressSize === 4 ? 'edi' : 'rdi', size);
    accesses = [];
    if (stringOp === StringOp.Stos || stringOp === StringOp.Ins) accesses.push({ mem: viaDi, access: 'store', size });
    if (stringOp === StringOp.Movs) accesses.push({ mem: viaSi, access: 'load', size }, { mem: viaDi, access: 'store', size });
    if (stringOp === StringOp.Lods || stringOp === StringOp.Outs) accesses.push({ mem: viaSi, access: 'load', size });
    if (stringOp === StringOp.Cmps) accesses.push({ mem: viaSi, access: 'load', size }, { mem: viaDi, access: 'load', size });
    if (stringOp === StringOp.Scas) accesses.push({ mem: viaDi, access: 'load', size });
  }

  // One scratch list for every instruction: most write no register the transfer leaves to `writes`.
  scratchWrites.length = 0;
  collectRegisterWrites(insn, scratchWrites, stringOp);
  if (accesses === undefined && target === undefined && flow === 'next' && scratchWrites.length <= 1) {
    // `testl %eax, %eax`, `movl %eax, %edx`: most instructions share one of these 17 effects.
    return scratchWrites.length === 0 ? plainEffects[16]! : plainEffects[scratchWrites[0]!]!;
  }
  return { flow, target, accesses: accesses ?? noOperands, writes: scratchWrites.length === 0 ? noWrites : scratchWrites.slice() };
}

/** The string operation of an instruction: `movsd` with operands is the SSE move, not `movs` of doublewords. */
function stringOpOf(insn: Instruction): number {
  const id = insn.opcode;
  if (insn.operands.length > 0 && hasFlag(id, OpcodeFlag.StringOnlyBare)) return StringOp.None;
  return opcodeString[id]!;
}

/** A synthesized `[reg]` operand for implicit string-instruction accesses. */
function memAt(base: string, size: number | undefined): MemOperand {
  return { kind: 'mem', base, index: undefined, scale: 1, disp: 0, symbol: undefined, segment: undefined, size };
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

/** Records every general register the instruction may write, except the stack effects of push/pop/call/ret. */
function collectRegisterWrites(insn: Instruction, writes: number[], stringOp: number): void {
  const id = insn.opcode;
  const ops = insn.operands;
  const accumulator = ops.length === 1 && hasFlag(id, OpcodeFlag.AccumulatorArithmetic);
  const implicit = accumulator ? accumulatorWrites : opcodeImplicitWrites[id]!;
  for (let k = 0; k < implicit.length; k++) writes.push(implicit[k]!);
  if (hasFlag(id, OpcodeFlag.WritesAllRegisterOperands)) {
    pushRegisterSlots(writes, ops);
    return;
  }
  if (stringOp !== StringOp.None) {
    writes.push(6, 7);
    if (insn.prefixes.some((p) => p.startsWith('rep'))) writes.push(1);
    if (stringOp === StringOp.Lods) writes.push(0);
    return;
  }
  const dest = ops[0];
  if (dest?.kind === 'reg' && hasFlag(id, OpcodeFlag.WritesDestination) && !accumulator) pushSlot(writes, dest.reg);
  if (insn.unknown) {
    // An instruction we could not read may write any register it names.
    pushRegisterSlots(writes, ops);
  }
}

function pushRegisterSlots(writes: number[], ops: readonly Operand[]): void {
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    if (op.kind === 'reg') pushSlot(writes, op.reg);
  }
}

function pushSlot(writes: number[], name: string): void {
  const ref = gpr(name);
  if (ref !== undefined) writes.push(ref.slot);
}
