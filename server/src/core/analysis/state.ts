/**
 * The abstract state of the stack analysis at one program point.
 *
 * Each general register holds one abstract value:
 * - `stack`: an address on the stack, `anchor + off`, where anchor 0 is the RSP at function entry
 *   and any other anchor is the result of a realignment (`and $-32, %rsp`) whose distance to its
 *   parent is only known as an interval;
 * - `init`: the register's own value at function entry (so `push %rbx` is known to save %rbx);
 * - `const`: a known integer;
 * - `undefined`: unknown (top).
 * Stack cells written by `push` and `mov` remember the value stored, so `pop %rbp` and `leave`
 * restore a frame pointer. Values are immutable; states are copied on write.
 */
import { charge } from './budget';

/**
 * An abstract register value; undefined is "unknown". A constant or stack address marked
 * `assumed` was carried along a branch edge that the known constants decide against
 * (`branches.ts`): no execution with those values takes it. Joins and transfers treat it like any
 * other value; only the witnesses of indexed accesses (`address.ts`) refuse it.
 */
export type Value =
  | { readonly kind: 'stack'; readonly anchor: number; readonly off: number; readonly assumed?: true }
  | { readonly kind: 'init'; readonly slot: number }
  | { readonly kind: 'const'; readonly value: number; readonly assumed?: true }
  | undefined;

/** A realignment anchor: its value lies in `parent + [lo, hi]`. */
export interface Anchor {
  readonly parent: number;
  readonly lo: number;
  readonly hi: number;
}

/** A byte range of the stack in entry-relative offsets, with the line that last wrote it. */
export interface StackRange {
  readonly from: number;
  readonly to: number;
  readonly line: number;
  /** For clobbered ranges: the line of the store whose data was destroyed. */
  readonly storeLine?: number;
}

/** The state at one point. `cells` maps `cellKey(anchor, offset)` of slot-size stack cells to the value stored there. */
export interface State {
  readonly regs: readonly Value[];
  readonly cells: ReadonlyMap<number, Value>;
  /** Ranges written below the stack pointer (entry-relative) and not yet overwritten by a push or call. */
  readonly redZoneData: readonly StackRange[];
  /** Ranges of red-zone data destroyed by a `call`, `push` or `pushf`: `line` is the clobbering instruction. */
  readonly clobbered: readonly StackRange[];
  /** Line of the instruction that made RSP unknown, when it is. */
  readonly lostAt: number | undefined;
  /** True once a stack address was stored outside the stack, where a callee may find it. */
  readonly escaped: boolean;
}

/**
 * Values are immutable, so the common ones are made once: constants in [-4096, 4096) and entry-RSP
 * offsets in [-8192, 8192). Allocating one per `push`, `$imm` and `add` was a tenth of the bytes
 * a large file's analysis allocated.
 */
const constCache: Value[] = [];
const stackCache: Value[] = [];

export function stackValue(anchor: number, off: number): Value {
  if (anchor === 0 && Number.isInteger(off) && off >= -8192 && off < 8192) return (stackCache[off + 8192] ??= { kind: 'stack', anchor, off });
  return { kind: 'stack', anchor, off };
}

export function constValue(value: number): Value {
  if (Number.isInteger(value) && value >= -4096 && value < 4096 && !Object.is(value, -0)) return (constCache[value + 4096] ??= { kind: 'const', value });
  return { kind: 'const', value };
}

export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'stack':
      return b.kind === 'stack' && a.anchor === b.anchor && a.off === b.off;
    case 'init':
      return b.kind === 'init' && a.slot === b.slot;
    case 'const':
      return b.kind === 'const' && a.value === b.value;
  }
}

/** Adds a constant to a value; what is not a stack address or a constant becomes unknown. The sum is assumed when either part is. */
export function addConstant(value: Value, delta: number, deltaAssumed = false): Value {
  if (value?.kind === 'stack') return assumedIf(stackValue(value.anchor, value.off + delta), deltaAssumed || value.assumed === true);
  if (value?.kind === 'const') return assumedIf(constValue(value.value + delta), deltaAssumed || value.assumed === true);
  return undefined;
}

/** `value` marked assumed when `assumed` is true (a fresh object: the shared ones stay unmarked). */
export function assumedIf(value: Value, assumed: boolean): Value {
  if (!assumed || value === undefined || value.kind === 'init' || value.assumed === true) return value;
  return { ...value, assumed: true };
}

/** True when a value was computed from an assumed one. */
export function isAssumed(value: Value): boolean {
  return value !== undefined && value.kind !== 'init' && value.assumed === true;
}

/**
 * The state on the edge of a conditional branch that its constants decide against: every constant
 * in a register or a stack cell becomes assumed (`cmpq $7,%r8; jae` with %r8 = 0 from a loop's
 * first pass: the jump is taken by no execution in which %r8 is 0).
 */
export function assumeConstants(state: State): State {
  let regs: Value[] | undefined;
  for (let slot = 0; slot < state.regs.length; slot++) {
    const value = state.regs[slot];
    if (value?.kind === 'const' && value.assumed !== true) (regs ??= state.regs.slice())[slot] = assumedIf(value, true);
  }
  let cells: Map<number, Value> | undefined;
  state.cells.forEach((value, key) => {
    if (value?.kind === 'const' && value.assumed !== true) (cells ??= copyCells(state.cells)).set(key, assumedIf(value, true));
  });
  if (regs === undefined && cells === undefined) return state;
  return { ...state, regs: regs ?? state.regs, cells: cells ?? state.cells };
}

/**
 * A copy of a cell map, in the same order. `Map.forEach` rather than `new Map(cells)`, whose walk
 * of the iterator made an entry array per cell (29 bytes per instruction analyzed, on kernel modules).
 */
function copyCells(cells: ReadonlyMap<number, Value>): Map<number, Value> {
  const copy = new Map<number, Value>();
  cells.forEach((value, key) => copy.set(key, value));
  return copy;
}

/** Realignment anchors per function are capped so that a cell key stays one safe integer. */
export const maxAnchors = 63;

/** A numeric key for the cell at `anchor + off`: offsets up to 2^46 in magnitude stay exact. */
export function cellKey(anchor: number, off: number): number {
  return off * 64 + anchor;
}

/** The anchor and offset of a cell key. */
export function cellOf(key: number): { anchor: number; off: number } {
  const anchor = ((key % 64) + 64) % 64;
  return { anchor, off: (key - anchor) / 64 };
}

/** A state whose parts the transfer function may change in place (one per block walk). */
export interface WorkingState {
  regs: Value[];
  /** Shared with the state it was copied from until the first write (`ownCells`). */
  cells: Map<number, Value>;
  ownsCells: boolean;
  redZoneData: readonly StackRange[];
  clobbered: readonly StackRange[];
  lostAt: number | undefined;
  escaped: boolean;
}

/** A private copy of a state to walk a block with. */
export function workingCopy(state: State): WorkingState {
  return { regs: state.regs.slice(), cells: state.cells as Map<number, Value>, ownsCells: false, redZoneData: state.redZoneData, clobbered: state.clobbered, lostAt: state.lostAt, escaped: state.escaped };
}

/** The working state's own cell map, copied from the shared one on the first write. */
export function ownCells(w: WorkingState): Map<number, Value> {
  if (!w.ownsCells) {
    charge(w.cells.size);
    w.cells = copyCells(w.cells);
    w.ownsCells = true;
  }
  return w.cells;
}

/** An immutable snapshot of a working state. */
export function snapshot(state: WorkingState): State {
  charge(state.cells.size);
  return { regs: state.regs.slice(), cells: copyCells(state.cells), redZoneData: state.redZoneData, clobbered: state.clobbered, lostAt: state.lostAt, escaped: state.escaped };
}

/** The entry state: RSP is anchor 0, every other register holds its caller's value. */
export function entryState(): State {
  const regs: Value[] = [];
  for (let slot = 0; slot < 16; slot++) regs.push(slot === 4 ? stackValue(0, 0) : { kind: 'init', slot });
  return { regs, cells: new Map(), redZoneData: [], clobbered: [], lostAt: undefined, escaped: false };
}

/** Joins two states at a merge point: values that differ become unknown; range lists are united. */
export function joinStates(a: State, b: State): State {
  let regs: Value[] | undefined;
  for (let slot = 0; slot < 16; slot++) {
    if (a.regs[slot] !== undefined && !sameValue(a.regs[slot], b.regs[slot])) {
      regs ??= a.regs.slice();
      regs[slot] = undefined;
    }
  }
  let cells: Map<number, Value> | undefined;
  if (a.cells !== b.cells && a.cells.size > 0) {
    charge(a.cells.size);
    // Map.forEach, not for-of with destructuring: no entry array per cell per join.
    a.cells.forEach((value, key) => {
      if (!b.cells.has(key) || !sameValue(value, b.cells.get(key))) {
        cells ??= copyCells(a.cells);
        cells.delete(key);
      }
    });
  }
  const redZoneData = uniteRanges(a.redZoneData, b.redZoneData);
  const clobbered = uniteRanges(a.clobbered, b.clobbered);
  const lostAt = a.lostAt ?? b.lostAt;
  const escaped = a.escaped || b.escaped;
  if (regs === undefined && cells === undefined && redZoneData === a.redZoneData && clobbered === a.clobbered && lostAt === a.lostAt && escaped === a.escaped) return a;
  return { regs: regs ?? a.regs, cells: cells ?? a.cells, redZoneData, clobbered, lostAt, escaped };
}

/** True when joining `b` into `a` would not change `a`. */
export function subsumes(a: State, b: State): boolean {
  return joinStates(a, b) === a;
}

function uniteRanges(a: readonly StackRange[], b: readonly StackRange[]): readonly StackRange[] {
  if (b.length === 0 || a === b) return a;
  charge(a.length * b.length);
  let result: StackRange[] | undefined;
  for (let k = 0; k < b.length; k++) {
    const range = b[k]!;
    if (!a.some((r) => r.from === range.from && r.to === range.to && r.line === range.line)) {
      result ??= a.slice();
      result.push(range);
    }
  }
  return result ?? a;
}

/** Removes `[from, to)` from every range in the list. */
export function subtractRange(list: readonly StackRange[], from: number, to: number): readonly StackRange[] {
  charge(list.length);
  if (!list.some((r) => r.from < to && from < r.to)) return list;
  const result: StackRange[] = [];
  for (const r of list) {
    if (r.to <= from || to <= r.from) {
      result.push(r);
      continue;
    }
    if (r.from < from) result.push({ from: r.from, to: from, line: r.line });
    if (to < r.to) result.push({ from: to, to: r.to, line: r.line });
  }
  return result;
}
