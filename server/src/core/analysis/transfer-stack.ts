/**
 * The transfer cases of the instructions that move the stack pointer themselves: push and pop in
 * their forms, `enter`, `leave`, `lss` and calls. Each quotes the instruction sequence it models.
 */
import type { Instruction } from '../ir';
import { callerSaved, gpr, RBP, RSP } from './registers';
import { Flow, quoted } from './semantics';
import { FactFlag, type FunctionFacts } from './facts';
import { addConstant, type Value, type WorkingState, ownCells } from './state';
import type { TransferContext } from './transfer';
import { opcodeStackElement } from '../x86/opcodes';
import { charge } from './budget';
import { cellValue, clearMask, clearSlots, clobberRange, operandValue, pushValue, writeMemoryDestination, writeRegister } from './transfer-values';

/** `push`. */
export function transferPush(w: WorkingState, insn: Instruction, ctx: TransferContext, rsp: Value): void {
  const regs = w.regs;
  const width = ctx.mode;
  const ops = insn.operands;
  // push %rbx / push $imm / push 8(%rax)
  const op = ops[0];
  const size = op?.kind === 'reg' ? gpr(op.reg)?.width ?? width : insn.suffixSize ?? width;
  pushValue(w, rsp, insn.line, ctx, op?.kind === 'mem' ? undefined : operandValue(op, regs, width, w.cells, w), size);
}

/** `pushf`, `pushfq`, `pushfd`. */
export function transferPushFlags(w: WorkingState, insn: Instruction, ctx: TransferContext, rsp: Value): void {
  // pushfq: writes [RSP-8, RSP) like any push, a classic way to destroy red-zone data.
  pushValue(w, rsp, insn.line, ctx, undefined, stackElement(insn, ctx));
}

/** The slot width of a stack operation: the table's (`pusha` 2, `pushad` 4), else the mode's. */
function stackElement(insn: Instruction, ctx: TransferContext): number {
  const element = opcodeStackElement[insn.opcode]!;
  return element === 0 ? ctx.mode : element;
}

/** `pop`. */
export function transferPop(w: WorkingState, insn: Instruction, ctx: TransferContext, rsp: Value): string | undefined {
  const regs = w.regs;
  const width = ctx.mode;
  const ops = insn.operands;
  let lostReason: string | undefined;
  // pop %rbp: restores what the matching push saved
  const op = ops[0];
  const size = op?.kind === 'reg' ? gpr(op.reg)?.width ?? width : insn.suffixSize ?? width;
  const saved = cellValue(w.cells, rsp);
  regs[RSP] = addConstant(rsp, size);
  // popq 8(%rsp): the address is computed after the increment (Intel SDM, POP).
  if (op?.kind === 'mem') writeMemoryDestination(op, w, w, width);
  if (op?.kind === 'reg') {
    writeRegister(regs, width, op, saved);
    if (gpr(op.reg)?.slot === RSP && saved === undefined) lostReason = `\`${quoted(insn)}\` loads the stack pointer from memory`;
  }
  return lostReason;
}

/** `pusha`, `pushad`. */
export function transferPushAll(w: WorkingState, insn: Instruction, ctx: TransferContext): void {
  const regs = w.regs;
  // pushal (i386): eight registers, %esp as it was before the first push among them.
  const size = stackElement(insn, ctx);
  for (let k = 0; k < 8; k++) pushValue(w, regs[RSP], insn.line, ctx, undefined, size);
}

/** `popa`, `popad`. */
export function transferPopAll(w: WorkingState, insn: Instruction, ctx: TransferContext, rsp: Value): void {
  const regs = w.regs;
  // popal: restores every general register but %esp, which moves up by eight slots.
  const size = stackElement(insn, ctx);
  for (const slot of [0, 1, 2, 3, 5, 6, 7]) regs[slot] = undefined;
  regs[RSP] = addConstant(rsp, 8 * size);
}

/** `lss`. */
export function transferLss(w: WorkingState, insn: Instruction, writes: number): string | undefined {
  const regs = w.regs;
  const ops = insn.operands;
  let lostReason: string | undefined;
  // lss mem,%esp loads a new stack pointer from memory.
  clearMask(regs, writes);
  if (ops[0]?.kind === 'reg' && gpr(ops[0].reg)?.slot === RSP) {
    regs[RSP] = undefined;
    lostReason = `\`${quoted(insn)}\` loads the stack pointer from memory`;
  }
  return lostReason;
}

/** `popf`, `popfq`, `popfd`. */
export function transferPopFlags(w: WorkingState, insn: Instruction, ctx: TransferContext, rsp: Value): void {
  const regs = w.regs;
  regs[RSP] = addConstant(rsp, stackElement(insn, ctx));
}

/** `leave`. */
export function transferLeave(w: WorkingState, ctx: TransferContext): string | undefined {
  const regs = w.regs;
  const width = ctx.mode;
  let lostReason: string | undefined;
  // leave = mov %rbp,%rsp; pop %rbp
  const frame = regs[RBP];
  regs[RSP] = addConstant(frame, width);
  regs[RBP] = cellValue(w.cells, frame);
  if (frame?.kind !== 'stack') lostReason = '`leave` copies %rbp to %rsp, and %rbp does not hold a known stack address here';
  return lostReason;
}

/** `enter`. */
export function transferEnter(w: WorkingState, insn: Instruction, ctx: TransferContext, rsp: Value): string | undefined {
  const regs = w.regs;
  const width = ctx.mode;
  const ops = insn.operands;
  let lostReason: string | undefined;
  // enter $N, $0 = push %rbp; mov %rsp,%rbp; sub $N,%rsp
  const size = ops[0]?.kind === 'imm' ? ops[0].value : undefined;
  const nesting = ops[1]?.kind === 'imm' ? ops[1].value : 0;
  pushValue(w, rsp, insn.line, ctx, regs[RBP], width);
  regs[RBP] = regs[RSP];
  if (size === undefined || nesting !== 0) {
    regs[RSP] = undefined;
    lostReason = `\`${quoted(insn)}\` allocates a frame whose size is not a constant`;
  } else regs[RSP] = addConstant(regs[RSP], -size);
  return lostReason;
}

/** `call`, `lcall`. */
export function transferCall(w: WorkingState, insn: Instruction, facts: FunctionFacts, index: number, ctx: TransferContext, rsp: Value): void {
  const regs = w.regs;
  const width = ctx.mode;
  if (facts.flow[index] === Flow.Call && (facts.flags[index]! & FactFlag.CallsNext) !== 0) {
    // call 1f; 1: pop %ebx — the i386 way to read the program counter: a push.
    pushValue(w, rsp, insn.line, ctx, undefined, width);
    return;
  }
  // A call writes the return address at [RSP-8, RSP) and the callee's frame below it.
  clobberRange(w, rsp, Number.NEGATIVE_INFINITY, rsp?.kind === 'stack' ? rsp.off : 0, insn.line);
  // If the callee can reach the frame (a stack address in a register other than RSP and
  // RBP, in a stack slot, or stored elsewhere earlier), it may change any slot: `LIST_HEAD`
  // on the stack, then `list_add(&entry, &head)`. Only saved registers are assumed intact.
  let reachable = w.escaped;
  for (let slot = 0; slot < regs.length && !reachable; slot++) if (slot !== RSP && slot !== RBP && regs[slot]?.kind === 'stack') reachable = true;
  // Map.forEach, not for-of: an iterator and an entry per cell, per call, showed in the profile.
  charge(2 * w.cells.size);
  if (!reachable) w.cells.forEach((value) => (reachable ||= value?.kind === 'stack'));
  if (w.cells.size > 0) {
    w.cells.forEach((_value, key) => {
      const anchor = ((key % 64) + 64) % 64;
      const belowRsp = rsp?.kind === 'stack' && anchor === rsp.anchor && (key - anchor) / 64 < rsp.off;
      // Register saves (`push %rbx`, gcc's DRAP `push %r10`) are not C objects a callee can reach.
      const savedRegister = ctx.pushedCells.has(key) && !ctx.storedCells.has(key);
      if (belowRsp || rsp?.kind !== 'stack' || (reachable && !savedRegister)) ownCells(w).delete(key);
    });
  }
  clearSlots(regs, callerSaved[ctx.abi]);
}
