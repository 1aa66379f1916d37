/**
 * The transfer function: how one instruction changes the abstract state (objtool's
 * `update_cfi_state`, for every register rather than only the CFA). Each case quotes the
 * instruction sequence it models. Whatever is not modelled here makes the registers the
 * instruction writes unknown; if that includes the stack pointer, the analysis says so.
 */
import type { Instruction, MemOperand, Operand } from '../ir';
import type { Abi } from '../report';
import { callerSaved, gpr, RBP, RSP } from './registers';
import { evaluateAddress, type IndexWitness } from './address';
import { quoted, type Effect } from './semantics';
import { addConstant, cellKey, constValue, maxAnchors, stackValue, subtractRange, type Anchor, type State, type StackRange, type Value, type WorkingState, ownCells } from './state';

/** Per-function context that the transfer function reads and extends (realignment anchors). */
export interface TransferContext {
  readonly mode: 2 | 4 | 8;
  readonly abi: Abi;
  readonly anchors: Anchor[];
  readonly anchorIds: Map<string, number>;
  /**
   * Indexed accesses seen on some path with a known index, and where they landed relative to RSP,
   * by `witnessKey(instruction, access)`.
   * `movaps %xmm0,(%r8,%rax)` in a loop: on the first iteration %rax is 0, so the access is at r8.
   */
  readonly witnesses: Map<number, IndexWitness>;
  /** Stack cells this function writes with `push` (register saves) and with stores (locals). */
  readonly pushedCells: Set<number>;
  readonly storedCells: Set<number>;
}

/** Applies one instruction to a working state, in place; returns why RSP was lost if this instruction lost it. */
export function step(w: WorkingState, insn: Instruction, effect: Effect, index: number, ctx: TransferContext): string | undefined {
  const regs = w.regs;
  let lostReason: string | undefined;
  const width = ctx.mode;
  const ops = insn.operands;
  const m = insn.mnemonic;
  const rsp = regs[RSP];
  // Addresses are evaluated in the state before the instruction.
  const pre: State = w;


  // Stores below the stack pointer become red-zone data; any store ends an earlier clobber of the same bytes.
  // Indexed loops here and below: a for-of iterator per instruction showed in allocation profiles.
  if (rsp?.kind === 'stack' && rsp.anchor === 0) {
    for (let k = 0; k < effect.accesses.length; k++) {
      const access = effect.accesses[k]!;
      if (access.access === 'load') continue;
      const address = evaluateAddress(access.mem, pre);
      if (address.kind !== 'stack' || address.indexed || address.anchor !== 0) continue;
      const to = address.off + (access.size ?? 1);
      w.clobbered = subtractRange(w.clobbered, address.off, to);
      w.redZoneData = subtractRange(w.redZoneData, address.off, to);
      if (address.off < rsp.off) w.redZoneData = [...w.redZoneData, { from: address.off, to, line: insn.line }];
    }
  }

  switch (m) {
    case 'push': {
      // push %rbx / push $imm / push 8(%rax)
      const op = ops[0];
      const size = op?.kind === 'reg' ? gpr(op.reg)?.width ?? width : insn.suffixSize ?? width;
      pushValue(w, rsp, insn.line, ctx, op?.kind === 'mem' ? undefined : operandValue(op, regs, width, w.cells, pre), size);
      break;
    }
    case 'pushf':
    case 'pushfq':
    case 'pushfd':
    case 'pushfw':
      // pushfq: writes [RSP-8, RSP) like any push, a classic way to destroy red-zone data.
      pushValue(w, rsp, insn.line, ctx, undefined, m === 'pushfw' ? 2 : width);
      break;
    case 'pop': {
      // pop %rbp: restores what the matching push saved
      const op = ops[0];
      const size = op?.kind === 'reg' ? gpr(op.reg)?.width ?? width : insn.suffixSize ?? width;
      const saved = cellValue(w.cells, rsp);
      if (op?.kind === 'mem') writeMemoryDestination(op, pre, w, width);
      regs[RSP] = addConstant(rsp, size);
      if (op?.kind === 'reg') {
        writeRegister(regs, width, op, saved);
        if (gpr(op.reg)?.slot === RSP && saved === undefined) lostReason = `\`${quoted(insn)}\` loads the stack pointer from memory`;
      }
      break;
    }
    case 'pusha':
    case 'pushad': {
      // pushal (i386): eight registers, %esp as it was before the first push among them.
      const size = m === 'pusha' ? 2 : 4;
      for (let k = 0; k < 8; k++) pushValue(w, regs[RSP], insn.line, ctx, undefined, size);
      break;
    }
    case 'popa':
    case 'popad': {
      // popal: restores every general register but %esp, which moves up by eight slots.
      const size = m === 'popa' ? 2 : 4;
      for (const slot of [0, 1, 2, 3, 5, 6, 7]) regs[slot] = undefined;
      regs[RSP] = addConstant(rsp, 8 * size);
      break;
    }
    case 'lss': {
      // lss mem,%esp loads a new stack pointer from memory.
      clearSlots(regs, effect.writes);
      if (ops[0]?.kind === 'reg' && gpr(ops[0].reg)?.slot === RSP) {
        regs[RSP] = undefined;
        lostReason = `\`${quoted(insn)}\` loads the stack pointer from memory`;
      }
      break;
    }
    case 'popf':
    case 'popfq':
    case 'popfd':
    case 'popfw':
      regs[RSP] = addConstant(rsp, m === 'popfw' ? 2 : width);
      break;
    case 'leave': {
      // leave = mov %rbp,%rsp; pop %rbp
      const frame = regs[RBP];
      regs[RSP] = addConstant(frame, width);
      regs[RBP] = cellValue(w.cells, frame);
      if (frame?.kind !== 'stack') lostReason = '`leave` copies %rbp to %rsp, and %rbp does not hold a known stack address here';
      break;
    }
    case 'enter': {
      // enter $N, $0 = push %rbp; mov %rsp,%rbp; sub $N,%rsp
      const size = ops[0]?.kind === 'imm' ? ops[0].value : undefined;
      const nesting = ops[1]?.kind === 'imm' ? ops[1].value : 0;
      pushValue(w, rsp, insn.line, ctx, regs[RBP], width);
      regs[RBP] = regs[RSP];
      if (size === undefined || nesting !== 0) {
        regs[RSP] = undefined;
        lostReason = `\`${quoted(insn)}\` allocates a frame whose size is not a constant`;
      } else regs[RSP] = addConstant(regs[RSP], -size);
      break;
    }
    case 'call':
    case 'lcall': {
      if (effect.flow === 'call' && effect.target === '(next)') {
        // call 1f; 1: pop %ebx — the i386 way to read the program counter: a push.
        pushValue(w, rsp, insn.line, ctx, undefined, width);
        break;
      }
      // A call writes the return address at [RSP-8, RSP) and the callee's frame below it.
      clobberRange(w, rsp, Number.NEGATIVE_INFINITY, rsp?.kind === 'stack' ? rsp.off : 0, insn.line);
      // If the callee can reach the frame (a stack address in a register other than RSP and
      // RBP, in a stack slot, or stored elsewhere earlier), it may change any slot: `LIST_HEAD`
      // on the stack, then `list_add(&entry, &head)`. Only saved registers are assumed intact.
      let reachable = w.escaped;
      for (let slot = 0; slot < regs.length && !reachable; slot++) if (slot !== RSP && slot !== RBP && regs[slot]?.kind === 'stack') reachable = true;
      // Map.forEach, not for-of: an iterator and an entry per cell, per call, showed in the profile.
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
      break;
    }
    case 'mov':
    case 'movabs': {
      // mov %rsp,%rbp / mov -8(%rbp),%rax / mov %rax,-8(%rsp)
      const [dest, src] = ops;
      const value = operandValue(src, regs, width, w.cells, pre);
      if (dest?.kind === 'reg') writeRegister(regs, width, dest, value);
      else if (dest?.kind === 'mem') {
        const address = evaluateAddress(dest, pre);
        if (address.kind === 'stack' && !address.indexed) {
          const size = dest.size ?? insn.suffixSize ?? (src?.kind === 'reg' ? gpr(src.reg)?.width : undefined);
          writeCell(w, width, stackValue(address.anchor, address.off), value, size);
          ctx.storedCells.add(cellKey(address.anchor, address.off));
        } else if (value?.kind === 'stack') {
          // mov %rsp,global(%rip): a stack address now lives where any callee can read it.
          w.escaped = true;
        }
      }
      break;
    }
    case 'lea': {
      // lea -16(%rbp),%rsp / lea 8(%rsp),%rax
      const [dest, src] = ops;
      let value: Value;
      if (src?.kind === 'mem') {
        const address = evaluateAddress(src, pre);
        value = address.kind === 'stack' && !address.indexed ? stackValue(address.anchor, address.off) : undefined;
        if (address.kind === 'other') value = constantAddress(src, regs, width, w.cells, pre);
      }
      writeRegister(regs, width, dest, value);
      break;
    }
    case 'add':
    case 'sub': {
      // sub $24,%rsp / add $-128,%rsp / sub %rax,%rsp (alloca)
      const [dest, src] = ops;
      if (dest?.kind === 'reg') {
        const amount = operandValue(src, regs, width, w.cells, pre);
        const delta = amount?.kind === 'const' ? (m === 'add' ? amount.value : -amount.value) : undefined;
        writeRegister(regs, width, dest, delta === undefined ? undefined : addConstant(operandValue(dest, regs, width, w.cells, pre), delta));
      } else writeMemoryDestination(dest, pre, w, width);
      break;
    }
    case 'movsxd':
    case 'movsx':
    case 'movzx': {
      // movslq %eax,%rax / movzbl %al,%eax: a small non-negative constant keeps its value.
      const value = operandValue(ops[1], regs, width, w.cells, pre);
      writeRegister(regs, width, ops[0], value?.kind === 'const' && value.value >= 0 && value.value < 2 ** 31 ? value : undefined);
      break;
    }
    case 'cdqe': {
      // cltq: sign-extends %eax into %rax.
      const value = regs[0];
      regs[0] = value?.kind === 'const' && value.value >= 0 && value.value < 2 ** 31 ? value : undefined;
      break;
    }
    case 'inc':
    case 'dec': {
      const dest = ops[0];
      if (dest?.kind === 'reg') writeRegister(regs, width, dest, addConstant(operandValue(dest, regs, width, w.cells, pre), m === 'inc' ? 1 : -1));
      else writeMemoryDestination(dest, pre, w, width);
      break;
    }
    case 'and': {
      // and $-32,%rsp: realignment; RSP drops by 0 to 31 bytes, a new anchor.
      const [dest, src] = ops;
      const before = operandValue(dest, regs, width, w.cells, pre);
      const mask = operandValue(src, regs, width, w.cells, pre);
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
      } else if (dest?.kind === 'reg') writeRegister(regs, width, dest, before?.kind === 'const' && mask?.kind === 'const' ? constValue(before.value & mask.value) : undefined);
      else writeMemoryDestination(dest, pre, w, width);
      break;
    }
    case 'xor': {
      // xor %eax,%eax: a constant zero
      const [dest, src] = ops;
      if (dest?.kind === 'reg' && src?.kind === 'reg' && dest.reg === src.reg) writeRegister(regs, width, dest, constValue(0));
      else if (dest?.kind === 'reg') writeRegister(regs, width, dest, undefined);
      else writeMemoryDestination(dest, pre, w, width);
      break;
    }
    case 'xchg': {
      // xchg %rax,%rsp: swaps two abstract values
      const [a, b] = ops;
      if (a?.kind === 'reg' && b?.kind === 'reg') {
        const va = operandValue(a, regs, width, w.cells, pre);
        writeRegister(regs, width, a, operandValue(b, regs, width, w.cells, pre));
        writeRegister(regs, width, b, va);
      } else {
        writeMemoryDestination(a?.kind === 'mem' ? a : b, pre, w, width);
        writeRegister(regs, width, a?.kind === 'reg' ? a : b, undefined);
      }
      break;
    }
    default: {
      for (let k = 0; k < effect.accesses.length; k++) {
        const access = effect.accesses[k]!;
        if (access.access !== 'load') writeMemoryDestination(access.mem, pre, w, width);
      }
      clearSlots(regs, effect.writes);
      break;
    }
  }

  if (regs[RSP] === undefined && rsp !== undefined && lostReason === undefined) lostReason = lossReason(insn);
  if (regs[RSP] === undefined) w.lostAt ??= lostReason !== undefined ? insn.line : undefined;
  else w.lostAt = undefined;
  return lostReason;
}

/** Makes the registers in `slots` unknown. */
function clearSlots(regs: Value[], slots: readonly number[]): void {
  for (let k = 0; k < slots.length; k++) regs[slots[k]!] = undefined;
}

/** Stores `value` in the cell at `at`, dropping every cell the write overlaps. */
function writeCell(w: WorkingState, width: number, at: Value, value: Value, size: number | undefined): void {
  if (at?.kind !== 'stack') return;
  if (w.cells.size > 0) {
    const end = at.off + (size ?? 1);
    w.cells.forEach((_value, key) => {
      const anchor = ((key % 64) + 64) % 64;
      const off = (key - anchor) / 64;
      if (anchor === at.anchor && off < end && at.off < off + width) ownCells(w).delete(key);
    });
  }
  if (size === width && value !== undefined) ownCells(w).set(cellKey(at.anchor, at.off), value);
}

/** Red-zone data that a push, pushf or call overwrites in [from, to) moves to `clobbered`. */
function clobberRange(w: WorkingState, rsp: Value, from: number, to: number, line: number): void {
  if (rsp?.kind !== 'stack' || rsp.anchor !== 0 || w.redZoneData.length === 0) return;
  const hit = w.redZoneData.filter((r) => r.from < to && from < r.to);
  if (hit.length === 0) return;
  const moved: StackRange[] = hit.map((r) => ({ from: Math.max(r.from, from), to: Math.min(r.to, to), line, storeLine: r.line }));
  w.clobbered = [...w.clobbered, ...moved];
  w.redZoneData = subtractRange(w.redZoneData, from, to);
}

/** Writes a register operand; a narrower write leaves an unknown value, except 32-bit constants. */
function writeRegister(regs: Value[], width: number, op: Operand | undefined, value: Value): void {
  const ref = op?.kind === 'reg' ? gpr(op.reg) : undefined;
  if (ref === undefined) return;
  if (ref.width === width) regs[ref.slot] = value;
  // A 32-bit write zero-extends in 64-bit mode: only constants survive it.
  else if (ref.width === 4 && width === 8 && value?.kind === 'const' && value.value >= 0 && value.value < 2 ** 32) regs[ref.slot] = value;
  else regs[ref.slot] = undefined;
}

/** The value of `lea disp(base,index,scale)` when base and index hold constants (`leal 2(%r11),%eax`). */
function constantAddress(mem: MemOperand, regs: readonly Value[], width: number, cells: ReadonlyMap<number, Value>, state: State): Value {
  if (mem.symbol !== undefined || mem.segment !== undefined || mem.base === 'rip' || mem.base === 'eip') return undefined;
  let total = mem.disp;
  if (mem.base !== undefined) {
    const value = operandValue({ kind: 'reg', reg: mem.base }, regs, width, cells, state);
    if (value?.kind !== 'const') return undefined;
    total += value.value;
  }
  if (mem.index !== undefined) {
    const value = operandValue({ kind: 'reg', reg: mem.index }, regs, width, cells, state);
    if (value?.kind !== 'const') return undefined;
    total += value.value * mem.scale;
  }
  return constValue(total);
}

/** Kills the cells a memory write may change. */
function writeMemoryDestination(op: Operand | undefined, state: State, w: WorkingState, width: number): void {
  if (op?.kind !== 'mem') return;
  const address = evaluateAddress(op, state);
  if (address.kind === 'stack' && !address.indexed) writeCell(w, width, stackValue(address.anchor, address.off), undefined, op.size ?? 8);
}

/** The value stored in the cell at a stack address, if known. */
function cellValue(cells: ReadonlyMap<number, Value>, address: Value): Value {
  return address?.kind === 'stack' ? cells.get(cellKey(address.anchor, address.off)) : undefined;
}

/** push %rbp (and pushf, and the return address of a call to the next instruction). */
function pushValue(w: WorkingState, rsp: Value, line: number, ctx: TransferContext, value: Value, size: number): void {
  const top = rsp?.kind === 'stack' ? rsp.off : 0;
  clobberRange(w, rsp, top - size, top, line);
  const next = addConstant(rsp, -size);
  w.regs[RSP] = next;
  writeCell(w, ctx.mode, next, value, size);
  if (next?.kind === 'stack') ctx.pushedCells.add(cellKey(next.anchor, next.off));
}

function operandValue(op: Operand | undefined, regs: readonly Value[], width: number, cells: ReadonlyMap<number, Value>, state: State): Value {
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

function lossReason(insn: Instruction): string {
  const m = insn.mnemonic;
  if ((m === 'sub' || m === 'add') && insn.operands[1]?.kind === 'reg') {
    return `\`${quoted(insn)}\` moves the stack pointer by an amount held in a register (alloca or a variable-length array)`;
  }
  if (insn.unknown) return `\`${quoted(insn)}\` is not understood, and it may change the stack pointer`;
  return `\`${quoted(insn)}\` changes the stack pointer in a way the analysis does not model`;
}
