/**
 * The transfer cases of the instructions that compute register values the stack analysis follows:
 * moves, `lea`, additions, masks (realignment), extensions, `xor` zeroing and exchanges, and the
 * conservative case for every other instruction.
 */
import type { Instruction } from '../ir';
import { gpr } from './registers';
import { evaluateAddress } from './address';
import { AccessKind } from './semantics';
import type { FunctionFacts } from './facts';
import { addConstant, assumedIf, cellKey, constValue, isAssumed, maxAnchors, stackValue, type Value, type WorkingState } from './state';
import type { TransferContext } from './transfer';
import { clearMask, constantAddress, operandValue, writeCell, writeMemoryDestination, writeRegister } from './transfer-values';

/** `mov`, `movabs`. */
export function transferMove(w: WorkingState, insn: Instruction, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  // mov %rsp,%rbp / mov -8(%rbp),%rax / mov %rax,-8(%rsp)
  const [dest, src] = insn.operands;
  const value = operandValue(src, regs, width, w.cells, w);
  if (dest?.kind === 'reg') writeRegister(regs, width, dest, value);
  else if (dest?.kind === 'mem') {
    const address = evaluateAddress(dest, w);
    if (address.kind === 'stack' && !address.indexed) {
      const size = dest.size ?? insn.suffixSize ?? (src?.kind === 'reg' ? gpr(src.reg)?.width : undefined);
      writeCell(w, width, stackValue(address.anchor, address.off), value, size);
      ctx.storedCells.add(cellKey(address.anchor, address.off));
    } else if (value?.kind === 'stack') {
      // mov %rsp,global(%rip): a stack address now lives where any callee can read it.
      w.escaped = true;
    }
  }
}

/** `lea`. */
export function transferLea(w: WorkingState, insn: Instruction, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  // lea -16(%rbp),%rsp / lea 8(%rsp),%rax
  const [dest, src] = insn.operands;
  let value: Value;
  if (src?.kind === 'mem') {
    const address = evaluateAddress(src, w);
    value = address.kind === 'stack' && !address.indexed ? assumedIf(stackValue(address.anchor, address.off), address.assumed) : undefined;
    if (address.kind === 'other') value = constantAddress(src, regs, width, w.cells, w);
  }
  writeRegister(regs, width, dest, value);
}

/** `add` (`sign` 1), `sub` (`sign` -1). */
export function transferAddSub(w: WorkingState, insn: Instruction, ctx: TransferContext, sign: 1 | -1): void {
  const regs = w.regs;
  const width = ctx.mode;
  // sub $24,%rsp / add $-128,%rsp / sub %rax,%rsp (alloca)
  const [dest, src] = insn.operands;
  if (dest?.kind === 'reg') {
    const amount = operandValue(src, regs, width, w.cells, w);
    const delta = amount?.kind === 'const' ? sign * amount.value : undefined;
    writeRegister(regs, width, dest, delta === undefined ? undefined : addConstant(operandValue(dest, regs, width, w.cells, w), delta, isAssumed(amount)));
  } else writeMemoryDestination(dest, w, w, width);
}

/** `movsxd`, `movsx`, `movzx`. */
export function transferExtend(w: WorkingState, insn: Instruction, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  const ops = insn.operands;
  // movslq %eax,%rax / movzbl %al,%eax: a small non-negative constant keeps its value.
  const value = operandValue(ops[1], regs, width, w.cells, w);
  writeRegister(regs, width, ops[0], value?.kind === 'const' && value.value >= 0 && value.value < 2 ** 31 ? value : undefined);
}

/** `cdqe`. */
export function transferCdqe(w: WorkingState): void {
  const regs = w.regs;
  // cltq: sign-extends %eax into %rax.
  const value = regs[0];
  regs[0] = value?.kind === 'const' && value.value >= 0 && value.value < 2 ** 31 ? value : undefined;
}

/** `inc` (`step` 1), `dec` (`step` -1). */
export function transferIncDec(w: WorkingState, insn: Instruction, ctx: TransferContext, step: 1 | -1): void {
  const regs = w.regs;
  const width = ctx.mode;
  const ops = insn.operands;
  const dest = ops[0];
  if (dest?.kind === 'reg') writeRegister(regs, width, dest, addConstant(operandValue(dest, regs, width, w.cells, w), step));
  else writeMemoryDestination(dest, w, w, width);
}

/** `and`. */
export function transferAnd(w: WorkingState, insn: Instruction, index: number, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  // and $-32,%rsp: realignment; RSP drops by 0 to 31 bytes, a new anchor.
  const [dest, src] = insn.operands;
  const before = operandValue(dest, regs, width, w.cells, w);
  const mask = operandValue(src, regs, width, w.cells, w);
  if (dest?.kind === 'reg' && before?.kind === 'stack' && mask?.kind === 'const' && mask.value < 0 && (-mask.value & (-mask.value - 1)) === 0) {
    const key = `${index}:${before.anchor}:${before.off}`;
    let id = ctx.anchorIds.get(key);
    if (id === undefined && ctx.anchors.length < maxAnchors) {
      ctx.anchors.push({ parent: before.anchor, lo: before.off + mask.value + 1, hi: before.off });
      id = ctx.anchors.length;
      ctx.anchorIds.set(key, id);
    }
    // The anchor stands for the aligned value: before.anchor + before.off - [0, N-1].
    writeRegister(regs, width, dest, id === undefined ? undefined : stackValue(id, 0));
  } else if (dest?.kind === 'reg') writeRegister(regs, width, dest, before?.kind === 'const' && mask?.kind === 'const' ? assumedIf(constValue(before.value & mask.value), isAssumed(before) || isAssumed(mask)) : undefined);
  else writeMemoryDestination(dest, w, w, width);
}

/** `xor`. */
export function transferXor(w: WorkingState, insn: Instruction, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  // xor %eax,%eax: a constant zero
  const [dest, src] = insn.operands;
  if (dest?.kind === 'reg' && src?.kind === 'reg' && dest.reg === src.reg) writeRegister(regs, width, dest, constValue(0));
  else if (dest?.kind === 'reg') writeRegister(regs, width, dest, undefined);
  else writeMemoryDestination(dest, w, w, width);
}

/** `xchg`. */
export function transferXchg(w: WorkingState, insn: Instruction, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  // xchg %rax,%rsp: swaps two abstract values
  const [a, b] = insn.operands;
  if (a?.kind === 'reg' && b?.kind === 'reg') {
    const va = operandValue(a, regs, width, w.cells, w);
    writeRegister(regs, width, a, operandValue(b, regs, width, w.cells, w));
    writeRegister(regs, width, b, va);
  } else {
    writeMemoryDestination(a?.kind === 'mem' ? a : b, w, w, width);
    writeRegister(regs, width, a?.kind === 'reg' ? a : b, undefined);
  }
}

/** Every other instruction: stores kill the cells they may change, and written registers become unknown. */
export function transferOther(w: WorkingState, facts: FunctionFacts, index: number, ctx: TransferContext): void {
  const regs = w.regs;
  const width = ctx.mode;
  for (let a = facts.accessStart[index]!; a < facts.accessStart[index + 1]!; a++) {
    if (facts.accessKind[a] !== AccessKind.Load) writeMemoryDestination(facts.accessMem[a], w, w, width);
  }
  clearMask(regs, facts.writes[index]!);
}
