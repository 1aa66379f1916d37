/**
 * Pieces shared by the DWARF readers: section lookup with relocations applied, initial lengths,
 * and the size of every attribute form, so unknown attributes can be skipped rather than guessed.
 */
import { Cursor, stringAt } from './bytes';
import { findSection, relocationsFor, type ElfFile, type ElfSection } from './elf';

/** A debug section's bytes plus, for relocatable objects, what its relocations patch in. */
export interface DebugSection {
  readonly section: ElfSection;
  readonly data: Uint8Array;
  /** Offset within the section -> relocated value (symbol value + addend). Empty in linked files. */
  readonly relocated: ReadonlyMap<number, number>;
  /** Offset within the section -> section index of the relocation's symbol. */
  readonly relocatedSection: ReadonlyMap<number, number>;
}

/** The named debug section with its relocations, or undefined when the file has none. */
export function debugSection(elf: ElfFile, name: string): DebugSection | undefined {
  const section = findSection(elf, name);
  if (!section) return undefined;
  const relocated = new Map<number, number>();
  const relocatedSection = new Map<number, number>();
  if (elf.type === 'relocatable') {
    for (const r of relocationsFor(elf, section.index)) {
      relocated.set(r.offset, r.symbolValue + r.addend);
      relocatedSection.set(r.offset, r.symbolSection);
    }
  }
  return { section, data: section.data, relocated, relocatedSection };
}

/** Reads an offset- or address-sized field at the cursor, applying a relocation found there. */
export function readRelocated(c: Cursor, size: number, sec: DebugSection | undefined): number {
  const at = c.pos;
  const raw = c.sized(size);
  const patched = sec?.relocated.get(at);
  return patched === undefined ? raw : patched;
}

/** A unit's initial length: the 32-bit form, or 0xffffffff followed by a 64-bit length (DWARF64). */
export function initialLength(c: Cursor): { length: number; offsetSize: 4 | 8 } {
  const short = c.u32();
  if (short === 0xffffffff) return { length: c.u64(), offsetSize: 8 };
  return { length: short, offsetSize: 4 };
}

/**
 * Calls `visit` for each unit of a DWARF section (`.debug_info` units, `.debug_line` programs) with
 * a cursor bounded to the unit, its offset and its offset size. A length past the section's end
 * stops the walk with a problem; each unit advances by at least its 4-byte length field, so the
 * walk ends within the section.
 */
export function forEachUnit(data: Uint8Array, what: string, problems: string[], visit: (c: Cursor, offset: number, offsetSize: 4 | 8) => void): void {
  let pos = 0;
  while (pos + 4 <= data.length) {
    const c = new Cursor(data, pos);
    const { length, offsetSize } = initialLength(c);
    const end = c.pos + length;
    if (length < 2 || end > data.length) {
      problems.push(`${what} at offset ${pos} has length ${length}, beyond the section's ${data.length} bytes; stopping`);
      break;
    }
    c.end = end;
    visit(c, pos, offsetSize);
    pos = end;
  }
}

/** Bytes of a unit read when its section is not in memory: a compile unit's header and first entry fit many times over. */
const UNIT_WINDOW = 16 * 1024;

/**
 * `forEachUnit` over a section that was not loaded (`ElfSection.loaded`: a linked file's
 * `.debug_info`, 174 MB in a Debian vmlinux, of which the readers need each unit's header and
 * first entry): each unit's length is read from the file, then its first 16 KiB, and the cursor
 * runs over those bytes, starting at the unit (its positions are relative to the unit, which is
 * right only where the section has no relocations to look up by position: linked files). A
 * length past the section's end stops the walk with a problem, as in `forEachUnit`.
 */
export function forEachUnitOnDisk(elf: ElfFile, section: ElfSection, what: string, problems: string[], visit: (c: Cursor, offset: number, offsetSize: 4 | 8) => void): void {
  let pos = 0;
  const size = section.size;
  while (pos + 4 <= size) {
    const head = elf.source.read(section.offset + pos, Math.min(12, size - pos));
    if (head === undefined) {
      problems.push(`${what} at offset ${pos} cannot be read from the file; stopping`);
      break;
    }
    const { length, offsetSize } = initialLength(new Cursor(head));
    const headerSize = offsetSize === 8 ? 12 : 4;
    const end = pos + headerSize + length;
    if (length < 2 || end > size) {
      problems.push(`${what} at offset ${pos} has length ${length}, beyond the section's ${size} bytes; stopping`);
      break;
    }
    const window = elf.source.read(section.offset + pos, Math.min(end - pos, UNIT_WINDOW + headerSize));
    if (window === undefined) {
      problems.push(`${what} at offset ${pos} cannot be read from the file; stopping`);
      break;
    }
    visit(new Cursor(window, headerSize), pos, offsetSize);
    pos = end;
  }
}

/** String sections an attribute or line header may point into. */
export interface StringSections {
  readonly str: Uint8Array | undefined;
  readonly lineStr: Uint8Array | undefined;
}

/** The string sections of `elf` (`.debug_str`, `.debug_line_str`). */
export function stringSections(elf: ElfFile): StringSections {
  return { str: findSection(elf, '.debug_str')?.data, lineStr: findSection(elf, '.debug_line_str')?.data };
}

/** Attribute forms (`DW_FORM_*`) this project names. */
export const FORM = {
  addr: 0x01, block2: 0x03, block4: 0x04, data2: 0x05, data4: 0x06, data8: 0x07, string: 0x08, block: 0x09,
  block1: 0x0a, data1: 0x0b, flag: 0x0c, sdata: 0x0d, strp: 0x0e, udata: 0x0f, ref_addr: 0x10, ref1: 0x11,
  ref2: 0x12, ref4: 0x13, ref8: 0x14, ref_udata: 0x15, indirect: 0x16, sec_offset: 0x17, exprloc: 0x18,
  flag_present: 0x19, strx: 0x1a, addrx: 0x1b, ref_sup4: 0x1c, strp_sup: 0x1d, data16: 0x1e, line_strp: 0x1f,
  ref_sig8: 0x20, implicit_const: 0x21, loclistx: 0x22, rnglistx: 0x23, ref_sup8: 0x24, strx1: 0x25,
  strx2: 0x26, strx3: 0x27, strx4: 0x28, addrx1: 0x29, addrx2: 0x2a, addrx3: 0x2b, addrx4: 0x2c,
  GNU_addr_index: 0x1f01, GNU_str_index: 0x1f02, GNU_ref_alt: 0x1f20, GNU_strp_alt: 0x1f21,
} as const;

/** The encoding context of one unit. */
export interface FormContext {
  readonly version: number;
  readonly addressSize: number;
  readonly offsetSize: 4 | 8;
}

/** An attribute value: a number, a string, or undefined for forms whose value is not needed. */
export type FormValue = { readonly kind: 'number'; readonly value: number } | { readonly kind: 'string'; readonly value: string } | { readonly kind: 'strx'; readonly index: number } | { readonly kind: 'other' };

/**
 * Reads one attribute value of `form`, or skips it; `sec` supplies relocations of the section being
 * read and `strings` resolves `strp`/`line_strp`. Returns undefined for an unknown form, after
 * which the rest of the entry cannot be decoded.
 */
export function readForm(c: Cursor, form: number, ctx: FormContext, sec: DebugSection | undefined, strings: StringSections, depth = 0): FormValue | undefined {
  const num = (value: number): FormValue => ({ kind: 'number', value });
  const skip = (n: number): FormValue => {
    c.skip(n);
    return { kind: 'other' };
  };
  // An offset into `.debug_str` or `.debug_line_str`; without the table, the offset is skipped.
  const tableString = (table: Uint8Array | undefined): FormValue => {
    const offset = readRelocated(c, ctx.offsetSize, sec);
    return { kind: 'string', value: table ? stringAt(table, offset) : '' };
  };
  switch (form) {
    case FORM.addr:
      return num(readRelocated(c, ctx.addressSize, sec));
    case FORM.data1:
    case FORM.ref1:
    case FORM.flag:
      return num(c.u8());
    case FORM.data2:
    case FORM.ref2:
      return num(c.u16());
    case FORM.data4:
    case FORM.ref4:
    case FORM.ref_sup4:
      return num(readRelocated(c, 4, sec));
    case FORM.data8:
    case FORM.ref8:
    case FORM.ref_sig8:
    case FORM.ref_sup8:
      return num(readRelocated(c, 8, sec));
    case FORM.data16:
      return skip(16);
    case FORM.sdata:
      return num(c.sleb());
    case FORM.udata:
    case FORM.ref_udata:
    case FORM.addrx:
    case FORM.loclistx:
    case FORM.rnglistx:
    case FORM.GNU_addr_index:
      return num(c.uleb());
    case FORM.string:
      return { kind: 'string', value: c.cstr() };
    case FORM.strp:
      return tableString(strings.str);
    case FORM.line_strp:
      return tableString(strings.lineStr);
    case FORM.sec_offset:
    case FORM.strp_sup:
    case FORM.GNU_ref_alt:
    case FORM.GNU_strp_alt:
      return num(readRelocated(c, ctx.offsetSize, sec));
    case FORM.ref_addr:
      return num(readRelocated(c, ctx.version <= 2 ? ctx.addressSize : ctx.offsetSize, sec));
    case FORM.block1:
      return skip(c.u8());
    case FORM.block2:
      return skip(c.u16());
    case FORM.block4:
      return skip(c.u32());
    case FORM.block:
    case FORM.exprloc:
      return skip(c.uleb());
    case FORM.flag_present:
    case FORM.implicit_const:
      return { kind: 'other' };
    case FORM.strx:
    case FORM.GNU_str_index:
      return { kind: 'strx', index: c.uleb() };
    case FORM.strx1:
      return { kind: 'strx', index: c.u8() };
    case FORM.strx2:
      return { kind: 'strx', index: c.u16() };
    case FORM.strx3:
      return { kind: 'strx', index: c.u16() + c.u8() * 0x10000 };
    case FORM.strx4:
      return { kind: 'strx', index: c.u32() };
    case FORM.addrx1:
      return num(c.u8());
    case FORM.addrx2:
      return num(c.u16());
    case FORM.addrx3:
      return num(c.u16() + c.u8() * 0x10000);
    case FORM.addrx4:
      return num(c.u32());
    case FORM.indirect: {
      // The real form follows inline; a chain of indirections is malformed beyond a few.
      const real = c.uleb();
      return depth < 4 ? readForm(c, real, ctx, sec, strings, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}
