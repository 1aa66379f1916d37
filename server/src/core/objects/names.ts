/**
 * How the object listing names code: branch targets by the function they land in (`foo+0x1a`), PLT
 * entries by the function they reach (`puts@plt`), and relocated operands by the relocation's
 * symbol, the way `objdump -dr` shows them. The analysis needs these names to know, for example,
 * that a call to `__stack_chk_fail` does not return.
 */
import { formatAddress, type ElfFile, type ElfRelocation } from '../elf/index';
import type { Instruction, Operand } from '../ir';
import type { DecodedSection, FunctionRange } from './listing';
import { withOperands } from './lower';

/**
 * objdump's `puts@plt` names for the PLT entries of a linked file: each entry jumps through a GOT
 * slot, and the `JUMP_SLOT` or `GLOB_DAT` relocation of that slot (type 7 or 6 on both x86-64 and
 * i386) names the function. Entries are 16 bytes, so the entry starts at the jump's 16-byte
 * boundary (`.plt.sec` entries begin with `endbr64`/`endbr32` before the jump). The jump reaches
 * its slot in one of three ways:
 * - x86-64: `jmp qword ptr [rip + X]`, the slot at the next instruction + X;
 * - i386 position-independent: `jmp dword ptr [ebx + X]`, the slot at X past `.got.plt`, which
 *   %ebx holds (`_GLOBAL_OFFSET_TABLE_`);
 * - i386 fixed-address: `jmp dword ptr [X]`, the slot at X.
 */
export function pltNames(elf: ElfFile, sections: readonly DecodedSection[]): Map<number, string> {
  const names = new Map<number, string>();
  if (elf.type === 'relocatable') return names;
  const slots = new Map<number, string>();
  for (const list of elf.relocations.values()) {
    for (const r of list) if ((r.type === 7 || r.type === 6) && r.symbolName !== '') slots.set(r.offset, r.symbolName);
  }
  if (slots.size === 0) return names;
  const got = elf.sections.find((section) => section.name === '.got.plt') ?? elf.sections.find((section) => section.name === '.got');
  for (const ds of sections) {
    if (!ds.section.name.startsWith('.plt')) continue;
    for (const raw of ds.decode(false)) {
      if (!/^(?:bnd )?jmp$/.test(raw.mnemonic)) continue;
      const slot = gotSlot(elf.machine, raw.opStr, raw.address + raw.length, got?.addr);
      const symbol = slot === undefined ? undefined : slots.get(slot);
      const entry = raw.address - ((raw.address - ds.section.addr) % 16);
      if (symbol !== undefined && !names.has(entry)) names.set(entry, `${symbol}@plt`);
    }
  }
  return names;
}

const ripSlot = /^qword ptr \[rip \+ (0x[0-9a-f]+|\d+)\]$/;
const ebxSlot = /^dword ptr \[ebx \+ (0x[0-9a-f]+|\d+)\]$/;
const fixedSlot = /^dword ptr \[(0x[0-9a-f]+|\d+)\]$/;

/** The GOT slot a PLT jump reads (see `pltNames`), or undefined for any other operand. */
function gotSlot(machine: ElfFile['machine'], operand: string, next: number, gotBase: number | undefined): number | undefined {
  if (machine === 'x86-64') {
    const match = ripSlot.exec(operand);
    return match ? next + Number(match[1]) : undefined;
  }
  const relative = ebxSlot.exec(operand);
  if (relative) return gotBase === undefined ? undefined : gotBase + Number(relative[1]);
  const fixed = fixedSlot.exec(operand);
  return fixed ? Number(fixed[1]) : undefined;
}

/** Names an address in one section objdump's way: `foo`, `foo+0x1a`, or undefined outside every function. */
export function symbolNamer(ranges: readonly FunctionRange[], base: number, plt?: ReadonlyMap<number, string>): (address: number) => string | undefined {
  return (address) => {
    const stub = plt?.get(address);
    if (stub !== undefined) return stub;
    const offset = address - base;
    let lo = 0;
    let hi = ranges.length - 1;
    let found: FunctionRange | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (ranges[mid].start <= offset) {
        found = ranges[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (!found || offset >= found.end) return undefined;
    const delta = offset - found.start;
    return delta === 0 ? found.symbol.name : `${found.symbol.name}+0x${delta.toString(16)}`;
  };
}

/** The objdump-style target text of a direct branch (`1139 <foo>`), or undefined for other instructions. */
export function branchTarget(insn: Instruction, names: (address: number) => string | undefined): string | undefined {
  const op = insn.operands[0];
  if (insn.operands.length !== 1 || op?.kind !== 'target' || op.address === undefined) return undefined;
  const name = names(op.address);
  const address = hexAddress(op.address, 64);
  return name === undefined ? address : `${address} <${name}>`;
}

/**
 * Applies a relocation inside an instruction, as the objdump parser does for `-r` lines: a branch
 * gets the relocation's symbol as its target, a RIP-relative operand gets it as its symbol, and a
 * zero immediate becomes unknown (it is an address the linker fills in).
 */
export function relocated(insn: Instruction, relocation: ElfRelocation, insnEnd: number, elf: ElfFile, ranges: Map<number, FunctionRange[]>): Instruction {
  let changed = false;
  const operands = insn.operands.map((op): Operand => {
    if (changed) return op;
    if (op.kind === 'target') {
      changed = true;
      return { kind: 'target', name: relocationTarget(relocation, insnEnd, elf, ranges), address: undefined };
    }
    if (op.kind === 'mem' && op.base === 'rip' && op.symbol === undefined) {
      changed = true;
      return { ...op, symbol: relocation.symbolName };
    }
    return op;
  });
  if (!changed) {
    const immIndex = operands.findIndex((op) => op.kind === 'imm' && op.value === 0);
    if (immIndex >= 0) operands[immIndex] = { kind: 'imm', value: undefined };
  }
  return withOperands(insn, operands);
}

/**
 * The name of what a PC-relative relocation in a branch points at. Against a named symbol that is
 * the symbol (`__stack_chk_fail`); against a section symbol (a call to a static function in
 * another section, such as `foo.cold` in `.text.unlikely`) it is the function at
 * `addend + (end of instruction - relocation offset)` in that section.
 */
function relocationTarget(relocation: ElfRelocation, insnEnd: number, elf: ElfFile, ranges: Map<number, FunctionRange[]>): string {
  const symbol = elf.symbols[relocation.symbolIndex];
  const delta = relocation.addend + (insnEnd - relocation.offset);
  if (symbol?.type === 'section') {
    const name = symbolNamer(ranges.get(relocation.symbolSection) ?? [], 0)(relocation.symbolValue + delta);
    if (name !== undefined) return name;
    return `${relocation.symbolName}+0x${(relocation.symbolValue + delta).toString(16)}`;
  }
  if (delta === 0 || relocation.symbolName === '') return relocation.symbolName;
  return `${relocation.symbolName}${delta < 0 ? '-' : '+'}0x${Math.abs(delta).toString(16)}`;
}

/** `__stack_chk_fail-0x4` as objdump prints a relocation's symbol and addend. */
export function relocationText(relocation: ElfRelocation): string {
  const addend = relocation.addend;
  if (addend === 0) return relocation.symbolName;
  return `${relocation.symbolName}${addend < 0 ? '-' : '+'}0x${Math.abs(addend).toString(16)}`;
}

/** `formatAddress` without its BigInt round trip for the usual non-negative addresses. */
export function hexAddress(address: number, bits: 32 | 64): string {
  return address >= 0 && address <= Number.MAX_SAFE_INTEGER ? address.toString(16) : formatAddress(address, bits);
}
