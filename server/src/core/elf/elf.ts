/**
 * ELF reader for little-endian x86 files (ELF32 i386 and ELF64 x86-64): relocatable objects,
 * kernel modules, executables and shared objects.
 *
 * Everything is read eagerly and validated once in `readElf`, so the rest of the code can index
 * sections and symbols without re-checking: a section whose bytes lie outside the file keeps its
 * header but has empty data, with a problem recorded. `readElf` never throws; counts and offsets
 * are checked against the buffer before any loop uses them, so every loop is bounded by the size
 * of the file.
 *
 * A file need not be in memory: `readElfFrom` reads through an `ElfSource` (the host reads a file
 * descriptor at offsets) the headers, and then only the sections a caller keeps. A Debian vmlinux
 * is 633 MB, of which the object analysis reads about a third (code, symbols, the DWARF units and
 * lines); the rest (location lists, frame tables, relocations of debug sections) is never read.
 */
import { Cursor, failure, inBounds, stringAt, type ReadResult } from './bytes';
import { readRelocations, type ElfRelocation } from './relocations';

export type { ElfRelocation } from './relocations';

/** What kind of ELF file this is (`e_type`). */
export type ElfFileType = 'relocatable' | 'executable' | 'shared' | 'core' | 'other';
/** The processor (`e_machine`); only x86 is accepted. */
export type ElfMachine = 'x86-64' | 'i386';
/** A symbol's type (`STT_*`). Functions are `func` with a size. */
export type ElfSymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'gnu-ifunc' | 'other';
/** A symbol's binding (`STB_*`). */
export type ElfSymbolBinding = 'local' | 'global' | 'weak' | 'gnu-unique' | 'other';

/** Section header types this project cares about, by their `SHT_*` value. */
export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9, DYNSYM: 11, SYMTAB_SHNDX: 18 } as const;
/** Section flag bits (`SHF_*`). */
export const SHF = { WRITE: 1, ALLOC: 2, EXECINSTR: 4 } as const;
/** Special section indices in a symbol's `st_shndx`. */
export const SHN = { UNDEF: 0, LORESERVE: 0xff00, ABS: 0xfff1, COMMON: 0xfff2, XINDEX: 0xffff } as const;

/** One section header, with its name resolved and its bytes validated. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** Load address (0 in relocatable objects). */
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** The section's bytes (a view into the file); empty for `SHT_NOBITS`, when out of bounds, or when not `loaded`. */
  readonly data: Uint8Array;
  /** False when the reader was told to leave the section's bytes unread (`readElfFrom`); `data` is then empty. */
  readonly loaded: boolean;
  /** True when the section holds instructions (`SHF_EXECINSTR`). */
  readonly executable: boolean;
}

/** One symbol from `.symtab` or `.dynsym`. */
export interface ElfSymbol {
  /** Index within its table (relocations refer to symbols by this index). */
  readonly index: number;
  readonly name: string;
  /** Section offset in relocatable objects, address in executables and shared objects. */
  readonly value: number;
  readonly size: number;
  readonly type: ElfSymbolType;
  readonly binding: ElfSymbolBinding;
  /** `st_shndx`, with `SHN_XINDEX` already resolved through `.symtab_shndx`. */
  readonly sectionIndex: number;
  readonly table: 'symtab' | 'dynsym';
}

/** A parsed ELF file. */
export interface ElfFile {
  readonly bits: 32 | 64;
  readonly machine: ElfMachine;
  readonly type: ElfFileType;
  readonly entry: number;
  readonly sections: readonly ElfSection[];
  /** `.symtab` symbols (index 0, the null symbol, included so indices match relocations). */
  readonly symbols: readonly ElfSymbol[];
  /** `.dynsym` symbols, likewise including the null symbol. */
  readonly dynamicSymbols: readonly ElfSymbol[];
  /** Relocations by the index of the section they apply to, sorted by offset. */
  readonly relocations: ReadonlyMap<number, readonly ElfRelocation[]>;
  /** The size of the whole file in bytes (sections not loaded included). */
  readonly fileSize: number;
  /** Where the file's bytes come from, for readers that read parts of sections not loaded (`loaded: false`). */
  readonly source: ElfSource;
}

/**
 * Random access to a file's bytes. `read` returns the bytes at `[offset, offset + length)`, or
 * undefined when they cannot be read (the caller has checked the range against `size`); it must
 * not throw. The host reads a file descriptor; `arraySource` serves a buffer already in memory.
 */
export interface ElfSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array | undefined;
}

/** A section header as the file states it, before any of its bytes are read (for `readElfFrom`'s filter). */
export interface ElfSectionHeader {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly size: number;
  /** `sh_info`: for a relocation section, the index of the section it applies to. */
  readonly info: number;
}

/** Decides from the headers (all of them, for context) whether a section's bytes are read. */
export type SectionFilter = (header: ElfSectionHeader, headers: readonly ElfSectionHeader[], type: ElfFileType) => boolean;

/** A buffer already in memory as an `ElfSource`; reads are views, not copies. */
export function arraySource(bytes: Uint8Array): ElfSource {
  return { size: bytes.length, read: (offset, length) => (inBounds(offset, length, bytes.length) ? bytes.subarray(offset, offset + length) : undefined) };
}

const SYMBOL_TYPES: readonly ElfSymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const SYMBOL_BINDINGS: readonly ElfSymbolBinding[] = ['local', 'global', 'weak'];

/** True when `bytes` start with the ELF magic number. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Reads an ELF file. Never throws: malformed input gives `error`, recoverable damage `problems`. */
export function readElf(bytes: Uint8Array): ReadResult<ElfFile> {
  return readElfFrom(arraySource(bytes), () => true);
}

/**
 * Reads an ELF file through `source`: its header, its section headers and section names, and the
 * bytes of the sections `keep` accepts (string and symbol tables that kept sections need are the
 * caller's to keep). Sections left unread have empty `data` and `loaded: false`. Never throws.
 */
export function readElfFrom(source: ElfSource, keep: SectionFilter): ReadResult<ElfFile> {
  try {
    return readElfUnchecked(source, keep);
  } catch (error) {
    // A bug here must not take the host down; report it like any other malformed input.
    return failure(`internal error while reading ELF: ${String(error)}`);
  }
}

function readElfUnchecked(source: ElfSource, keep: SectionFilter): ReadResult<ElfFile> {
  const problems: string[] = [];
  const size = source.size;
  const bytes = source.read(0, Math.min(64, size)) ?? new Uint8Array(0);
  if (!isElf(bytes)) return failure('not an ELF file (bad magic number)');
  if (size < 52) return failure(`ELF header truncated: the file has only ${size} bytes`);
  const elfClass = bytes[4];
  if (elfClass !== 1 && elfClass !== 2) return failure(`unknown ELF class ${elfClass}`);
  const bits = elfClass === 1 ? 32 : 64;
  if (bytes[5] !== 1) return failure('big-endian ELF files are not x86 and are not supported');
  if (bits === 64 && size < 64) return failure(`ELF64 header truncated: the file has only ${size} bytes`);
  const c = new Cursor(bytes, 16);
  const eType = c.u16();
  const eMachine = c.u16();
  c.u32(); // e_version
  const entry = bits === 64 ? c.addr64() : c.u32();
  c.sized(bits === 64 ? 8 : 4); // e_phoff
  const shoff = bits === 64 ? c.u64() : c.u32();
  c.u32(); // e_flags
  c.u16(); // e_ehsize
  c.u16(); // e_phentsize
  c.u16(); // e_phnum
  const shentsize = c.u16();
  let shnum = c.u16();
  let shstrndx = c.u16();

  const machine: ElfMachine | undefined = eMachine === 62 ? 'x86-64' : eMachine === 3 ? 'i386' : undefined;
  if (!machine) return failure(`not an x86 ELF file (e_machine ${eMachine})`);
  if ((machine === 'x86-64') !== (bits === 64)) problems.push(`unusual ELF: ${machine} in an ELF${bits} file`);
  const type: ElfFileType = eType === 1 ? 'relocatable' : eType === 2 ? 'executable' : eType === 3 ? 'shared' : eType === 4 ? 'core' : 'other';

  const base = { bits, machine, type, entry, fileSize: size, source } as const;
  const empty = { ...base, sections: [], symbols: [], dynamicSymbols: [], relocations: new Map() };
  if (shoff === 0) {
    problems.push('the file has no section headers');
    return { value: empty, problems };
  }
  const minEntSize = bits === 64 ? 64 : 40;
  if (shentsize < minEntSize) return failure(`section header size ${shentsize} is smaller than ${minEntSize}`, problems);
  if (!inBounds(shoff, shentsize, size)) return failure(`section header table offset ${shoff} is outside the file (${size} bytes)`, problems);

  // Extended numbering: with 0xff00 or more sections the real count and string table index live
  // in section 0's sh_size and sh_link.
  const zero = readSectionHeader(source.read(shoff, shentsize) ?? new Uint8Array(0), 0, bits);
  if (shnum === 0) shnum = zero.size;
  if (shstrndx === SHN.XINDEX) shstrndx = zero.link;
  const maxHeaders = Math.floor((size - shoff) / shentsize);
  if (shnum > maxHeaders) {
    problems.push(`e_shnum says ${shnum} sections but only ${maxHeaders} headers fit in the file; reading those`);
    shnum = maxHeaders;
  }

  // The table is read at once: a hostile count is bounded by the file's size (`maxHeaders`).
  const table = source.read(shoff, shnum * shentsize);
  if (table === undefined) return failure(`cannot read the section header table (${shnum} headers at offset ${shoff})`, problems);
  const raw: RawSection[] = [];
  for (let i = 0; i < shnum; i++) raw.push(readSectionHeader(table, i * shentsize, bits));
  const names = shstrndx < raw.length ? sectionBytes(raw[shstrndx], source) : undefined;
  if (!names) problems.push(`section name string table index ${shstrndx} is invalid; sections are unnamed`);

  const headers: ElfSectionHeader[] = raw.map((h, index) => ({ index, name: names ? stringAt(names, h.name) : '', type: h.type, flags: h.flags, size: h.size, info: h.info }));
  const sections: ElfSection[] = raw.map((h, index) => {
    let data: Uint8Array = new Uint8Array(0);
    const loaded = keep(headers[index], headers, type);
    if (loaded && h.type !== SHT.NOBITS && h.type !== SHT.NULL) {
      const got = sectionBytes(h, source);
      if (got) data = got;
      else problems.push(`section ${index} (offset ${h.offset}, size ${h.size}) lies outside the file; its contents are ignored`);
    }
    return { ...h, index, name: headers[index].name, data, loaded, executable: (h.flags & SHF.EXECINSTR) !== 0 };
  });

  const shndxTables = new Map<number, Uint8Array>();
  for (const s of sections) if (s.type === SHT.SYMTAB_SHNDX) shndxTables.set(s.link, s.data);
  const readTable = (kind: number, table: 'symtab' | 'dynsym'): ElfSymbol[] => {
    const section = sections.find((s) => s.type === kind);
    return section ? readSymbols(section, sections, bits, table, shndxTables.get(section.index), problems) : [];
  };
  const symbols = readTable(SHT.SYMTAB, 'symtab');
  const dynamicSymbols = readTable(SHT.DYNSYM, 'dynsym');
  const relocations = readRelocations(sections, bits, machine, (link) => (sections[link]?.type === SHT.DYNSYM ? dynamicSymbols : symbols), problems);
  return { value: { ...base, sections, symbols, dynamicSymbols, relocations }, problems };
}

type RawSection = Omit<ElfSection, 'index' | 'name' | 'data' | 'loaded' | 'executable'> & { readonly name: number };

function readSectionHeader(bytes: Uint8Array, at: number, bits: 32 | 64): RawSection {
  const c = new Cursor(bytes, at);
  // The two layouts have the same fields in the same order; ELF64 widens the address-sized ones.
  const word = (): number => (bits === 64 ? c.u64() : c.u32());
  const name = c.u32();
  const type = c.u32();
  const flags = word();
  const addr = bits === 64 ? c.addr64() : c.u32();
  const offset = word();
  const size = word();
  const link = c.u32();
  const info = c.u32();
  const addralign = word();
  const entsize = word();
  return { name, type, flags, addr, offset, size, link, info, addralign, entsize };
}

function sectionBytes(h: RawSection, source: ElfSource): Uint8Array | undefined {
  if (h.type === SHT.NOBITS) return new Uint8Array(0);
  return inBounds(h.offset, h.size, source.size) ? source.read(h.offset, h.size) : undefined;
}

function readSymbols(
  section: ElfSection,
  sections: readonly ElfSection[],
  bits: 32 | 64,
  table: 'symtab' | 'dynsym',
  shndx: Uint8Array | undefined,
  problems: string[],
): ElfSymbol[] {
  const entsize = bits === 64 ? 24 : 16;
  if (section.entsize !== 0 && section.entsize !== entsize) {
    problems.push(`${section.name || table} has entry size ${section.entsize}, expected ${entsize}; symbols ignored`);
    return [];
  }
  const strings = sections[section.link]?.type === SHT.STRTAB ? sections[section.link].data : undefined;
  if (!strings) problems.push(`${section.name || table} links to ${section.link}, which is not a string table; symbols are unnamed`);
  // The count comes from the validated data length, never from a header field alone.
  const count = Math.floor(section.data.length / entsize);
  const shndxView = shndx ? new Cursor(shndx) : undefined;
  const out: ElfSymbol[] = [];
  const c = new Cursor(section.data);
  for (let index = 0; index < count; index++) {
    let nameOffset: number, value: number, size: number, info: number, sectionIndex: number;
    if (bits === 64) {
      nameOffset = c.u32();
      info = c.u8();
      c.u8(); // st_other
      sectionIndex = c.u16();
      value = c.addr64();
      size = c.u64();
    } else {
      nameOffset = c.u32();
      value = c.u32();
      size = c.u32();
      info = c.u8();
      c.u8();
      sectionIndex = c.u16();
    }
    if (sectionIndex === SHN.XINDEX && shndxView) {
      shndxView.pos = index * 4;
      sectionIndex = shndxView.u32();
    }
    const typeCode = info & 0xf;
    const bindCode = info >> 4;
    out.push({
      index,
      name: strings ? stringAt(strings, nameOffset) : '',
      value,
      size,
      type: typeCode === 10 ? 'gnu-ifunc' : (SYMBOL_TYPES[typeCode] ?? 'other'),
      binding: bindCode === 10 ? 'gnu-unique' : (SYMBOL_BINDINGS[bindCode] ?? 'other'),
      sectionIndex,
      table,
    });
  }
  return out;
}

/** The first section called `name`, or undefined. */
export function findSection(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** The bytes of the first section called `name`, or undefined when there is none. */
export function sectionData(elf: ElfFile, name: string): Uint8Array | undefined {
  return findSection(elf, name)?.data;
}

/**
 * Defined functions: `STT_FUNC` (and `STT_GNU_IFUNC`) symbols with a section, from `.symtab`, or from
 * `.dynsym` when the file is stripped. Sorted by section and value; aliases at the same place are
 * kept once (the global name is preferred).
 */
export function functionSymbols(elf: ElfFile): ElfSymbol[] {
  const table = elf.symbols.length > 0 ? elf.symbols : elf.dynamicSymbols;
  const funcs = table.filter(
    (s) => (s.type === 'func' || s.type === 'gnu-ifunc') && s.sectionIndex !== SHN.UNDEF && s.sectionIndex < SHN.LORESERVE && s.sectionIndex < elf.sections.length,
  );
  funcs.sort((a, b) => a.sectionIndex - b.sectionIndex || a.value - b.value || rank(a) - rank(b));
  const out: ElfSymbol[] = [];
  for (const f of funcs) {
    const last = out[out.length - 1];
    if (last && last.sectionIndex === f.sectionIndex && last.value === f.value) continue;
    out.push(f);
  }
  return out;
}

function rank(s: ElfSymbol): number {
  return s.binding === 'global' ? 0 : s.binding === 'weak' ? 1 : 2;
}

/** The relocations that apply to section `sectionIndex`, sorted by offset (empty when none). */
export function relocationsFor(elf: ElfFile, sectionIndex: number): readonly ElfRelocation[] {
  return elf.relocations.get(sectionIndex) ?? [];
}

/**
 * The first relocation whose offset lies in `[start, end)` of a sorted list, for example the
 * relocation inside one instruction's bytes (`call` with a zero displacement in a `.o`).
 */
export function relocationInRange(sorted: readonly ElfRelocation[], start: number, end: number): ElfRelocation | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid].offset < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo].offset < end ? sorted[lo] : undefined;
}
