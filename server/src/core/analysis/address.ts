/**
 * Stack addresses: what a memory operand points to in an abstract state, where that lies relative
 * to the current RSP (exactly, or as an interval after a realignment), and witnesses of indexed
 * accesses seen with a known index.
 */
import type { MemOperand } from '../ir';
import { gpr, RSP } from './registers';
import type { FunctionFacts } from './facts';
import { addConstant, type Anchor, type State, type Value } from './state';

/**
 * The state in which an access's address is evaluated: `state` itself, or for a pop into memory
 * (`popq -8(%rbp)`) the same state with RSP already moved up by the pop (`rspMovedBy` bytes, 0 for
 * every other access).
 */
export function accessState(state: State, rspMovedBy: number): State {
  if (rspMovedBy === 0) return state;
  const regs = state.regs.slice();
  regs[RSP] = addConstant(regs[RSP], rspMovedBy);
  return { ...state, regs };
}

/**
 * One concrete landing of an indexed access, found on a path that reaches it with a known index and
 * that the known constants do not refute (the first iteration of a loop from `i = 0`).
 */
export interface IndexWitness {
  /** Offset of the access relative to RSP on that path. */
  readonly rel: number;
  readonly index: string;
  readonly indexValue: number;
}

/** Records a witness for each indexed stack access whose index is known in this state. */
export function recordWitnesses(state: State, facts: FunctionFacts, index: number, anchors: readonly Anchor[], witnesses: Map<number, IndexWitness>): void {
  const first = facts.accessStart[index]!;
  for (let a = first; a < facts.accessStart[index + 1]!; a++) {
    const mem = facts.accessMem[a]!;
    const key = witnessKey(index, a - first);
    if (mem.index === undefined || witnesses.has(key)) continue;
    const at = accessState(state, facts.accessRspMovedBy[a]!);
    const address = evaluateAddress(mem, at);
    // An index (or base) carried along a branch edge its own constants refute is no witness: no
    // execution with that index reaches the access that way (SQLite's putVarint64).
    if (address.kind !== 'stack' || address.indexed || address.assumed) continue;
    const rel = offsetFromRsp(anchors, address.anchor, address.off, at.regs[RSP]);
    const register = gpr(mem.index);
    const value = register === undefined ? undefined : at.regs[register.slot];
    if (rel !== undefined && rel.lo === rel.hi && value?.kind === 'const') witnesses.set(key, { rel: rel.hi, index: mem.index, indexValue: value.value });
  }
}

/**
 * The key of the `k`th access of the instruction at `index`. Keyed by place, not by operand: one
 * operand object serves every statement with the same text, and a witness seen at one of them says
 * nothing about another (`movq %rdi,-8(%rsp,%rax,8)` in a loop from %rax = 0, then again after
 * `movq (%rsi),%rax`).
 */
export function witnessKey(index: number, k: number): number {
  return index * 8 + k;
}

/** An address computed from a memory operand. */
export type Address =
  | { readonly kind: 'stack'; readonly anchor: number; readonly off: number; readonly indexed: boolean; readonly via: string; readonly assumed: boolean }
  | { readonly kind: 'other' }
  | { readonly kind: 'unknown' };

// Most accesses are not on the stack; these shared results spare an allocation each.
const otherAddress: Address = { kind: 'other' };
const unknownAddress: Address = { kind: 'unknown' };

/** Evaluates the address a memory operand names, in the given state. */
export function evaluateAddress(mem: MemOperand, state: State): Address {
  if (mem.segment === 'fs' || mem.segment === 'gs') return otherAddress;
  if (mem.base === 'rip' || mem.base === 'eip') return otherAddress;
  const base = gpr(mem.base);
  if (base === undefined) return otherAddress;
  const value = state.regs[base.slot];
  if (value === undefined) return unknownAddress;
  if (value.kind !== 'stack') return otherAddress;
  if (mem.symbol !== undefined) return unknownAddress;
  let off = value.off + mem.disp;
  let indexed = false;
  let assumed = value.assumed === true;
  const index = gpr(mem.index);
  if (index !== undefined) {
    const indexValue = state.regs[index.slot];
    if (indexValue?.kind === 'const') {
      off += indexValue.value * mem.scale;
      assumed ||= indexValue.assumed === true;
    } else indexed = true;
  }
  return { kind: 'stack', anchor: value.anchor, off, indexed, via: mem.base ?? '', assumed };
}

/** The range of an anchor's value relative to the entry RSP (anchor 0). */
export function anchorRange(anchors: readonly Anchor[], anchor: number): { lo: number; hi: number } {
  let lo = 0;
  let hi = 0;
  for (let id = anchor, guard = 0; id !== 0 && guard < 1000; guard++) {
    const a = anchors[id - 1];
    if (a === undefined) break;
    lo += a.lo;
    hi += a.hi;
    id = a.parent;
  }
  return { lo, hi };
}

/** The offset of a stack address relative to the current RSP, exact or as an interval. */
export function offsetFromRsp(anchors: readonly Anchor[], anchor: number, off: number, rsp: Value): { lo: number; hi: number } | undefined {
  if (rsp?.kind !== 'stack') return undefined;
  if (rsp.anchor === anchor) return { lo: off - rsp.off, hi: off - rsp.off };
  const a = anchorRange(anchors, anchor);
  const r = anchorRange(anchors, rsp.anchor);
  return { lo: a.lo + off - (r.hi + rsp.off), hi: a.hi + off - (r.lo + rsp.off) };
}

