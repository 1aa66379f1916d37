/**
 * The transfer function: how one instruction changes the abstract state (objtool's
 * `update_cfi_state`, for every register rather than only the CFA). Each case quotes the
 * instruction sequence it models. Whatever is not modelled here makes the registers the
 * instruction writes unknown; if that includes the stack pointer, the analysis says so.
 */
import type { Instruction } from '../ir';
import type { Abi } from '../report';
import { RSP } from './registers';
import { transferAddSub, transferAnd, transferCdqe, transferExtend, transferIncDec, transferLea, transferMove, transferOther, transferXchg, transferXor } from './transfer-registers';
import { transferCall, transferEnter, transferLeave, transferLss, transferPop, transferPopAll, transferPopFlags, transferPush, transferPushAll, transferPushFlags } from './transfer-stack';
import { accessState, evaluateAddress, type IndexWitness } from './address';
import { AccessKind, quoted } from './semantics';
import type { FunctionFacts } from './facts';
import { subtractRange, type Anchor, type WorkingState } from './state';
import { opcodeTransfer, Transfer } from '../x86/opcodes';
import { charge } from './budget';

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
export function step(w: WorkingState, insn: Instruction, facts: FunctionFacts, index: number, ctx: TransferContext): string | undefined {
  const regs = w.regs;
  let lostReason: string | undefined;
  const rsp = regs[RSP];
  if (rsp?.kind === 'stack' && rsp.anchor === 0 && facts.accessStart[index + 1]! > facts.accessStart[index]!) recordStores(w, insn, facts, index, rsp.off);

  // One small function per case: each compiles, and recompiles after a deoptimization, on its own
  // (a deoptimized `step` with every case inside cost 300 ms of compiling on 310 kernel modules).
  switch (opcodeTransfer[insn.opcode]) {
    case Transfer.Push:
      transferPush(w, insn, ctx, rsp);
      break;
    case Transfer.PushFlags:
      transferPushFlags(w, insn, ctx, rsp);
      break;
    case Transfer.Pop:
      lostReason = transferPop(w, insn, ctx, rsp);
      break;
    case Transfer.PushAll:
      transferPushAll(w, insn, ctx);
      break;
    case Transfer.PopAll:
      transferPopAll(w, insn, ctx, rsp);
      break;
    case Transfer.LoadStackPointer:
      lostReason = transferLss(w, insn, facts.writes[index]!);
      break;
    case Transfer.PopFlags:
      transferPopFlags(w, insn, ctx, rsp);
      break;
    case Transfer.Leave:
      lostReason = transferLeave(w, ctx);
      break;
    case Transfer.Enter:
      lostReason = transferEnter(w, insn, ctx, rsp);
      break;
    case Transfer.Call:
      transferCall(w, insn, facts, index, ctx, rsp);
      break;
    case Transfer.Move:
      transferMove(w, insn, ctx);
      break;
    case Transfer.Lea:
      transferLea(w, insn, ctx);
      break;
    case Transfer.Add:
      transferAddSub(w, insn, ctx, 1);
      break;
    case Transfer.Sub:
      transferAddSub(w, insn, ctx, -1);
      break;
    case Transfer.Extend:
      transferExtend(w, insn, ctx);
      break;
    case Transfer.ExtendAccumulator:
      transferCdqe(w);
      break;
    case Transfer.Increment:
      transferIncDec(w, insn, ctx, 1);
      break;
    case Transfer.Decrement:
      transferIncDec(w, insn, ctx, -1);
      break;
    case Transfer.And:
      transferAnd(w, insn, index, ctx);
      break;
    case Transfer.Xor:
      transferXor(w, insn, ctx);
      break;
    case Transfer.Exchange:
      transferXchg(w, insn, ctx);
      break;
    default:
      transferOther(w, facts, index, ctx);
      break;
  }
  if (regs[RSP] === undefined && rsp !== undefined && lostReason === undefined) lostReason = lossReason(insn);
  if (regs[RSP] === undefined) w.lostAt ??= lostReason !== undefined ? insn.line : undefined;
  else w.lostAt = undefined;
  return lostReason;
}

/**
 * Stores below the stack pointer (`rsp` is entry-RSP + `rspOff`) become red-zone data; any store
 * ends an earlier clobber of the same bytes. Addresses are evaluated in the state before the
 * instruction, which `step` has not changed yet.
 */
function recordStores(w: WorkingState, insn: Instruction, facts: FunctionFacts, index: number, rspOff: number): void {
  // Indexed loops here and below: a for-of iterator per instruction showed in allocation profiles.
  for (let a = facts.accessStart[index]!; a < facts.accessStart[index + 1]!; a++) {
    const kind = facts.accessKind[a]!;
    if (kind === AccessKind.Load) continue;
    const moved = facts.accessRspMovedBy[a]!;
    const address = evaluateAddress(facts.accessMem[a]!, accessState(w, moved));
    if (address.kind !== 'stack' || address.indexed || address.anchor !== 0) continue;
    const size = facts.accessSize[a]!;
    const to = address.off + (size < 0 ? 1 : size);
    // addq $1,-8(%rsp) on bytes a pushfq destroyed computes from what pushfq left: they stay destroyed.
    if (kind === AccessKind.Both && w.clobbered.some((r) => r.from < to && address.off < r.to)) continue;
    w.clobbered = subtractRange(w.clobbered, address.off, to);
    w.redZoneData = subtractRange(w.redZoneData, address.off, to);
    const rspAfter = rspOff + moved;
    if (address.off < rspAfter) {
      charge(w.redZoneData.length);
      w.redZoneData = [...w.redZoneData, { from: address.off, to, line: insn.line }];
    }
  }
}

function lossReason(insn: Instruction): string {
  const transfer = opcodeTransfer[insn.opcode];
  if ((transfer === Transfer.Add || transfer === Transfer.Sub) && insn.operands[1]?.kind === 'reg') {
    return `\`${quoted(insn)}\` moves the stack pointer by an amount held in a register (alloca or a variable-length array)`;
  }
  if (insn.unknown) return `\`${quoted(insn)}\` is not understood, and it may change the stack pointer`;
  return `\`${quoted(insn)}\` changes the stack pointer in a way the analysis does not model`;
}
