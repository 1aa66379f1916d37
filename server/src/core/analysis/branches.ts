/**
 * Conditional branches whose outcome the state decides: `leaq -1(%rax),%r8; cmpq $7,%r8; jae` with
 * %rax = 1 from a loop's first pass. The fixpoint uses it only to refute paths: the edge the known
 * constants decide against is one no execution with those values takes, so the constants carried
 * along it become assumed (`state.ts`), and an indexed access reached only with an assumed index
 * has no witness (`address.ts`). Reachability itself is not changed: the state still flows, so
 * no code goes unchecked because of a decision.
 */
import { Condition, hasFlag, opcodeCondition, OpcodeFlag } from '../x86/opcodes';
import type { Instruction } from '../ir';
import { registerWidth } from './registers';
import { assumeConstants, type State } from './state';
import { operandValue } from './transfer-values';

/** The flags a `cmp` or `test` of two constants sets, as booleans. */
interface Flags {
  readonly zf: boolean;
  readonly sf: boolean;
  readonly cf: boolean;
  readonly of: boolean;
  readonly pf: boolean;
}

/**
 * Whether the conditional jump `jump` is taken when `compare`, the instruction right before it, is
 * a `cmp` or `test` of operands whose values the state knows; undefined when it does not say.
 */
export function branchOutcome(compare: Instruction | undefined, jump: Instruction, state: State, mode: 2 | 4 | 8): boolean | undefined {
  if (compare === undefined || !(hasFlag(compare.opcode, OpcodeFlag.CompareBySubtraction) || hasFlag(compare.opcode, OpcodeFlag.CompareByAnd))) return undefined;
  const [left, right] = compare.operands;
  const width = compare.suffixSize ?? (left?.kind === 'reg' ? registerWidth(left.reg) : undefined) ?? (right?.kind === 'reg' ? registerWidth(right.reg) : undefined) ?? (left?.kind === 'mem' ? left.size : undefined);
  if (width === undefined || left === undefined || right === undefined) return undefined;
  const a = operandValue(left, state.regs, mode, state.cells, state);
  const b = operandValue(right, state.regs, mode, state.cells, state);
  if (a?.kind !== 'const' || b?.kind !== 'const') return undefined;
  const flags = hasFlag(compare.opcode, OpcodeFlag.CompareBySubtraction) ? subtractFlags(a.value, b.value, width) : andFlags(a.value, b.value, width);
  return flags === undefined ? undefined : condition(opcodeCondition[jump.opcode]!, flags);
}

/**
 * The states for the two edges of a conditional branch at the end of a block: the edge the known
 * constants decide against carries them as assumed; an undecided branch leaves both edges alone.
 */
export function branchEdgeStates(state: State, outcome: boolean | undefined): { taken: State; fallThrough: State } {
  if (outcome === true) return { taken: state, fallThrough: assumeConstants(state) };
  if (outcome === false) return { taken: assumeConstants(state), fallThrough: state };
  return { taken: state, fallThrough: state };
}

/** Flags of `a - b` at `bytes` width (Intel operand order: `cmp a, b`). */
function subtractFlags(a: number, b: number, bytes: number): Flags | undefined {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || bytes > 8) return undefined;
  const bits = BigInt(bytes * 8);
  const mask = (1n << bits) - 1n;
  const ua = BigInt(a) & mask;
  const ub = BigInt(b) & mask;
  const result = (ua - ub) & mask;
  const sign = 1n << (bits - 1n);
  const sa = (ua & sign) !== 0n;
  const sb = (ub & sign) !== 0n;
  const sr = (result & sign) !== 0n;
  return { zf: result === 0n, sf: sr, cf: ua < ub, of: sa !== sb && sr !== sa, pf: parity(result) };
}

/** Flags of `a & b` (`test`): carry and overflow are cleared. */
function andFlags(a: number, b: number, bytes: number): Flags | undefined {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || bytes > 8) return undefined;
  const bits = BigInt(bytes * 8);
  const result = BigInt(a) & BigInt(b) & ((1n << bits) - 1n);
  return { zf: result === 0n, sf: (result & (1n << (bits - 1n))) !== 0n, cf: false, of: false, pf: parity(result) };
}

/** PF: set when the low byte has an even number of one bits. */
function parity(value: bigint): boolean {
  let byte = Number(value & 0xffn);
  let ones = 0;
  for (; byte !== 0; byte >>= 1) ones += byte & 1;
  return ones % 2 === 0;
}

/** Whether a jump's condition (`Condition`) holds for the flags; undefined for jumps that test no flags (`jrcxz`, `loop`). */
function condition(code: number, f: Flags): boolean | undefined {
  switch (code) {
    case Condition.O: return f.of;
    case Condition.NO: return !f.of;
    case Condition.B: return f.cf;
    case Condition.AE: return !f.cf;
    case Condition.E: return f.zf;
    case Condition.NE: return !f.zf;
    case Condition.BE: return f.cf || f.zf;
    case Condition.A: return !f.cf && !f.zf;
    case Condition.S: return f.sf;
    case Condition.NS: return !f.sf;
    case Condition.P: return f.pf;
    case Condition.NP: return !f.pf;
    case Condition.L: return f.sf !== f.of;
    case Condition.GE: return f.sf === f.of;
    case Condition.LE: return f.zf || f.sf !== f.of;
    case Condition.G: return !f.zf && f.sf === f.of;
    default: return undefined;
  }
}
