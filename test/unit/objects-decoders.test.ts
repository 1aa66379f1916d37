/**
 * Two decoders, one truth. The analysis decodes objects with iced-x86 and people read capstone's
 * text; both must say the same thing about every instruction. Every instruction of real objects
 * (a sample of the Debian kernel modules and libc.a here; all 310 modules and all of libc.a with
 * REDZONE_DECODERS_FULL=1) is decoded by both:
 * - the two sweeps cut the code at the same places (same addresses and lengths);
 * - iced's IR statement equals the IR the Intel parser reads from capstone's text (mnemonic,
 *   prefixes, operands: registers, immediates, branch targets, and memory operands with base,
 *   index, scale, displacement, segment and size), or iced defers to capstone for a known reason.
 * Disagreements are counted by kind and printed; the known ones are listed with why.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { isArchive, isElf, readArchive, readElf, type DecodedInstruction, type RawInstruction } from '../../server/src/core/elf/index';
import type { Instruction } from '../../server/src/core/ir';
import { decodeUnit } from '../../server/src/core/objects/listing';
import { lower, lowerDecoded } from '../../server/src/core/objects/lower';
import { createObjectDecoders, type ObjectDecoders } from '../../server/src/host/decoders';
import { icedModule } from '../../server/src/host/iced';
import { AccessKind, Flow } from '../../server/src/core/analysis/semantics';
import { instructionFacts } from '../../server/src/core/analysis/facts';
import { step, type TransferContext } from '../../server/src/core/analysis/transfer';
import { entryState, workingCopy } from '../../server/src/core/analysis/state';
import { gpr, RSP } from '../../server/src/core/analysis/registers';
import { LIBC_A, kernelModules } from '../fixtures/objects/real-objects.mjs';
import { root } from '../cli/run-cli';

let decoders: ObjectDecoders;
before(async () => {
  decoders = await createObjectDecoders();
});
after(() => decoders.close());

const FULL = process.env.REDZONE_DECODERS_FULL === '1';

const shape = (insn: Instruction) => ({ mnemonic: insn.mnemonic, prefixes: [...insn.prefixes], operands: insn.operands, unknown: insn.unknown, address: insn.address, length: insn.length });

export interface Comparison {
  compared: number;
  deferred: Map<string, number>;
  disagreements: Map<string, { count: number; example: string }>;
}

/** Decodes every executable section of `bytes` with both decoders and compares them. */
export function compareUnit(name: string, bytes: Uint8Array, into: Comparison): void {
  const elf = readElf(bytes).value;
  assert.ok(elf, name);
  const unit = decodeUnit(elf, name, decoders);
  for (const ds of unit.sections) {
    const texts = ds.decode(true);
    const icedAll: DecodedInstruction[] = [];
    for (const piece of ds.decodedPieces!()) icedAll.push(...piece);
    const byAddress = new Map<number, RawInstruction>();
    for (const raw of texts) byAddress.set(raw.address, raw);
    for (const d of icedAll) {
      const raw = byAddress.get(d.address);
      const note = (kind: string, example: string) => {
        const entry = into.disagreements.get(kind) ?? { count: 0, example: `${name} ${ds.section.name}+0x${(d.address - ds.base).toString(16)}: ${example}` };
        entry.count++;
        into.disagreements.set(kind, entry);
      };
      if (raw === undefined) {
        note('boundary: iced starts an instruction inside one of capstone\'s', `length ${d.length}`);
        continue;
      }
      if (raw.length !== d.length) {
        note(`length: ${raw.mnemonic}`, `capstone ${raw.length} bytes \`${raw.text}\`, iced ${d.length}`);
        continue;
      }
      if (d.fallback !== undefined) {
        const why = raw.mnemonic === '.byte' ? '.byte' : raw.mnemonic;
        into.deferred.set(why, (into.deferred.get(why) ?? 0) + 1);
        continue;
      }
      into.compared++;
      const mode = unit.mode;
      const fromCapstone = shape(lower(raw, 1, mode));
      const fromIced = shape(lowerDecoded(d, 1, mode, () => ''));
      try {
        assert.deepEqual(fromIced, fromCapstone);
      } catch {
        const field = (['mnemonic', 'prefixes', 'operands', 'unknown'] as const).find((k) => JSON.stringify(fromIced[k]) !== JSON.stringify(fromCapstone[k]));
        note(`${field}: ${raw.mnemonic}`, `\`${raw.text}\` capstone ${JSON.stringify(fromCapstone[field!])} iced ${JSON.stringify(fromIced[field!])}`);
      }
    }
  }
}

/** i386 code, decoded in 32-bit mode, from clang's runtime archives when installed. */
const I386_ARCHIVES = ['builtins', 'asan'].map((name) => `/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.${name}-i386.a`);

function units(): { name: string; bytes: Uint8Array }[] {
  const found: { name: string; bytes: Uint8Array }[] = kernelModules({ root, count: 310 })
    .filter((_, i) => FULL || i % 31 === 0)
    .map((path) => ({ name: path, bytes: new Uint8Array(readFileSync(path)) }));
  for (const archive of [LIBC_A, ...I386_ARCHIVES.filter((path) => existsSync(path))]) {
    const bytes = new Uint8Array(readFileSync(archive));
    assert.ok(isArchive(bytes));
    const members = (readArchive(bytes).value ?? []).filter((member) => isElf(member.data));
    members.forEach((member, i) => {
      if (FULL || i % 20 === 0) found.push({ name: `${archive}(${member.name})`, bytes: member.data });
    });
  }
  return found;
}

test('real objects: iced-x86 and capstone cut the code alike and give the same IR', { skip: !existsSync(LIBC_A) && 'libc6-dev is not installed' }, () => {
  const result: Comparison = { compared: 0, deferred: new Map(), disagreements: new Map() };
  for (const { name, bytes } of units()) compareUnit(name, bytes, result);
  const total = [...result.disagreements.values()].reduce((a, b) => a + b.count, 0);
  const report = [...result.disagreements].sort((a, b) => b[1].count - a[1].count).map(([kind, { count, example }]) => `${count}\t${kind}\t${example}`);
  console.log(`compared ${result.compared}, deferred ${[...result.deferred.values()].reduce((a, b) => a + b, 0)} (${[...result.deferred].map(([k, v]) => `${k} ${v}`).join(', ')}), disagreements ${total}`);
  for (const line of report.slice(0, 60)) console.log(line);
  assert.equal(total, 0, report.slice(0, 20).join('\n'));
});

/*
 * iced-x86's own statement of each instruction (its InstructionInfo: how each explicit memory
 * operand is accessed; `stackPointerIncrement`; `flowControl`) against the engine's x86 semantics
 * (the instruction's facts and the transfer `step`). The known differences, each a difference of what the two
 * describe rather than of the instruction, are listed in KNOWN with why; any other is a failure.
 */
const FLOWS: Record<string, readonly number[]> = {
  Next: [Flow.Next],
  UnconditionalBranch: [Flow.Jump],
  IndirectBranch: [Flow.IndirectJump],
  ConditionalBranch: [Flow.Branch],
  Return: [Flow.Return],
  Call: [Flow.Call],
  IndirectCall: [Flow.IndirectCall],
  Interrupt: [Flow.Next],
  XbeginXabortXend: [Flow.Next, Flow.Branch],
  Exception: [Flow.Stop],
};
const flowName = (flow: number): string => Object.entries(Flow).find(([, value]) => value === flow)?.[0] ?? `${flow}`;
const accessKindName = (kind: number | undefined): 'load' | 'store' | 'both' | 'none' => (kind === AccessKind.Load ? 'load' : kind === AccessKind.Store ? 'store' : kind === AccessKind.Both ? 'both' : 'none');

/** Differences of description, by `kind: mnemonic`, and why they are not disagreements about the instruction. */
const KNOWN: Record<string, string> = {
  'flow: syscall': 'iced calls `syscall` a call (control enters the kernel and comes back after it); for the function\'s stack it falls through, as the engine says, with the registers it writes (rax, rcx, r11)',
  'flow: vmcall': 'a hypercall (Intel): iced calls it a call into the hypervisor, which returns after it; for the function it falls through',
  'flow: vmmcall': 'a hypercall (AMD): as vmcall',
  'memory access: clflush': 'iced counts flushing the cache line as reading it; no value is read or written, so no data below RSP is used (the engine gives it no access)',
  'memory access: clflushopt': 'as clflush',
  'memory access: clwb': 'as clflush',
  'memory access: xsave': 'iced marks the save area read and written (the header is read); the engine calls it a store, and the red-zone check reports a store either way',
  'memory access: xsaveopt': 'as xsave',
  'memory access: xsavec': 'as xsave',
};

function accessName(access: number): 'load' | 'store' | 'both' | 'none' {
  // iced OpAccess: None 0, Read 1, CondRead 2, Write 3, CondWrite 4, ReadWrite 5, ReadCondWrite 6, NoMemAccess 7.
  return access === 1 || access === 2 ? 'load' : access === 3 || access === 4 ? 'store' : access === 5 || access === 6 ? 'both' : 'none';
}

/** Compares iced's instruction info with the engine's semantics on every instruction iced states itself. */
function compareSemantics(name: string, bytes: Uint8Array, into: Map<string, { count: number; example: string }>): number {
  const iced = icedModule();
  const elf = readElf(bytes).value;
  assert.ok(elf, name);
  const unit = decodeUnit(elf, name, decoders);
  const factory = new iced.InstructionInfoFactory();
  const icedInsn = new iced.Instruction();
  let compared = 0;
  try {
    for (const ds of unit.sections) {
      const mode = unit.mode;
      const decoder = new iced.Decoder(mode, ds.section.data, iced.DecoderOptions.None);
      try {
        for (const piece of ds.decodedPieces!()) for (const d of piece) {
          if (d.fallback !== undefined) continue;
          const offset = d.address - ds.base;
          decoder.position = offset;
          decoder.ip = BigInt(d.address);
          decoder.decodeOut(icedInsn);
          const insn = lowerDecoded(d, 1, mode, () => '');
          if (insn.unknown) continue;
          compared++;
          const note = (kind: string, example: string) => {
            const key = `${kind}: ${insn.mnemonic}`;
            const entry = into.get(key) ?? { count: 0, example: `${name} ${ds.section.name}+0x${offset.toString(16)}: ${icedInsn.toString()}: ${example}` };
            entry.count++;
            into.set(key, entry);
          };
          const facts = instructionFacts(insn, mode === 64 ? 8 : 4);
          const effectFlow = facts.flow[0]!;
          const info = factory.info(icedInsn);
          try {
            for (let i = 0; i < insn.operands.length; i++) {
              const op = insn.operands[i]!;
              if (op.kind !== 'mem') continue;
              let ours: 'load' | 'store' | 'both' | 'none' = 'none';
              for (let a = facts.accessStart[0]!; a < facts.accessStart[1]! && ours === 'none'; a++) if (facts.accessMem[a] === op) ours = accessKindName(facts.accessKind[a]);
              const theirs = accessName(info.opAccess(i));
              if (ours !== theirs) note('memory access', `engine ${ours}, iced ${theirs}`);
            }
          } finally {
            info.free();
          }
          const flow = iced.FlowControl[icedInsn.flowControl] as string;
          if (!(FLOWS[flow] ?? []).includes(effectFlow)) note('flow', `engine ${flowName(effectFlow)}, iced ${flow}`);
          // The stack pointer: iced's increment of a push or pop, against the transfer's RSP after it.
          if (effectFlow === Flow.Return || insn.mnemonic === 'leave' || (facts.writes[0]! & (1 << RSP)) !== 0 || insn.operands.some((op) => op.kind === 'reg' && gpr(op.reg)?.slot === RSP)) continue;
          const state = workingCopy(entryState());
          const ctx: TransferContext = { mode: mode === 64 ? 8 : 4, abi: 'sysv', anchors: [], anchorIds: new Map(), witnesses: new Map(), pushedCells: new Set(), storedCells: new Set() };
          step(state, insn, facts, 0, ctx);
          const rsp = state.regs[RSP];
          const ourDelta = rsp?.kind === 'stack' && rsp.anchor === 0 ? rsp.off : 'unknown';
          // A call's return address is popped by the callee's `ret`: the engine steps over the call.
          const icedDelta = effectFlow === Flow.Call || effectFlow === Flow.IndirectCall ? icedInsn.stackPointerIncrement + (mode === 64 ? 8 : 4) : icedInsn.stackPointerIncrement;
          if (ourDelta !== icedDelta) note('stack pointer', `engine ${ourDelta}, iced ${icedDelta}`);
        }
      } finally {
        decoder.free();
      }
    }
  } finally {
    factory.free();
    icedInsn.free();
  }
  return compared;
}

test('real objects: iced-x86\'s instruction info agrees with the engine\'s x86 semantics', { skip: !existsSync(LIBC_A) && 'libc6-dev is not installed' }, () => {
  const found = new Map<string, { count: number; example: string }>();
  let compared = 0;
  for (const { name, bytes } of units()) compared += compareSemantics(name, bytes, found);
  const unexplained = [...found].filter(([kind]) => !(kind in KNOWN));
  const count = (list: [string, { count: number }][]) => list.reduce((a, [, b]) => a + b.count, 0);
  const report = [...found].sort((a, b) => b[1].count - a[1].count).map(([kind, { count, example }]) => `${count}\t${kind}${kind in KNOWN ? ' (known)' : ''}\t${example}`);
  console.log(`compared ${compared}, differences ${count([...found])}, of them known ${count([...found].filter(([kind]) => kind in KNOWN))}`);
  for (const line of report.slice(0, 80)) console.log(line);
  assert.ok(compared > 20_000, `${compared} instructions compared`);
  assert.equal(count(unexplained), 0, report.filter((line) => !line.includes('(known)')).slice(0, 20).join('\n'));
});
