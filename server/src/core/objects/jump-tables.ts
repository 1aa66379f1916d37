/**
 * Jump tables of relocatable objects, read through their relocations, so that a switch's indirect
 * jump gets its real successors instead of leaving the rest of the function unchecked.
 *
 * In a `.o` or `.ko` a table's entries are zero bytes with relocations (`.rela.rodata`) that say
 * where each points; the code reaches the table through a relocation of its own:
 *
 *     jmp    *0x0(,%rax,8)          R_X86_64_32S .rodata+0x40, entries R_X86_64_64 .text+target
 *
 *     lea    0x0(%rip),%rdx        R_X86_64_PC32 .rodata+0x3c (the table at 0x40)
 *     movslq (%rdx,%rax,4),%rax    entries R_X86_64_PC32 .text+(target+4k): `.long .L5-.L4`
 *     add    %rdx,%rax
 *     jmp    *%rax
 *
 * An absolute entry holds `S + A`; a PC-relative one holds `S + A - P` where P is the entry's own
 * place, and the code adds the table's start to it, so entry k of a table at T points at
 * `S + A - 4k`. Entries are read while they follow each other with the expected relocation and
 * point into the function that uses the table. The tables are given to the analysis the way an
 * assembly text states them (`.L4: .quad .L5, .L6`): a label and a data item before the
 * instruction that names the table, whose memory operand names it too, and a label before each
 * target; `analysis/flow.ts` resolves both forms from there.
 */
import { relocationsFor, type ElfFile, type ElfRelocation, type ElfSection } from '../elf/index';
import type { AsmItem } from '../ir';
import type { FunctionRange } from './listing';

/** A table one instruction's relocation points at; `targets` are offsets in the code section. */
export interface JumpTable {
  readonly name: string;
  readonly targets: readonly number[];
}

/** The tables a code section uses. */
export interface SectionJumpTables {
  /** By the offset of the code relocation that points at the table. */
  readonly byRelocation: ReadonlyMap<number, JumpTable>;
  /** Every target offset, each of which gets a label. */
  readonly targets: ReadonlySet<number>;
}

const NONE: SectionJumpTables = { byRelocation: new Map(), targets: new Set() };
const R_X86_64_64 = 1;
const R_X86_64_PC32 = 2;
const R_X86_64_32 = 10;
const R_X86_64_32S = 11;
/** Entries read per table at most: more than any switch a compiler emits as one table. */
const MAX_ENTRIES = 65536;

/** The jump tables of `section` in a relocatable x86-64 file (none for other files). */
export function jumpTables(elf: ElfFile, section: ElfSection, relocations: readonly ElfRelocation[], ranges: readonly FunctionRange[]): SectionJumpTables {
  if (elf.type !== 'relocatable' || elf.machine !== 'x86-64' || relocations.length === 0) return NONE;
  const byRelocation = new Map<number, JumpTable>();
  const targets = new Set<number>();
  // Where the code points into each data section: one table ends where the next one the code uses
  // starts (clang puts a function's tables one after the other).
  const starts = new Map<number, number[]>();
  const candidates: { r: ElfRelocation; absolute: boolean; data: ElfSection; table: number }[] = [];
  for (const r of relocations) {
    const absolute = r.type === R_X86_64_32S || r.type === R_X86_64_32;
    if (!absolute && r.type !== R_X86_64_PC32) continue;
    const data = elf.sections[r.symbolSection];
    if (data === undefined || data.executable || data.index === section.index) continue;
    // The lea's displacement is the last 4 bytes of the instruction, so the table lies 4 bytes past `S + A`.
    const table = r.symbolValue + r.addend + (absolute ? 0 : 4);
    candidates.push({ r, absolute, data, table });
    const list = starts.get(data.index) ?? [];
    list.push(table);
    starts.set(data.index, list);
  }
  for (const list of starts.values()) list.sort((a, b) => a - b);
  for (const { r, absolute, data, table } of candidates) {
    const fn = rangeAt(ranges, r.offset);
    if (fn === undefined) continue;
    const entries = relocationsFor(elf, data.index);
    if (entries.length === 0) continue;
    const list = starts.get(data.index)!;
    const end = list[firstNotBefore(list.length, (i) => list[i]! <= table)] ?? Infinity;
    const found = readTable(entries, table, end, absolute, section.index, fn);
    if (found.length === 0) continue;
    byRelocation.set(r.offset, { name: `.Ljt_${section.index}_${r.offset.toString(16)}`, targets: found });
    for (const t of found) targets.add(t);
  }
  return byRelocation.size === 0 ? NONE : { byRelocation, targets };
}

/** The targets of the table at `table`, while its entries lie before `end` and point into `fn`. */
function readTable(entries: readonly ElfRelocation[], table: number, end: number, absolute: boolean, code: number, fn: FunctionRange): number[] {
  const width = absolute ? 8 : 4;
  const targets: number[] = [];
  let at = firstNotBefore(entries.length, (i) => entries[i]!.offset < table);
  for (let k = 0; k < MAX_ENTRIES && at < entries.length; k++, at++) {
    const entry = entries[at]!;
    if (entry.offset !== table + k * width || entry.offset >= end || entry.symbolSection !== code) break;
    if (absolute ? entry.type !== R_X86_64_64 : entry.type !== R_X86_64_PC32) break;
    const target = entry.symbolValue + entry.addend - (absolute ? 0 : k * 4);
    if (target < fn.start || target >= fn.end) break;
    targets.push(target);
  }
  return targets;
}

/** The label of a table target at `offset` in a code section. */
export function targetLabel(offset: number): string {
  return `.Ljt_t${offset.toString(16)}`;
}

/** The items that state a table before the instruction that names it: `.Ljt_2_1a: .quad .Ljt_t40, ...`. */
export function tableItems(table: JumpTable, line: number, address: number): AsmItem[] {
  return [
    { kind: 'label', name: table.name, line, span: { start: 0, end: 0 }, address },
    { kind: 'data', values: table.targets.map(targetLabel), width: 8, line },
  ];
}

/** The function range that holds `offset`, by binary search over ranges sorted by start. */
export function rangeAt(ranges: readonly FunctionRange[], offset: number): FunctionRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const range = ranges[mid]!;
    if (offset < range.start) hi = mid - 1;
    else if (offset >= range.end) lo = mid + 1;
    else return range;
  }
  return undefined;
}

/** The first index in [0, length) at which `before` turns false (it is true, then false, along the list). */
function firstNotBefore(length: number, before: (index: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
