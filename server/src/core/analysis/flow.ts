/**
 * Control flow within one function and the fixpoint over it.
 *
 * Blocks start at labels and after every jump, branch, return and no-return call. Jump tables are
 * resolved where the table is visible (`jmp *.L4(,%rax,8)` with `.L4: .quad .L3, .L5`, or clang's
 * `lea .LJTI0_0(%rip),%rcx` … `jmp *%rax`). Code reached only through an indirect jump that could not
 * be resolved is analyzed from the state at that jump, so it is never silently skipped.
 */
import type { Abi } from '../report';
import { indexAtAddress, type AsmFunction, type Program } from './program';
import { RSP } from './registers';
import { describe, endsPath, isPadding, plainSymbol, type Effect } from './semantics';
import { entryState, joinStates, workingCopy, type State } from './state';
import { recordWitnesses } from './address';
import { branchEdgeStates, branchOutcome } from './branches';
import { step, type TransferContext } from './transfer';
import { movesStackImplicitly, opcodeTransfer, Transfer } from '../x86/opcodes';
import { boundFor, BoundReached, charge, endBudget, startBudget } from './budget';

/** Receives every instruction of every reached block once, after the fixpoint, in order. */
export interface FlowVisitor {
  /** Called when a block is entered with an RSP that paths disagree on. */
  onMismatch?(index: number, note: string): void;
  onInstruction(index: number, before: State, effect: Effect, ctx: TransferContext): void;
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

interface Block {
  readonly start: number;
  readonly end: number;
  /** Successor block starts; undefined for an unresolved indirect jump. */
  readonly successors: readonly number[] | undefined;
  /** Alignment padding after a jump or return that no label or branch names: never code. */
  readonly padding: boolean;
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
    walkFunction(fn, program, options, visitor, ctx);
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

function walkFunction(fn: AsmFunction, program: Program, options: FlowOptions, visitor: FlowVisitor, ctx: TransferContext): void {
  const effects = effectsOf(fn, program, options);
  const hasIndexed = effects.map((effect) => effect.accesses.some((access) => access.mem.index !== undefined));
  // Only witnesses of indexed accesses care which constants are assumed (`branches.ts`).
  const anyIndexed = hasIndexed.includes(true);
  const blocks = buildBlocks(fn, program, effects);
  const blockAt = new Map<number, Block>(blocks.map((b) => [b.start, b]));
  const inStates = new Map<number, State>();
  const visits = new Map<number, number>();
  const mismatches = new Map<number, string>();
  let indirectState: State | undefined;

  const propagate = (target: number, state: State): boolean => {
    const old = inStates.get(target);
    if (old === undefined) {
      inStates.set(target, state);
      return true;
    }
    const a = old.regs[RSP];
    const b = state.regs[RSP];
    if (a?.kind === 'stack' && b?.kind === 'stack' && (a.anchor !== b.anchor || a.off !== b.off) && !mismatches.has(target)) {
      mismatches.set(target, `paths reach this point with different stack pointers (entry${fmt(a.off)} and entry${fmt(b.off)})`);
    }
    let joined = joinStates(old, state);
    const count = (visits.get(target) ?? 0) + 1;
    visits.set(target, count);
    if (count > maxVisitsPerBlock && joined !== old) {
      // A loop that keeps changing the state: give up on every register rather than loop on.
      joined = { ...joined, regs: joined.regs.map(() => undefined), lostAt: joined.lostAt ?? fn.insns[target]?.line };
    }
    if (joined === old) return false;
    inStates.set(target, joined);
    return true;
  };

  const run = (seeds: number[]): void => {
    const work = seeds.slice();
    const queued = new Set(work);
    let budget = blocks.length * (maxVisitsPerBlock + 2) + 16;
    while (work.length > 0 && budget-- > 0) {
      const start = work.pop() as number;
      queued.delete(start);
      const block = blockAt.get(start);
      const entry = inStates.get(start);
      if (block === undefined || entry === undefined) continue;
      const working = workingCopy(entry);
      charge(block.end - block.start);
      for (let i = block.start; i < block.end; i++) {
        if (hasIndexed[i]) recordWitnesses(working, effects[i]!, i, ctx.anchors, ctx.witnesses);
        step(working, fn.insns[i]!, effects[i]!, i, ctx);
      }
      // The working copy is not changed after the block, so it becomes the immutable out-state.
      const state: State = working;
      if (block.successors === undefined) {
        indirectState = indirectState === undefined ? state : joinStates(indirectState, state);
        continue;
      }
      const last = block.end - 1;
      const edges = anyIndexed && effects[last]!.flow === 'branch'
        ? branchEdgeStates(state, branchOutcome(last > block.start ? fn.insns[last - 1] : undefined, fn.insns[last]!, state, fn.mode))
        : undefined;
      for (let k = 0; k < block.successors.length; k++) {
        const next = block.successors[k]!;
        // successors of a branch: [target, next] (or [next] when the target leaves the function).
        const edgeState = edges === undefined ? state : k === block.successors.length - 1 && next === block.end ? edges.fallThrough : edges.taken;
        if (propagate(next, edgeState) && !queued.has(next)) {
          work.push(next);
          queued.add(next);
        }
      }
    }
  };

  const visitBlock = (block: Block, entry: State): State => {
    const note = mismatches.get(block.start);
    if (note !== undefined) visitor.onMismatch?.(block.start, note);
    const working = workingCopy(entry);
    charge(block.end - block.start);
    for (let i = block.start; i < block.end; i++) {
      visitor.onInstruction(i, working, effects[i]!, ctx);
      const lostReason = step(working, fn.insns[i]!, effects[i]!, i, ctx);
      visitor.afterInstruction?.(i, working, lostReason);
    }
    return working;
  };

  // Without loops or unresolved jumps, one pass in address order sees every block after all its
  // predecessors: the fixpoint and the replay are the same walk.
  if (blocks.length > 0 && blocks.every((b) => b.successors !== undefined && b.successors.every((s) => s > b.start))) {
    inStates.set(0, entryState());
    for (const block of blocks) {
      const entry = inStates.get(block.start);
      if (entry === undefined) continue;
      const out = visitBlock(block, entry);
      for (const next of block.successors!) propagate(next, out);
    }
    return;
  }

  if (blocks.length > 0) {
    inStates.set(0, entryState());
    run([0]);
    // Blocks reached only through an unresolved indirect jump start from the state at that jump.
    for (let round = 0; round < 3 && indirectState !== undefined; round++) {
      const unreached = blocks.filter((b) => !b.padding && !inStates.has(b.start)).map((b) => b.start);
      if (unreached.length === 0) break;
      const seed = indirectState;
      for (const start of unreached) inStates.set(start, seed);
      run(unreached);
    }
  }

  // The replay reports; a block that touches no memory and does not move RSP has nothing to
  // report, and its state at entry (already known) stands for all of it.
  for (const block of blocks) {
    const entry = inStates.get(block.start);
    if (entry === undefined) continue;
    if (mayReport(fn, effects, block) || (visitor.focus !== undefined && visitor.focus >= block.start && visitor.focus < block.end)) visitBlock(block, entry);
    else {
      const note = mismatches.get(block.start);
      if (note !== undefined) visitor.onMismatch?.(block.start, note);
      visitor.onInstruction(block.start, workingCopy(entry), effects[block.start]!, ctx);
    }
  }
}

function fmt(off: number): string {
  return off === 0 ? '' : off > 0 ? `+${off}` : `${off}`;
}

/**
 * True when a block may produce a finding or change RSP: a memory access, a control transfer,
 * a named write to RSP (`mov %rbp,%rsp`, `xchg`, which `effect.writes` lists), one of the stack
 * operations the transfer models without naming RSP (the x86 table's `movesStackImplicitly`), or an
 * instruction that was not understood.
 */
function mayReport(fn: AsmFunction, effects: readonly Effect[], block: Block): boolean {
  for (let i = block.start; i < block.end; i++) {
    const effect = effects[i]!;
    if (effect.accesses.length > 0 || effect.writes.includes(RSP) || (effect.flow !== 'next' && effect.flow !== 'branch' && effect.flow !== 'jump')) return true;
    const insn = fn.insns[i]!;
    if (insn.unknown || movesStackImplicitly(insn.opcode)) return true;
  }
  return false;
}

const effectCache = new WeakMap<AsmFunction, Effect[]>();

/** The effects of a function's instructions, computed once per function. */
export function effectsOf(fn: AsmFunction, program: Program, options: FlowOptions): Effect[] {
  let effects = effectCache.get(fn);
  if (effects === undefined) {
    effects = fn.insns.map((insn, index) => effectOf(fn, program, index, insn, options));
    effectCache.set(fn, effects);
  }
  return effects;
}

/** Describes an instruction, marking calls to the next instruction (`call 1f; 1: pop %ebx`) and no-return calls. */
function effectOf(fn: AsmFunction, program: Program, index: number, insn: AsmFunction['insns'][number], options: FlowOptions): Effect {
  const effect = describe(insn, fn.mode);
  if (effect.flow !== 'call' || effect.target === undefined) return effect;
  const target = targetIndex(fn, insn.operands[0]);
  if (target === index + 1) {
    // `call 13 <f+0x13>` (e8 00 00 00 00) in a listing of an unlinked object is a call to another
    // symbol whose relocation objdump did not print. Only 32- and 16-bit code reads the program
    // counter with a call, and then the next instruction pops it (`call 1f; 1: pop %ebx`).
    if (program.relocatable && (fn.mode === 8 || opcodeTransfer[fn.insns[index + 1]?.opcode ?? 0] !== Transfer.Pop)) return { ...effect, target: undefined };
    return { ...effect, target: '(next)' };
  }
  if (options.noReturn.has(plainSymbol(effect.target))) return { ...effect, flow: 'stop' };
  return effect;
}

/** The index a direct jump lands on inside the function, or undefined when it leaves the function. */
function targetIndex(fn: AsmFunction, op: AsmFunction['insns'][number]['operands'][number] | undefined): number | undefined {
  if (op?.kind === 'target') {
    const at = op.address === undefined ? undefined : indexAtAddress(fn, op.address);
    if (at !== undefined) return at;
    return fn.labels.get(op.name);
  }
  if (op?.kind === 'imm' && op.value !== undefined) return indexAtAddress(fn, op.value);
  return undefined;
}

function buildBlocks(fn: AsmFunction, program: Program, effects: readonly Effect[]): Block[] {
  const n = fn.insns.length;
  const leaders = new Set<number>(n > 0 ? [0] : []);
  for (const index of fn.labels.values()) if (index < n) leaders.add(index);
  const successorsOf = new Map<number, number[] | undefined>();
  effects.forEach((effect, i) => {
    const insn = fn.insns[i]!;
    let successors: number[] | undefined;
    switch (effect.flow) {
      case 'next':
      case 'call':
      case 'indirect-call':
        return;
      case 'jump': {
        const t = targetIndex(fn, insn.operands[0]);
        successors = t === undefined ? [] : [t]; // A jump out of the function is a tail call.
        break;
      }
      case 'branch': {
        const t = targetIndex(fn, insn.operands[0]);
        successors = t === undefined ? [i + 1] : [t, i + 1];
        break;
      }
      case 'indirect-jump':
        successors = jumpTableTargets(fn, program, i, effects);
        break;
      case 'return':
      case 'stop':
        successors = [];
        break;
    }
    successors = successors?.filter((s) => s < n);
    for (const s of successors ?? []) leaders.add(s);
    if (i + 1 < n) leaders.add(i + 1);
    successorsOf.set(i, successors);
  });
  // jmp .L2; nop; .L4: — the nop aligns the loop head. Padding right after an instruction that does
  // not fall through, and named by no label or branch, is its own block that nothing enters; it is
  // not code an unresolved indirect jump may reach either (jump tables never point at padding).
  const paddingStarts = new Set<number>();
  const named = new Set<number>(fn.labels.values());
  successorsOf.forEach((successors) => successors?.forEach((s) => named.add(s)));
  successorsOf.forEach((_successors, i) => {
    if (!endsPath(effects[i]!.flow)) return;
    let end = i + 1;
    while (end < n && !named.has(end) && isPadding(fn.insns[end]!)) end++;
    if (end === i + 1) return;
    paddingStarts.add(i + 1);
    if (end < n) leaders.add(end);
  });
  const starts = [...leaders].sort((a, b) => a - b);
  return starts.map((start, k) => {
    const end = starts[k + 1] ?? n;
    const last = end - 1;
    const padding = paddingStarts.has(start);
    const successors = padding ? [] : successorsOf.has(last) ? successorsOf.get(last) : end < n ? [end] : [];
    return { start, end, successors, padding };
  });
}

/** Targets of a visible jump table for the indirect jump at `index`, or undefined when unresolved. */
function jumpTableTargets(fn: AsmFunction, program: Program, index: number, effects: readonly Effect[]): number[] | undefined {
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
    if (endsPath(effects[k]!.flow)) break;
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
