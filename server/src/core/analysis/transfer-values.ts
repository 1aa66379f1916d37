/**
 * The pieces the transfer cases share: reading an operand's abstract value, writing a register or
 * a stack cell, pushing, and moving red-zone data that a push or call overwrites to `clobbered`.
 */
import type { MemOperand, Operand } from '../ir';
import { gpr, RSP } from './registers';
import { evaluateAddress } from './address';
import { addConstant, assumedIf, cellKey, constValue, isAssumed, stackValue, subtractRange, type State, type StackRange, type Value, type WorkingState, ownCells } from './state';
import type { TransferContext } from './transfer';
import { charge } from './budget';

/** Makes the registers whose bits are set in `mask` unknown (bit k: slot k). */
export function clearMask(regs: Value[], mask: number): void {
  for (let slot = 0; mask !== 0; slot++, mask >>>= 1) if ((mask & 1) !== 0) regs[slot] = undefined;
}

/** Makes the registers in `slots` unknown. */
export function clearSlots(regs: Value[], slots: readonly number[]): void {
  for (let k = 0; k < slots.length; k++) regs[slots[k]!] = undefined;
}

/** Stores `value` in the cell at `at`, dropping every cell the write overlaps. */
export function writeCell(w: WorkingState, width: number, at: Value, value: Value, size: number | undefined): void {
  if (at?.kind !== 'stack') return;
  if (w.cells.size > 0) {
    const end = at.off + (size ?? 1);
    // The cells a write overlaps start in (at - width, end): look those offsets up when there are
    // fewer of them than cells (a push among thousands of saved slots), else walk the cells.
    const first = at.off - width + 1;
    if (end - first < w.cells.size) {
      charge(end - first);
      for (let off = first; off < end; off++) {
        const key = cellKey(at.anchor, off);
        if (w.cells.has(key)) ownCells(w).delete(key);
      }
    } else {
      charge(w.cells.size);
      w.cells.forEach((_value, key) => {
        const anchor = ((key % 64) + 64) % 64;
        const off = (key - anchor) / 64;
        if (anchor === at.anchor && off < end && at.off < off + width) ownCells(w).delete(key);
      });
    }
  }
  if (size === width && value !== undefined) ownCells(w).set(cellKey(at.anchor, at.off), value);
}

/** Red-zone data that a push, pushf or call overwrites in [from, to) moves to `clobbered`. */
export function clobberRange(w: WorkingState, rsp: Value, from: number, to: number, line: number): void {
  if (rsp?.kind !== 'stack' || rsp.anchor !== 0 || w.redZoneData.length === 0) return;
  charge(w.redZoneData.length);
  const hit = w.redZoneData.filter((r) => r.from < to && from < r.to);
  if (hit.length === 0) return;
  const moved: StackRange[] = hit.map((r) => ({ from: Math.max(r.from, from), to: Math.min(r.to, to), line, storeLine: r.line }));
  w.clobbered = [...w.clobbered, ...moved];
  w.redZoneData = subtractRange(w.redZoneData, from, to);
}

/** Writes a register operand; a narrower write leaves an unknown value, except 32-bit constants. */
export function writeRegister(regs: Value[], width: number, op: Operand | undefined, value: Value): void {
  const ref = op?.kind === 'reg' ? gpr(op.reg) : undefined;
  if (ref === undefined) return;
  if (ref.width === width) regs[ref.slot] = value;
  // A 32-bit write zero-extends in 64-bit mode: only constants survive it.
  else if (ref.width === 4 && width === 8 && value?.kind === 'const' && value.value >= 0 && value.value < 2 ** 32) regs[ref.slot] = value;
  else regs[ref.slot] = undefined;
}

/** The value of `lea disp(base,index,scale)` when base and index hold constants (`leal 2(%r11),%eax`). */
export function constantAddress(mem: MemOperand, regs: readonly Value[], width: number, cells: ReadonlyMap<number, Value>, state: State): Value {
  if (mem.symbol !== undefined || mem.segment !== undefined || mem.base === 'rip' || mem.base === 'eip') return undefined;
  let total = mem.disp;
  let assumed = false;
  if (mem.base !== undefined) {
    const value = operandValue({ kind: 'reg', reg: mem.base }, regs, width, cells, state);
    if (value?.kind !== 'const') return undefined;
    total += value.value;
    assumed ||= isAssumed(value);
  }
  if (mem.index !== undefined) {
    const value = operandValue({ kind: 'reg', reg: mem.index }, regs, width, cells, state);
    if (value?.kind !== 'const') return undefined;
    total += value.value * mem.scale;
    assumed ||= isAssumed(value);
  }
  return assumedIf(constValue(total), assumed);
}

/** Kills the cells a memory write may change. */
export function writeMemoryDestination(op: Operand | undefined, state: State, w: WorkingState, width: number): void {
  if (op?.kind !== 'mem') return;
  const address = evaluateAddress(op, state);
  if (address.kind === 'stack' && !address.indexed) writeCell(w, width, stackValue(address.anchor, address.off), undefined, op.size ?? 8);
}

/** The value stored in the cell at a stack address, if known. */
export function cellValue(cells: ReadonlyMap<number, Value>, address: Value): Value {
  return address?.kind === 'stack' ? cells.get(cellKey(address.anchor, address.off)) : undefined;
}

/** push %rbp (and pushf, and the return address of a call to the next instruction). */
export function pushValue(w: WorkingState, rsp: Value, line: number, ctx: TransferContext, value: Value, size: number): void {
  const top = rsp?.kind === 'stack' ? rsp.off : 0;
  clobberRange(w, rsp, top - size, top, line);
  const next = addConstant(rsp, -size);
  w.regs[RSP] = next;
  writeCell(w, ctx.mode, next, value, size);
  if (next?.kind === 'stack') ctx.pushedCells.add(cellKey(next.anchor, next.off));
}

export function operandValue(op: Operand | undefined, regs: readonly Value[], width: number, cells: ReadonlyMap<number, Value>, state: State): Value {
  if (op === undefined) return undefined;
  switch (op.kind) {
    case 'imm':
      return op.value === undefined ? undefined : constValue(op.value);
    case 'reg': {
      const ref = gpr(op.reg);
      if (ref === undefined) return undefined;
      const value = regs[ref.slot];
      if (ref.width === width) return value;
      // movl %eax,... reads the low half: a small non-negative constant reads the same.
      return !ref.high && value?.kind === 'const' && value.value >= 0 && value.value < 2 ** (ref.width * 8 - 1) ? value : undefined;
    }
    case 'mem': {
      const address = evaluateAddress(op, state);
      return address.kind === 'stack' && !address.indexed ? cells.get(cellKey(address.anchor, address.off)) : undefined;
    }
    case 'target':
      return undefined;
  }
}

