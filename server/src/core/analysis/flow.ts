/**
 * Control flow within one function and the fixpoint over it.
 *
 * Blocks start at labels and after every jump, branch, return and no-return call. Jump tables are
 * resolved where the table is visible (`jmp *.L4(,%rax,8)` with `.L4: .quad .L3, .L5`, or clang's
 * `lea .LJTI0_0(%rip),%rcx` … `jmp *%rax`). Code reached only through an indirect jump that could not
 * be resolved is analyzed from the state at that jump, so it is never silently skipped.
 */
import type { Abi } from '../report';
import type { AsmFunction, Program } from './program';
import { RSP } from './registers';
import { endsPath, Flow, isPadding } from './semantics';
import { entryState, joinStates, workingCopy, type State } from './state';
import { recordWitnesses } from './address';
import { branchEdgeStates, branchOutcome } from './branches';
import { step, type TransferContext } from './transfer';
import { movesStackImplicitly } from '../x86/opcodes';
import { boundFor, BoundReached, charge, endBudget, startBudget } from './budget';
import { FactFlag, factsOf, targetIndex, type FunctionFacts } from './facts';
import { withArena, type Arena } from './arena';

/** Receives every instruction of every reached block once, after the fixpoint, in order. */
export interface FlowVisitor {
  /** Called when a block is entered with an RSP that paths disagree on. */
  onMismatch?(index: number, note: string): void;
  /** Called with the state before the instruction at `index`; `facts` describes the function's instructions. */
  onInstruction(index: number, before: State, facts: FunctionFacts, ctx: TransferContext): void;
  /** Called after the instruction with the state it left and why it lost RSP, if it did. */
  afterInstruction?(index: number, after: State, lostReason: string | undefined): void;
  /** An instruction whose block must be replayed in full even if it reports nothing (the layout's). */
  readonly focus?: number;
  /**
   * Called instead of finishing when the function's analysis reached its work bound (`budget.ts`):
   * what the visitor received before is not a complete walk and must be dropped.
   */
  onBound?(message: string): void;
}

/** What the caller knows about the world outside the function. */
export interface FlowOptions {
  readonly abi: Abi;
  readonly noReturn: ReadonlySet<string>;
}

/**
 * A function's basic blocks as columns, numbered in address order. Block `b` holds instructions
 * `[start[b], end[b])`; its successors (block starts, as instruction indices) are
 * `successors[successorStart[b] .. successorStart[b + 1])`, in the order the fixpoint follows
 * them (a branch's target before its fall-through); `unresolved[b]` is 1 for an indirect jump
 * that could not be resolved, which has no successor list. `blockAt[i]` is the block that starts
 * at instruction `i`, or -1.
 */
interface Blocks {
  readonly count: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly successorStart: Int32Array;
  readonly successors: Int32Array;
  readonly unresolved: Int32Array;
  /** Alignment padding after a jump or return that no label or branch names: never code. */
  readonly padding: Int32Array;
  readonly blockAt: Int32Array;
}

const maxVisitsPerBlock = 64;
/**
 * Runs the analysis over one function and replays the fixed point through the visitor, within the
 * function's work bound; past it, the visitor's `onBound` says why instead.
 */
export function analyzeFlow(fn: AsmFunction, program: Program, options: FlowOptions, visitor: FlowVisitor): TransferContext {
  const ctx: TransferContext = { mode: fn.mode, abi: options.abi, anchors: [], anchorIds: new Map(), witnesses: new Map(), pushedCells: new Set(), storedCells: new Set() };
  const outer = startBudget(boundFor(fn.insns.length));
  try {
    withArena((arena) => walkFunction(fn, program, options, visitor, ctx, arena));
  } catch (error) {
    if (!(error instanceof BoundReached)) throw error;
    visitor.onBound?.(
      `its analysis reached the bound of ${error.units} units of work set for a function of ${fn.insns.length} instructions ` +
        '(the abstract state kept growing: very many pushes or stack slots, or loops that keep moving the stack pointer)',
    );
  } finally {
    endBudget(outer, fn.insns.length);
  }
  return ctx;
}

function walkFunction(fn: AsmFunction, program: Program, options: FlowOptions, visitor: FlowVisitor, ctx: TransferContext, arena: Arena): void {
  const facts = factsOf(fn, program, options, arena);
  const flags = facts.flags;
  // Only witnesses of indexed accesses care which constants are assumed (`branches.ts`).
  let anyIndexed = false;
  for (let i = 0; i < flags.length && !anyIndexed; i++) anyIndexed = (flags[i]! & FactFlag.Indexed) !== 0;
  const blocks = buildBlocks(fn, program, facts, arena);
  const count = blocks.count;
  const blockAt = blocks.blockAt;
  // Per block: the state at its entry, how often a join changed it, whether it is queued, and the
  // note of paths that reach it with different stack pointers.
  const inStates: (State | undefined)[] = new Array<State | undefined>(count).fill(undefined);
  const visits = arena.int32(count);
  const queued = arena.int32(count);
  let mismatches: (string | undefined)[] | undefined;
  let indirectState: State | undefined;

  const propagate = (targetBlock: number, state: State): boolean => {
    const old = inStates[targetBlock];
    if (old === undefined) {
      inStates[targetBlock] = state;
      return true;
    }
    const a = old.regs[RSP];
    const b = state.regs[RSP];
    if (a?.kind === 'stack' && b?.kind === 'stack' && (a.anchor !== b.anchor || a.off !== b.off) && mismatches?.[targetBlock] === undefined) {
      (mismatches ??= new Array<string | undefined>(count).fill(undefined))[targetBlock] = `paths reach this point with different stack pointers (entry${fmt(a.off)} and entry${fmt(b.off)})`;
    }
    let joined = joinStates(old, state);
    const visited = ++visits[targetBlock]!;
    if (visited > maxVisitsPerBlock && joined !== old) {
      // A loop that keeps changing the state: give up on every register rather than loop on.
      joined = { ...joined, regs: joined.regs.map(() => undefined), lostAt: joined.lostAt ?? fn.insns[blocks.start[targetBlock]!]?.line };
    }
    if (joined === old) return false;
    inStates[targetBlock] = joined;
    return true;
  };

  const run = (seeds: readonly number[]): void => {
    const work = seeds.slice();
    queued.fill(0);
    for (const seed of seeds) queued[seed] = 1;
    let budget = count * (maxVisitsPerBlock + 2) + 16;
    while (work.length > 0 && budget-- > 0) {
      const b = work.pop()!;
      queued[b] = 0;
      const entry = inStates[b];
      if (entry === undefined) continue;
      const start = blocks.start[b]!;
      const end = blocks.end[b]!;
      const working = workingCopy(entry);
      charge(end - start);
      for (let i = start; i < end; i++) {
        if ((flags[i]! & FactFlag.Indexed) !== 0) recordWitnesses(working, facts, i, ctx.anchors, ctx.witnesses);
        step(working, fn.insns[i]!, facts, i, ctx);
      }
      // The working copy is not changed after the block, so it becomes the immutable out-state.
      const state: State = working;
      if (blocks.unresolved[b] === 1) {
        indirectState = indirectState === undefined ? state : joinStates(indirectState, state);
        continue;
      }
      const last = end - 1;
      const edges = anyIndexed && facts.flow[last] === Flow.Branch
        ? branchEdgeStates(state, branchOutcome(last > start ? fn.insns[last - 1] : undefined, fn.insns[last]!, state, fn.mode))
        : undefined;
      const first = blocks.successorStart[b]!;
      const after = blocks.successorStart[b + 1]!;
      for (let k = first; k < after; k++) {
        const next = blocks.successors[k]!;
        // successors of a branch: [target, next] (or [next] when the target leaves the function).
        const edgeState = edges === undefined ? state : k === after - 1 && next === end ? edges.fallThrough : edges.taken;
        const nextBlock = blockAt[next]!;
        if (propagate(nextBlock, edgeState) && queued[nextBlock] === 0) {
          work.push(nextBlock);
          queued[nextBlock] = 1;
        }
      }
    }
  };

  const reportMismatch = (b: number): void => {
    const note = mismatches?.[b];
    if (note !== undefined) visitor.onMismatch?.(blocks.start[b]!, note);
  };

  const visitBlock = (b: number, entry: State): State => {
    reportMismatch(b);
    const working = workingCopy(entry);
    const start = blocks.start[b]!;
    const end = blocks.end[b]!;
    charge(end - start);
    for (let i = start; i < end; i++) {
      visitor.onInstruction(i, working, facts, ctx);
      const lostReason = step(working, fn.insns[i]!, facts, i, ctx);
      visitor.afterInstruction?.(i, working, lostReason);
    }
    return working;
  };

  // Without loops or unresolved jumps, one pass in address order sees every block after all its
  // predecessors: the fixpoint and the replay are the same walk.
  if (count > 0 && forwardOnly(blocks)) {
    inStates[0] = entryState();
    for (let b = 0; b < count; b++) {
      const entry = inStates[b];
      if (entry === undefined) continue;
      const out = visitBlock(b, entry);
      for (let k = blocks.successorStart[b]!; k < blocks.successorStart[b + 1]!; k++) propagate(blockAt[blocks.successors[k]!]!, out);
    }
    return;
  }

  if (count > 0) {
    inStates[0] = entryState();
    run([0]);
    // Blocks reached only through an unresolved indirect jump start from the state at that jump.
    for (let round = 0; round < 3 && indirectState !== undefined; round++) {
      const unreached: number[] = [];
      for (let b = 0; b < count; b++) if (blocks.padding[b] === 0 && inStates[b] === undefined) unreached.push(b);
      if (unreached.length === 0) break;
      const seed = indirectState;
      for (const b of unreached) inStates[b] = seed;
      run(unreached);
    }
  }

  // The replay reports; a block that touches no memory and does not move RSP has nothing to
  // report, and its state at entry (already known) stands for all of it.
  for (let b = 0; b < count; b++) {
    const entry = inStates[b];
    if (entry === undefined) continue;
    const start = blocks.start[b]!;
    if (mayReport(fn, facts, start, blocks.end[b]!) || (visitor.focus !== undefined && visitor.focus >= start && visitor.focus < blocks.end[b]!)) visitBlock(b, entry);
    else {
      reportMismatch(b);
      visitor.onInstruction(start, workingCopy(entry), facts, ctx);
    }
  }
}

/** True when every block's successors lie after it and no indirect jump is unresolved. */
function forwardOnly(blocks: Blocks): boolean {
  for (let b = 0; b < blocks.count; b++) {
    if (blocks.unresolved[b] === 1) return false;
    for (let k = blocks.successorStart[b]!; k < blocks.successorStart[b + 1]!; k++) if (blocks.successors[k]! <= blocks.start[b]!) return false;
  }
  return true;
}

function fmt(off: number): string {
  return off === 0 ? '' : off > 0 ? `+${off}` : `${off}`;
}

/**
 * True when a block may produce a finding or change RSP: a memory access, a control transfer,
 * a named write to RSP (`mov %rbp,%rsp`, `xchg`, which the `writes` column lists), one of the stack
 * operations the transfer models without naming RSP (the x86 table's `movesStackImplicitly`), or an
 * instruction that was not understood.
 */
function mayReport(fn: AsmFunction, facts: FunctionFacts, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const flow = facts.flow[i]!;
    if (facts.accessStart[i + 1]! > facts.accessStart[i]! || (facts.writes[i]! & (1 << RSP)) !== 0 || (flow !== Flow.Next && flow !== Flow.Branch && flow !== Flow.Jump)) return true;
    const insn = fn.insns[i]!;
    if (insn.unknown || movesStackImplicitly(insn.opcode)) return true;
  }
  return false;
}

function buildBlocks(fn: AsmFunction, program: Program, facts: FunctionFacts, arena: Arena): Blocks {
  const n = fn.insns.length;
  const flow = facts.flow;
  // Per instruction: whether it starts a block, and whether a label or a branch names it.
  const leader = arena.int32(n + 1);
  const named = arena.int32(n + 1);
  if (n > 0) leader[0] = 1;
  fn.labels.forEach((index) => {
    if (index < n) leader[index] = 1;
    if (index <= n) named[index] = 1;
  });
  // What each instruction that ends a block says of its successors: `ends` is 0 for one that does
  // not end a block, 1 for one with at most two successors (`first`, `second`, -1 for none), 2 for
  // an unresolved indirect jump, 3 for a resolved jump table (its targets in `tables`).
  const ends = arena.int32(n);
  const first = arena.int32(n, -1);
  const second = arena.int32(n, -1);
  let tables: Map<number, number[]> | undefined;
  let listed = 0;
  const successor = (s: number): number => {
    if (s >= n) return -1;
    leader[s] = 1;
    named[s] = 1;
    listed++;
    return s;
  };
  for (let i = 0; i < n; i++) {
    switch (flow[i]) {
      case Flow.Jump: {
        // A jump out of the function is a tail call: no successor.
        const t = targetIndex(fn, fn.insns[i]!.operands[0]);
        if (t !== undefined) first[i] = successor(t);
        ends[i] = 1;
        break;
      }
      case Flow.Branch: {
        // successors of a branch: [target, next], or [next] when the target leaves the function.
        const t = targetIndex(fn, fn.insns[i]!.operands[0]);
        if (t === undefined) first[i] = successor(i + 1);
        else {
          first[i] = successor(t);
          second[i] = successor(i + 1);
        }
        ends[i] = 1;
        break;
      }
      case Flow.IndirectJump: {
        const targets = jumpTableTargets(fn, program, i, facts);
        if (targets === undefined) ends[i] = 2;
        else {
          const inside = targets.filter((t) => t < n);
          for (const t of inside) successor(t);
          (tables ??= new Map()).set(i, inside);
          ends[i] = 3;
        }
        break;
      }
      case Flow.Return:
      case Flow.Stop:
        ends[i] = 1;
        break;
      default:
        continue;
    }
    if (i + 1 < n) leader[i + 1] = 1;
  }
  // jmp .L2; nop; .L4: — the nop aligns the loop head. Padding right after an instruction that does
  // not fall through, and named by no label or branch, is its own block that nothing enters; it is
  // not code an unresolved indirect jump may reach either (jump tables never point at padding).
  const paddingStart = arena.int32(n + 1);
  for (let i = 0; i < n; i++) {
    if (ends[i] === 0 || !endsPath(flow[i]!)) continue;
    let end = i + 1;
    while (end < n && named[end] === 0 && isPadding(fn.insns[end]!)) end++;
    if (end === i + 1) continue;
    paddingStart[i + 1] = 1;
    if (end < n) leader[end] = 1;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (leader[i] === 1) count++;
  const start = arena.int32(count);
  const endOf = arena.int32(count);
  const blockAt = arena.int32(n, -1);
  for (let i = 0, b = 0; i < n; i++) {
    if (leader[i] !== 1) continue;
    start[b] = i;
    blockAt[i] = b;
    if (b > 0) endOf[b - 1] = i;
    b++;
  }
  if (count > 0) endOf[count - 1] = n;
  const successorStart = arena.int32(count + 1);
  const unresolved = arena.int32(count);
  const padding = arena.int32(count);
  // Fall-throughs add at most one successor per block.
  const successors = arena.int32(listed + count);
  let at = 0;
  for (let b = 0; b < count; b++) {
    successorStart[b] = at;
    const end = endOf[b]!;
    if (paddingStart[start[b]!] === 1) {
      padding[b] = 1;
      continue;
    }
    const last = end - 1;
    switch (ends[last]) {
      case 0:
        if (end < n) successors[at++] = end;
        break;
      case 1:
        if (first[last] !== -1) successors[at++] = first[last]!;
        if (second[last] !== -1) successors[at++] = second[last]!;
        break;
      case 2:
        unresolved[b] = 1;
        break;
      default:
        for (const t of tables!.get(last)!) successors[at++] = t;
    }
  }
  successorStart[count] = at;
  return { count, start, end: endOf, successorStart, successors, unresolved, padding, blockAt };
}

/** Targets of a visible jump table for the indirect jump at `index`, or undefined when unresolved. */
function jumpTableTargets(fn: AsmFunction, program: Program, index: number, facts: FunctionFacts): number[] | undefined {
  const tableOf = (symbol: string | undefined): number[] | undefined => {
    const labels = symbol === undefined ? undefined : program.dataTables.get(symbol);
    if (labels === undefined) return undefined;
    const targets = labels.map((label) => fn.labels.get(label)).filter((t): t is number => t !== undefined);
    return targets.length > 0 ? [...new Set(targets)] : undefined;
  };
  // jmp *.L4(,%rax,8)
  const op = fn.insns[index]!.operands[0];
  if (op?.kind === 'mem') {
    const direct = tableOf(op.symbol);
    if (direct !== undefined) return direct;
  }
  // lea .LJTI0_0(%rip),%rcx; movslq (%rcx,%rax,4),%rax; add %rcx,%rax; jmp *%rax
  // The search stops at an instruction control never falls through: the `lea` of a switch
  // before it does not feed this jump (gcc's `pop %rbx; jmp *%rax` tail call through a pointer,
  // in a case block placed after the switch's own `jmp *%rax`).
  for (let k = index - 1; k >= 0 && k >= index - 12; k--) {
    if (endsPath(facts.flow[k]!)) break;
    for (const operand of fn.insns[k]!.operands) {
      if (operand.kind === 'mem') {
        const found = tableOf(operand.symbol);
        if (found !== undefined) return found;
      }
      if (operand.kind === 'imm' || operand.kind === 'target') {
        const found = tableOf(operand.kind === 'target' ? operand.name : undefined);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}
