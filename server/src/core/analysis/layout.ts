/**
 * The stack frame at one instruction, as `redzone-lint layout` prints it and the hover draws it:
 * the return address, saved registers, the slots the function accesses (locals above RSP,
 * red-zone slots below it, with the lines that write and read them), and the bytes an interrupt
 * frame would overwrite.
 */
import type { Abi, Finding, FrameLayout, FrameRow, KernelVerdict } from '../report';
import { redZoneSize } from './check';
import { analyzeFlow } from './flow';
import type { Program } from './program';
import { RBP, RSP, slotNames } from './registers';
import { cellOf, snapshot, type State, type Value, type WorkingState } from './state';
import { evaluateAddress } from './address';
import { AccessKind } from './semantics';
import { opcodeTransfer, Transfer } from '../x86/opcodes';

interface SlotUse {
  from: number;
  to: number;
  writtenAt: Set<number>;
  readAt: Set<number>;
}

/** What the layout needs to know about the file: the ABI, the verdict and the no-return functions. */
export interface LayoutContext {
  readonly abi: Abi;
  readonly kernel: KernelVerdict;
  readonly noReturn: ReadonlySet<string>;
}

/**
 * The frame at the instruction on `line` (0-based, within the program's text), or undefined when no
 * function holds it. `findings` are the findings the check reported on that line (after
 * `redzone-ignore`): the layout shows them, it does not check again.
 */
export function frameLayoutInProgram(program: Program, line: number, context: LayoutContext, findings: readonly Finding[]): FrameLayout | undefined {
  const fn = program.functions.find((f) => f.insns.some((insn) => insn.line === line));
  if (fn === undefined) return undefined;
  const index = fn.insns.findIndex((insn) => insn.line === line);
  const insn = fn.insns[index]!;
  const { abi, kernel, noReturn } = context;
  const width = fn.mode;

  let here: State | undefined;
  const uses = new Map<string, SlotUse>();
  const savedSlotLines = new Map<number, { writtenAt: number[]; readAt: number[] }>();
  analyzeFlow(fn, program, { abi, noReturn }, {
    focus: index,
    onInstruction(i, before, facts) {
      if (i === index) here = snapshot(before as WorkingState);
      const insn = fn.insns[i]!;
      const rsp = before.regs[RSP];
      // push %rbx writes the saved slot at RSP-8; pop %rbx reads it back.
      const transfer = opcodeTransfer[insn.opcode];
      if (rsp?.kind === 'stack' && rsp.anchor === 0 && (transfer === Transfer.Push || transfer === Transfer.Pop) && insn.operands[0]?.kind === 'reg') {
        const slot = transfer === Transfer.Push ? rsp.off - width : rsp.off;
        const lines = savedSlotLines.get(slot) ?? { writtenAt: [], readAt: [] };
        (transfer === Transfer.Push ? lines.writtenAt : lines.readAt).push(insn.line);
        savedSlotLines.set(slot, lines);
      }
      for (let a = facts.accessStart[i]!; a < facts.accessStart[i + 1]!; a++) {
        const address = evaluateAddress(facts.accessMem[a]!, before);
        if (address.kind !== 'stack' || address.anchor !== 0 || address.indexed) continue;
        const stated = facts.accessSize[a]!;
        const size = stated < 0 ? width : stated;
        const access = facts.accessKind[a]!;
        const key = `${address.off}:${size}`;
        const use = uses.get(key) ?? { from: address.off, to: address.off + size, writtenAt: new Set(), readAt: new Set() };
        uses.set(key, use);
        if (access !== AccessKind.Load) use.writtenAt.add(insn.line);
        if (access !== AccessKind.Store) use.readAt.add(insn.line);
      }
    },
  });
  const interruptFrame = width === 8 ? { from: -56, to: 0 } : { from: -16, to: 0 };
  const zone = redZoneSize(abi, width);
  const rsp: Value = here?.regs[RSP];
  const base = {
    function: fn.name, line, instruction: insn.text, interruptFrame, redZoneSize: zone, kernel, findings,
  };
  if (here === undefined || rsp?.kind !== 'stack' || rsp.anchor !== 0) {
    return {
      ...base, rspFromEntry: undefined, rbpFromRsp: undefined, rows: [],
      unknownReason: here === undefined ? 'this instruction is not reached from the function entry' : 'the stack pointer is not known here (see the stack-unknown finding)',
    };
  }
  const r = rsp.off;
  const rows: FrameRow[] = [{ from: -r, to: -r + width, kind: 'return-address', label: 'return address', writtenAt: [], readAt: [] }];
  const taken = new Set<number>([0]);
  for (const [key, value] of here.cells) {
    const { anchor, off } = cellOf(key);
    if (anchor !== 0 || off < r || value?.kind !== 'init' || value.slot === RSP) continue;
    taken.add(off);
    const lines = savedSlotLines.get(off);
    rows.push({ from: off - r, to: off - r + width, kind: 'saved-register', label: `saved %${slotNames[value.slot]}`, writtenAt: lines?.writtenAt ?? [], readAt: lines?.readAt ?? [] });
  }
  for (const use of uses.values()) {
    const existing = rows.find((row) => row.from === use.from - r && row.to === use.to - r);
    if (existing !== undefined && existing.kind !== 'return-address') {
      rows[rows.indexOf(existing)] = { ...existing, writtenAt: [...use.writtenAt], readAt: [...use.readAt] };
      continue;
    }
    if (taken.has(use.from) && use.to - use.from === width) continue;
    const kind = use.from >= width ? 'argument' : use.from < r ? 'red-zone' : 'local';
    const label = kind === 'argument' ? 'argument' : kind === 'red-zone' ? 'red zone' : 'local';
    rows.push({ from: use.from - r, to: use.to - r, kind, label, writtenAt: [...use.writtenAt].sort((a, b) => a - b), readAt: [...use.readAt].sort((a, b) => a - b) });
  }
  rows.sort((a, b) => b.from - a.from || b.to - a.to);
  const rbp = here.regs[RBP];
  return {
    ...base,
    rspFromEntry: r,
    rbpFromRsp: rbp?.kind === 'stack' && rbp.anchor === 0 ? rbp.off - r : undefined,
    rows,
    unknownReason: undefined,
  };
}
