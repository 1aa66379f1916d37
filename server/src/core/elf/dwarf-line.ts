/**
 * DWARF `.debug_line` reader, versions 2 to 5: decodes each line program into sequences of rows
 * (address, source file, line, column), the same rows `objdump --dwarf=decodedline` prints.
 *
 * In a relocatable object every `DW_LNE_set_address` operand is 0 plus a relocation against the
 * text section's symbol (with `-ffunction-sections`, one `.text.foo` section per function). The
 * relocation is applied here, so addresses are offsets within that section, and each sequence
 * records the section index it belongs to. In linked files the section is found by address.
 *
 * Never throws; every loop consumes input bytes on each iteration, so it ends within the section.
 */
import { Cursor, failure, type ReadResult } from './bytes';
import { debugSection, forEachUnit, readForm, readRelocated, stringSections, type DebugSection, type FormContext, type StringSections } from './dwarf-common';
import { readCompileUnits } from './dwarf-info';
import type { ElfFile } from './elf';

export { readCompileUnits, type CompileUnitInfo } from './dwarf-info';

/** One row of the line table. */
export interface LineRow {
  readonly address: number;
  /** The source path: directory joined with file name where the table gives a directory. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly isStmt: boolean;
  /** True for the row that ends a sequence (its address is one past the sequence's last byte). */
  readonly endSequence: boolean;
}

/** A contiguous run of rows ending with an end-of-sequence row. */
export interface LineSequence {
  /** The section the addresses belong to (from the relocation in objects, by address in linked files). */
  readonly sectionIndex: number | undefined;
  readonly rows: readonly LineRow[];
}

/** A source position found for an address. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const LNCT_path = 1;
const LNCT_directory_index = 2;

/** Decodes every line program in `.debug_line`. A file without it gives an empty list. */
export function readDebugLines(elf: ElfFile): ReadResult<LineSequence[]> {
  try {
    const sec = debugSection(elf, '.debug_line');
    if (!sec) return { value: [], problems: [] };
    const problems: string[] = [];
    const units = readCompileUnits(elf);
    const compDirs = new Map<number, string>();
    for (const u of units.value ?? []) if (u.stmtList !== undefined && u.compDir) compDirs.set(u.stmtList, u.compDir);
    const strings = stringSections(elf);
    const sequences: LineSequence[] = [];
    const data = sec.data;
    forEachUnit(data, '.debug_line program', problems, (c, pos, offsetSize) => {
      readProgram(c, pos, offsetSize, sec, strings, compDirs.get(pos), elf, sequences, problems);
    });
    return { value: sequences, problems };
  } catch (error) {
    return failure(`internal error while reading .debug_line: ${String(error)}`);
  }
}

interface FileEntry {
  readonly name: string;
  readonly dir: number;
}

function readProgram(
  c: Cursor,
  unitOffset: number,
  offsetSize: 4 | 8,
  sec: DebugSection,
  strings: StringSections,
  compDir: string | undefined,
  elf: ElfFile,
  out: LineSequence[],
  problems: string[],
): void {
  const where = `.debug_line program at offset ${unitOffset}`;
  const version = c.u16();
  if (version < 2 || version > 5) {
    problems.push(`${where} has unsupported version ${version}; skipped`);
    return;
  }
  let addressSize = elf.bits === 64 ? 8 : 4;
  if (version >= 5) {
    addressSize = c.u8();
    c.u8(); // segment selector size
  }
  const headerLength = c.sized(offsetSize);
  const programStart = c.pos + headerLength;
  const minInstLength = c.u8();
  if (version >= 4) c.u8(); // maximum operations per instruction: 1 on x86 (VLIW only)
  const defaultIsStmt = c.u8() !== 0;
  const lineBase = c.i8();
  const lineRange = c.u8();
  const opcodeBase = c.u8();
  const opcodeLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) opcodeLengths.push(c.u8());
  if (c.overrun || lineRange === 0 || programStart > c.end) {
    problems.push(`${where} has a damaged header; skipped`);
    return;
  }
  const ctx: FormContext = { version, addressSize, offsetSize };
  const dirs: string[] = [];
  const files: FileEntry[] = [];
  if (version >= 5) {
    if (!readEntriesV5(c, ctx, sec, strings, (path) => dirs.push(path))) return void problems.push(`${where}: directory table is damaged; skipped`);
    if (!readEntriesV5(c, ctx, sec, strings, (name, dir) => files.push({ name, dir }))) return void problems.push(`${where}: file table is damaged; skipped`);
  } else {
    // Directory 0 is the compilation directory, which is not in the table before DWARF 5.
    dirs.push(compDir ?? '');
    for (let dir = c.cstr(); dir !== '' && !c.overrun; dir = c.cstr()) dirs.push(dir);
    files.push({ name: '', dir: 0 }); // file numbers start at 1 before DWARF 5
    for (let name = c.cstr(); name !== '' && !c.overrun; name = c.cstr()) {
      const dir = c.uleb();
      c.uleb(); // modification time
      c.uleb(); // length
      files.push({ name, dir });
    }
  }
  // Other directories are relative to the compilation directory when they are not absolute: gcc
  // run in the parent of `ws/` writes directory 1 as `ws`, which alone names no file on disk.
  const base = dirs[0] !== undefined && dirs[0].startsWith('/') ? dirs[0] : compDir;
  for (let k = 1; k < dirs.length; k++) if (base !== undefined && dirs[k] !== '' && !dirs[k]!.startsWith('/')) dirs[k] = joinPath(base, dirs[k]!);
  const pathCache = new Map<number, string>();
  const pathOf = (index: number): string => {
    let path = pathCache.get(index);
    if (path === undefined) {
      const f = files[index];
      path = f ? joinPath(dirs[f.dir], f.name) : `<file ${index}>`;
      pathCache.set(index, path);
    }
    return path;
  };

  c.pos = programStart;
  let rows: LineRow[] = [];
  let address = 0;
  let section: number | undefined;
  let file = 1;
  let line = 1;
  let column = 0;
  let isStmt = defaultIsStmt;
  const reset = () => {
    address = 0;
    section = undefined;
    file = 1;
    line = 1;
    column = 0;
    isStmt = defaultIsStmt;
  };
  const emit = (endSequence: boolean) => rows.push({ address, file: pathOf(file), line, column, isStmt, endSequence });
  const sectionFor = (addr: number): number | undefined => {
    if (section !== undefined || elf.type === 'relocatable') return section;
    return elf.sections.find((s) => s.executable && s.addr <= addr && addr < s.addr + s.size)?.index;
  };
  while (c.ok) {
    const op = c.u8();
    if (op >= opcodeBase) {
      const adjusted = op - opcodeBase;
      address += Math.floor(adjusted / lineRange) * minInstLength;
      line += lineBase + (adjusted % lineRange);
      emit(false);
      continue;
    }
    switch (op) {
      case 0: {
        const len = c.uleb();
        const start = c.pos;
        const sub = len > 0 ? c.u8() : 0;
        if (sub === 1) {
          emit(true);
          out.push({ sectionIndex: sectionFor(rows[0]?.address ?? address), rows });
          rows = [];
          reset();
        } else if (sub === 2) {
          const size = len - 1;
          const operandAt = c.pos;
          address = readRelocated(c, size, sec);
          section = sec.relocatedSection.get(operandAt);
        } else if (sub === 4) c.uleb(); // discriminator
        else if (sub === 3) {
          // DW_LNE_define_file (DWARF 2-4)
          const name = c.cstr();
          const dir = c.uleb();
          c.uleb();
          c.uleb();
          files.push({ name, dir });
        }
        // Every extended opcode is skipped by its length, whether understood or not.
        c.pos = start;
        c.skip(len);
        break;
      }
      case 1:
        emit(false);
        break;
      case 2:
        address += c.uleb() * minInstLength;
        break;
      case 3:
        line += c.sleb();
        break;
      case 4:
        file = c.uleb();
        break;
      case 5:
        column = c.uleb();
        break;
      case 6:
        isStmt = !isStmt;
        break;
      case 7: // basic block
      case 10: // prologue end
      case 11: // epilogue begin
        break;
      case 8:
        address += Math.floor((255 - opcodeBase) / lineRange) * minInstLength;
        break;
      case 9:
        address += c.u16();
        break;
      case 12:
        c.uleb(); // ISA
        break;
      default:
        // An opcode this reader does not know: the header says how many ULEB operands it takes.
        for (let i = 0; i < (opcodeLengths[op - 1] ?? 0); i++) c.uleb();
    }
  }
  if (rows.length > 0) problems.push(`${where} ends without DW_LNE_end_sequence; its last ${rows.length} rows are ignored`);
}

/**
 * Reads a DWARF 5 entry-format list and its entries, calling `add(path, directoryIndex)` per entry.
 * Returns false when the table cannot be decoded.
 */
function readEntriesV5(c: Cursor, ctx: FormContext, sec: DebugSection, strings: StringSections, add: (path: string, dir: number) => void): boolean {
  const formatCount = c.u8();
  const formats: { type: number; form: number }[] = [];
  for (let i = 0; i < formatCount; i++) formats.push({ type: c.uleb(), form: c.uleb() });
  const count = c.uleb();
  // An entry takes at least one byte unless every form is empty; capping the count by the bytes
  // left keeps a forged count from spinning.
  if (c.overrun || count > c.remaining + 1) return false;
  for (let i = 0; i < count; i++) {
    let path = '';
    let dir = 0;
    for (const f of formats) {
      const value = readForm(c, f.form, ctx, sec, strings);
      if (!value || c.overrun) return false;
      if (f.type === LNCT_path && value.kind === 'string') path = value.value;
      else if (f.type === LNCT_directory_index && value.kind === 'number') dir = value.value;
    }
    add(path, dir);
  }
  return true;
}

function joinPath(dir: string | undefined, name: string): string {
  if (!dir || name.startsWith('/')) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * Builds a lookup from (section, address) to the source position of the row covering it, the last
 * row at or before the address within a sequence. Pass `undefined` as the section for linked files
 * when the caller only has an address.
 */
export function lineLookup(sequences: readonly LineSequence[]): (sectionIndex: number | undefined, address: number) => SourcePosition | undefined {
  type Seq = { start: number; end: number; rows: readonly LineRow[] };
  // Sequences grouped by section (-1: unknown) and sorted by start address, for binary search.
  const bySection = new Map<number, Seq[]>();
  for (const s of sequences) {
    if (s.rows.length < 2) continue;
    const key = s.sectionIndex ?? -1;
    const list = bySection.get(key) ?? [];
    list.push({ start: s.rows[0].address, end: s.rows[s.rows.length - 1].address, rows: s.rows });
    bySection.set(key, list);
  }
  for (const list of bySection.values()) list.sort((a, b) => a.start - b.start);
  const lastAtOrBefore = <T>(items: readonly T[], key: (item: T) => number, address: number): number => {
    let lo = 0;
    let hi = items.length - 1;
    if (hi < 0 || key(items[0]) > address) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (key(items[mid]) <= address) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const search = (list: readonly Seq[] | undefined, address: number): SourcePosition | undefined => {
    if (!list) return undefined;
    const i = lastAtOrBefore(list, (s) => s.start, address);
    const seq = i >= 0 ? list[i] : undefined;
    if (!seq || address >= seq.end) return undefined;
    const row = seq.rows[lastAtOrBefore(seq.rows, (r) => r.address, address)];
    return row && { file: row.file, line: row.line, column: row.column };
  };
  return (sectionIndex, address) => {
    if (sectionIndex !== undefined) return search(bySection.get(sectionIndex), address) ?? search(bySection.get(-1), address);
    for (const list of bySection.values()) {
      const found = search(list, address);
      if (found) return found;
    }
    return undefined;
  };
}
