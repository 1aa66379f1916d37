/**
 * Relocation tables (`.rela.*` on x86-64, `.rel.*` on i386), grouped by the section they patch.
 *
 * In a relocatable object a `call` to another function is `e8 00 00 00 00` plus a relocation
 * naming the callee, and DWARF addresses are 0 plus a relocation against a section symbol. This
 * module turns the tables into plain records so that both can be resolved by offset.
 */
import { Cursor } from './bytes';
import type { ElfMachine, ElfSection, ElfSymbol } from './elf';

/** One relocation entry, with its symbol resolved. */
export interface ElfRelocation {
  /** Offset within the patched section (relocatable objects) or address (linked files). */
  readonly offset: number;
  /** The `R_X86_64_*` or `R_386_*` number. */
  readonly type: number;
  /** The type's name, such as `R_X86_64_PLT32`, or `type N` when not one this reader names. */
  readonly typeName: string;
  readonly symbolIndex: number;
  /** The symbol's name; for a section symbol, the name of that section (like `readelf -r`). */
  readonly symbolName: string;
  /** The symbol's section index (`st_shndx`), or 0 when there is no symbol. */
  readonly symbolSection: number;
  /** The symbol's value (its offset in its section, for relocatable objects). */
  readonly symbolValue: number;
  /** Explicit addend (`.rela`), or the implicit one read from the patched bytes (`.rel`). */
  readonly addend: number;
}

const X86_64_NAMES: Record<number, string> = {
  0: 'R_X86_64_NONE', 1: 'R_X86_64_64', 2: 'R_X86_64_PC32', 3: 'R_X86_64_GOT32', 4: 'R_X86_64_PLT32',
  5: 'R_X86_64_COPY', 6: 'R_X86_64_GLOB_DAT', 7: 'R_X86_64_JUMP_SLOT', 8: 'R_X86_64_RELATIVE',
  9: 'R_X86_64_GOTPCREL', 10: 'R_X86_64_32', 11: 'R_X86_64_32S', 12: 'R_X86_64_16', 13: 'R_X86_64_PC16',
  14: 'R_X86_64_8', 15: 'R_X86_64_PC8', 16: 'R_X86_64_DTPMOD64', 17: 'R_X86_64_DTPOFF64',
  18: 'R_X86_64_TPOFF64', 19: 'R_X86_64_TLSGD', 20: 'R_X86_64_TLSLD', 21: 'R_X86_64_DTPOFF32',
  22: 'R_X86_64_GOTTPOFF', 23: 'R_X86_64_TPOFF32', 24: 'R_X86_64_PC64', 25: 'R_X86_64_GOTOFF64',
  26: 'R_X86_64_GOTPC32', 37: 'R_X86_64_IRELATIVE', 41: 'R_X86_64_GOTPCRELX', 42: 'R_X86_64_REX_GOTPCRELX',
};
const I386_NAMES: Record<number, string> = {
  0: 'R_386_NONE', 1: 'R_386_32', 2: 'R_386_PC32', 3: 'R_386_GOT32', 4: 'R_386_PLT32', 5: 'R_386_COPY',
  6: 'R_386_GLOB_DAT', 7: 'R_386_JMP_SLOT', 8: 'R_386_RELATIVE', 9: 'R_386_GOTOFF', 10: 'R_386_GOTPC',
  11: 'R_386_32PLT', 20: 'R_386_16', 21: 'R_386_PC16', 22: 'R_386_8', 23: 'R_386_PC8', 43: 'R_386_GOT32X',
};
/** i386 types whose implicit addend is the 32-bit word at the patched offset. */
const I386_WORD_TYPES = new Set([1, 2, 3, 4, 9, 10, 11, 43]);

/**
 * Reads every `SHT_RELA`/`SHT_REL` section. `symbolsFor(link)` returns the symbol table a
 * relocation section links to. Entry counts come from the validated section data length.
 */
export function readRelocations(
  sections: readonly ElfSection[],
  bits: 32 | 64,
  machine: ElfMachine,
  symbolsFor: (link: number) => readonly ElfSymbol[],
  problems: string[],
): Map<number, ElfRelocation[]> {
  const byTarget = new Map<number, ElfRelocation[]>();
  const names = machine === 'x86-64' ? X86_64_NAMES : I386_NAMES;
  for (const section of sections) {
    const rela = section.type === 4;
    if (!rela && section.type !== 9) continue;
    const entsize = bits === 64 ? (rela ? 24 : 16) : rela ? 12 : 8;
    if (section.entsize !== 0 && section.entsize !== entsize) {
      problems.push(`${section.name} has entry size ${section.entsize}, expected ${entsize}; its relocations are ignored`);
      continue;
    }
    const symbols = symbolsFor(section.link);
    const target = sections[section.info];
    const list = byTarget.get(section.info) ?? [];
    const count = Math.floor(section.data.length / entsize);
    const c = new Cursor(section.data);
    let badSymbols = 0;
    for (let i = 0; i < count; i++) {
      let offset: number, type: number, symbolIndex: number, addend = 0;
      if (bits === 64) {
        offset = c.addr64();
        const info = c.u64big();
        symbolIndex = Number(info >> 32n);
        type = Number(info & 0xffffffffn);
        if (rela) addend = c.i64();
      } else {
        offset = c.u32();
        const info = c.u32();
        symbolIndex = info >>> 8;
        type = info & 0xff;
        if (rela) addend = c.i32();
      }
      if (!rela && target && I386_WORD_TYPES.has(type) && bits === 32) addend = implicitAddend(target.data, offset);
      const symbol = symbolIndex < symbols.length ? symbols[symbolIndex] : undefined;
      if (symbolIndex !== 0 && !symbol) badSymbols++;
      let symbolName = symbol?.name ?? '';
      if (symbol && symbol.type === 'section' && symbolName === '') symbolName = sections[symbol.sectionIndex]?.name ?? '';
      list.push({
        offset,
        type,
        typeName: names[type] ?? `type ${type}`,
        symbolIndex,
        symbolName,
        symbolSection: symbol?.sectionIndex ?? 0,
        symbolValue: symbol?.value ?? 0,
        addend,
      });
    }
    if (badSymbols > 0) problems.push(`${section.name}: ${badSymbols} relocations name symbols that do not exist`);
    byTarget.set(section.info, list);
  }
  for (const list of byTarget.values()) list.sort((a, b) => a.offset - b.offset);
  return byTarget;
}

function implicitAddend(data: Uint8Array, offset: number): number {
  if (!(offset >= 0) || offset + 4 > data.length) return 0;
  return new Cursor(data, offset).i32();
}
