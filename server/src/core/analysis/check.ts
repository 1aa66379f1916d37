/**
 * The red-zone check: every memory access whose address is provably below the current stack
 * pointer is red-zone use; what cannot be proven either way is `stack-unknown`, never silence.
 */
import { findingInfo, type FindingCode } from '../findings';
import type { Instruction } from '../ir';
import type { Abi, ClobberFacts, Finding, FunctionSummary, KernelVerdict, RelatedLocation } from '../report';
import { analyzeFlow, type FlowOptions } from './flow';
import type { AsmFunction, Program } from './program';
import { gpr, RSP } from './registers';
import { AccessKind, quoted } from './semantics';
import type { FunctionFacts } from './facts';
import { accessState, evaluateAddress, offsetFromRsp, witnessKey } from './address';
import { hasFlag, OpcodeFlag } from '../x86/opcodes';
import type { TransferContext } from './transfer';
import { charge } from './budget';
import type { State } from './state';

/** What the check needs besides the function. */
export interface CheckOptions extends FlowOptions {
  readonly kernel: KernelVerdict;
}

/** The findings and summary of one function. */
export interface FunctionCheck {
  readonly findings: Finding[];
  readonly summary: FunctionSummary;
}

/** Bytes below RSP that the ABI lets a function use: 128 for System V x86-64, none otherwise. */
export function redZoneSize(abi: Abi, mode: number): number {
  return abi === 'sysv' && mode === 8 ? 128 : 0;
}

/** The ABI a function follows when the caller does not say: System V for 64-bit code, i386 otherwise. */
export function defaultAbi(mode: number): Abi {
  return mode === 8 ? 'sysv' : 'i386';
}

const abiName: Record<Abi, string> = { sysv: 'the System V x86-64 ABI', ms: 'the Windows x64 ABI', i386: 'the i386 System V ABI' };

/** Checks one function. */
export function checkFunction(fn: AsmFunction, program: Program, options: CheckOptions): FunctionCheck {
  const findings: Finding[] = [];
  const zone = redZoneSize(options.abi, fn.mode);
  // How many instructions the replay reports (each once) at each entry-relative RSP, for the frame
  // size. RSP stays put over long runs, so a run is counted at once, when it ends.
  const frameCounts = new Map<number, number>();
  let runOffset = 0;
  let runLength = 0;
  let redZoneBytes = 0;
  let stackUnknown = false;
  // The instruction that set up the frame; its related location (which quotes its text) is made
  // only for a finding, since an object's instruction text is formatted only where it is read.
  let frameSetupInsn: Instruction | undefined;
  let frameSetup: RelatedLocation | undefined;
  let rspBefore: number | undefined;

  const add = (code: FindingCode, insn: Instruction, index: number, message: string, extra: Partial<Finding> = {}): void => {
    findings.push({
      code,
      severity: findingInfo(code)?.severity ?? 'warning',
      message,
      function: fn.name,
      line: insn.line,
      span: insn.span,
      kind: undefined,
      offset: undefined,
      size: undefined,
      kernelReason: options.kernel.reason,
      source: fn.sources[index],
      related: frameSetupInsn === undefined ? [] : [(frameSetup ??= { line: frameSetupInsn.line, span: frameSetupInsn.span, message: `the frame is set up here: \`${quoted(frameSetupInsn)}\`` })],
      ...extra,
    });
  };

  analyzeFlow(fn, program, options, {
    onBound(message) {
      // What was reported before the bound is a partial walk: the function is unchecked as a whole.
      findings.length = 0;
      stackUnknown = true;
      frameSetup = undefined;
      if (fn.insns.length > 0) add('stack-unknown', fn.insns[0]!, 0, `This function is not checked: ${message}.`);
    },
    onMismatch(index, note) {
      stackUnknown = true;
      const insn = fn.insns[index]!;
      add('stack-unknown', insn, index, `The stack pointer is unknown from here on: ${note}. Accesses after this point are not checked.`);
    },
    onInstruction(index, before, facts, ctx) {
      const insn = fn.insns[index]!;
      const rsp = before.regs[RSP];
      rspBefore = rsp?.kind === 'stack' ? rsp.off : undefined;
      if (rsp?.kind === 'stack' && rsp.anchor === 0) {
        if (runLength > 0 && rsp.off === runOffset) runLength++;
        else {
          if (runLength > 0) frameCounts.set(runOffset, (frameCounts.get(runOffset) ?? 0) + runLength);
          runOffset = rsp.off;
          runLength = 1;
        }
      }
      const first = facts.accessStart[index]!;
      const after = facts.accessStart[index + 1]!;
      if (after > first && !isBarrier(insn)) {
        for (let a = first; a < after; a++) {
          const below = checkAccess(insn, index, a - first, facts, a, before, ctx);
          if (below !== undefined) redZoneBytes = Math.max(redZoneBytes, below);
        }
      } else if (insn.unknown) {
        // An operand the parser could not read is not an access it can check: say so when it
        // goes through a stack address, rather than let a store below RSP pass unseen.
        const via = unreadStackRegister(insn, before);
        if (via !== undefined) {
          add('stack-unknown', insn, index, `This instruction was not understood, and a memory operand in it goes through %${via}, which holds a stack address here: whether it reaches below the stack pointer is not checked.`);
        }
      }
    },
    afterInstruction(index, after, lostReason) {
      const insn = fn.insns[index]!;
      const rsp = after.regs[RSP];
      if (frameSetupInsn === undefined && rspBefore !== undefined && rsp?.kind === 'stack' && rsp.off < rspBefore) frameSetupInsn = insn;
      if (lostReason !== undefined) {
        stackUnknown = true;
        add('stack-unknown', insn, index, `The stack pointer is unknown after this instruction: ${lostReason}. Accesses after this point are not checked.`);
      }
    },
  });

  /** Reports one access; returns how many bytes below RSP it reaches, if it is below. */
  function checkAccess(insn: Instruction, index: number, k: number, facts: FunctionFacts, a: number, before: State, ctx: TransferContext): number | undefined {
    const state = accessState(before, facts.accessRspMovedBy[a]!);
    const mem = facts.accessMem[a]!;
    const address = evaluateAddress(mem, state);
    if (address.kind !== 'stack') return undefined;
    const rel = offsetFromRsp(ctx.anchors, address.anchor, address.off, state.regs[RSP]);
    if (rel === undefined) return undefined;
    const access = facts.accessKind[a]!;
    const kind = access === AccessKind.Load ? 'load' : 'store';
    const stated = facts.accessSize[a]!;
    const size = stated < 0 ? undefined : stated;
    const where = describeAddress(address.via, rel.hi);
    // addq $1,-8(%rsp) reads the slot before it writes it: a read-modify-write of destroyed data is a read.
    const reads = access !== AccessKind.Store;
    if (reads) charge(state.clobbered.length);
    const clobber = reads && address.anchor === 0 ? state.clobbered.find((r) => r.from < address.off + (size ?? 1) && address.off < r.to) : undefined;
    if (clobber !== undefined) {
      const clobberInsn = lineText(fn, clobber.line);
      const related: RelatedLocation[] = [];
      const clobberLoc = locationOf(fn, clobber.line, `\`${clobberInsn}\` overwrites these bytes`);
      if (clobberLoc !== undefined) related.push(clobberLoc);
      const storeLoc = clobber.storeLine === undefined ? undefined : locationOf(fn, clobber.storeLine, 'the value was stored here, below the stack pointer');
      if (storeLoc !== undefined) related.push(storeLoc);
      const facts: ClobberFacts = { line: clobber.line, instruction: clobberInsn, where };
      add('red-zone-clobbered', insn, index, clobberedMessage(size, facts), { kind, offset: rel.hi, size, related, clobber: facts });
      return -rel.hi;
    }
    if (address.indexed) {
      // movaps %xmm0,(%r8,%rax) in a loop that starts with %rax = 0: the first iteration is a witness.
      const witness = ctx.witnesses.get(witnessKey(index, k));
      if (witness !== undefined && (witness.rel < -zone || (witness.rel < 0 && options.kernel.kernel))) {
        const at = `RSP${witness.rel}`;
        const when = `when %${witness.index} is ${witness.indexValue}`;
        if (witness.rel < -zone) {
          add('below-red-zone', insn, index, `${kind === 'store' ? 'Stores' : 'Loads'} ${bytes(size)} at ${at} ${when}, ${zone === 0 ? `below the stack pointer, and ${abiName[options.abi]} has no red zone` : `beyond the ${zone}-byte red zone of ${abiName[options.abi]}`}: a signal handler, an interrupt or the next call may overwrite it.`, { kind, offset: witness.rel, size });
        } else {
          add(kind === 'store' ? 'red-zone-store' : 'red-zone-load', insn, index,
            kind === 'store'
              ? `Stores ${bytes(size)} at ${at} ${when}, below the stack pointer; an interrupt on this stack can overwrite them before they are read.`
              : `Loads ${bytes(size)} from ${at} ${when}, below the stack pointer; an interrupt on this stack can have overwritten them since they were stored.`,
            { kind, offset: witness.rel, size });
        }
        return -witness.rel;
      }
      // mov -712(%rsp,%rax,8),%rdx: the element reached depends on an index the analysis does not know.
      if (rel.lo < 0 && (options.kernel.kernel || rel.lo < -zone)) {
        add('stack-unknown', insn, index,
          `Cannot tell whether this indexed ${kind} is below the stack pointer: its displacement points to ${where}, and the element it reaches depends on %${mem.index ?? 'index'}, whose value is not known.`,
          { kind, offset: undefined, size });
      }
      return undefined;
    }
    if (rel.hi < 0) {
      if (rel.hi < -zone) {
        add('below-red-zone', insn, index,
          `${kind === 'store' ? 'Stores' : 'Loads'} ${bytes(size)} at ${where}, ${zone === 0 ? `below the stack pointer, and ${abiName[options.abi]} has no red zone` : `beyond the ${zone}-byte red zone of ${abiName[options.abi]}`}: a signal handler, an interrupt or the next call may overwrite it.`,
          { kind, offset: rel.hi, size });
      } else if (options.kernel.kernel) {
        add(kind === 'store' ? 'red-zone-store' : 'red-zone-load', insn, index,
          kind === 'store'
            ? `Stores ${bytes(size)} at ${where}, below the stack pointer; an interrupt on this stack can overwrite them before they are read.`
            : `Loads ${bytes(size)} from ${where}, below the stack pointer; an interrupt on this stack can have overwritten them since they were stored.`,
          { kind, offset: rel.hi, size });
      }
      return -rel.hi;
    }
    if (rel.lo < 0 && (options.kernel.kernel || rel.lo < -zone)) {
      add('stack-unknown', insn, index,
        `Cannot tell whether this ${kind} at ${where} is below the stack pointer: after the realignment its distance to RSP is only known to lie in [${rel.lo}, ${rel.hi}].`,
        { kind, offset: undefined, size });
    }
    return undefined;
  }

  if (runLength > 0) frameCounts.set(runOffset, (frameCounts.get(runOffset) ?? 0) + runLength);
  const summary: FunctionSummary = {
    name: fn.name,
    startLine: fn.startLine,
    endLine: fn.endLine,
    span: { start: fn.insns[0]?.span.start ?? 0, end: fn.insns[fn.insns.length - 1]?.span.end ?? 0 },
    frameSize: stackUnknown ? undefined : bodyFrame(frameCounts),
    redZoneBytes,
    stackUnknown,
    findingCount: findings.length,
    source: fn.declaredAt ?? fn.sources.find((position) => position !== undefined),
  };
  return { findings, summary };
}

/**
 * The frame a function's body runs in: the RSP offset that most of its instructions see, the
 * deeper one on a tie. Two functions with the same prologue (`push %rbp; mov %rsp,%rbp`) get the
 * same frame whether or not the body later pushes for a moment (`pushfq; popq %rax`, the pushes
 * of a call's arguments), which the deepest RSP would count.
 */
function bodyFrame(counts: ReadonlyMap<number, number>): number {
  let best = 0;
  let bestCount = 0;
  // Map.forEach, not for-of with destructuring: no entry array per offset.
  counts.forEach((count, off) => {
    if (count > bestCount || (count === bestCount && off < best)) {
      best = off;
      bestCount = count;
    }
  });
  return -best;
}

/**
 * For an instruction the parser could not read: a register named inside one of its memory operands
 * (`(...)` in AT&T, `[...]` in Intel and NASM) that holds a stack address in `state`, or undefined.
 */
function unreadStackRegister(insn: Instruction, state: State): string | undefined {
  for (const operand of insn.text.matchAll(/[([]([^)\]]*)[)\]]/g)) {
    for (const word of operand[1]!.matchAll(/[A-Za-z][A-Za-z0-9]*/g)) {
      const name = word[0].toLowerCase();
      const ref = gpr(name);
      if (ref !== undefined && state.regs[ref.slot]?.kind === 'stack') return name;
    }
  }
  return undefined;
}

/** Linux's `smp_mb()`: `lock addl $0,-4(%rsp)`, a full barrier that keeps no value below RSP. */
function isBarrier(insn: Instruction): boolean {
  if (!insn.prefixes.includes('lock') || !hasFlag(insn.opcode, OpcodeFlag.LockedBarrier)) return false;
  const src = insn.operands[1];
  return src?.kind === 'imm' && src.value === 0;
}

/**
 * The message of a `red-zone-clobbered` finding. Its line is the line of the overwriting
 * instruction in the text the finding's own line counts in: `shiftFinding` calls this again when
 * a function's lines become whole-file lines.
 */
export function clobberedMessage(size: number | undefined, facts: ClobberFacts): string {
  return `Reads ${bytes(size)} at ${facts.where} that were stored below the stack pointer and then overwritten by \`${facts.instruction}\` (line ${facts.line + 1}): a call, push or pushf writes [RSP-8, RSP) itself, so the value read is not the value stored.`;
}

function bytes(size: number | undefined): string {
  return size === undefined ? 'data' : size === 1 ? '1 byte' : `${size} bytes`;
}

/** "RSP-20", or "RSP-20 (through %rbp)" when another register holds the stack address. */
function describeAddress(via: string, relative: number): string {
  const name = via.startsWith('e') ? 'ESP' : 'RSP';
  const rsp = `${name}${relative === 0 ? '' : relative > 0 ? `+${relative}` : relative}`;
  return via === 'rsp' || via === 'esp' ? rsp : `${rsp} (through %${via})`;
}

function lineText(fn: AsmFunction, line: number): string {
  const insn = fn.insns.find((i) => i.line === line);
  return insn === undefined ? `line ${line + 1}` : quoted(insn);
}

function locationOf(fn: AsmFunction, line: number, message: string): RelatedLocation | undefined {
  const index = fn.insns.findIndex((i) => i.line === line);
  if (index < 0) return undefined;
  const source = fn.sources[index];
  // The source position lets a C view put a clobber where it happens: on the `asm` statement.
  return source === undefined ? { line, span: fn.insns[index]!.span, message } : { line, span: fn.insns[index]!.span, message, source };
}
