/**
 * Linux's alternatives, read from a relocatable x86-64 object (a `.ko` or a kernel `.o`).
 *
 * The kernel patches its own code at boot: `ALTERNATIVE "call __sw_hweight32", "popcnt %edi,%eax",
 * X86_FEATURE_POPCNT` assembles the first instruction in place and the second into
 * `.altinstr_replacement`, and records the pair in `.altinstructions`; on a CPU with the feature,
 * `apply_alternatives` copies the replacement over the original (padding it with NOPs). The
 * replacement has no function symbol, so nothing else says where it runs or with which stack: the
 * entry does. Each entry is a Linux 6.1 `struct alt_instr` of 12 bytes:
 *
 *     s32 instr_offset;    // the original instructions, relative to this field
 *     s32 repl_offset;     // the replacement, relative to this field
 *     u16 cpuid;           // the CPU feature that selects the replacement
 *     u8  instrlen;        // bytes of the original instructions
 *     u8  replacementlen;  // bytes of the replacement (at most instrlen)
 *
 * In an object the two offsets are zero bytes with `R_X86_64_PC32` relocations against section
 * symbols (`.text + 0x28b11`, `.altinstr_replacement + 0`); field + (S + A - P) = S + A, so the
 * place each names is the relocation's symbol value plus its addend. An entry that does not have
 * that shape is not guessed at: it is reported as a problem, and where its original instructions
 * are known the analysis loses the stack pointer there (`alternative-items.ts`).
 */
import { relocationsFor, type ElfFile, type ElfRelocation } from '../elf/index';

/** One `.altinstructions` entry whose original and replacement places are known. */
export interface Alternative {
  /** The entry's index in its `.altinstructions` section, for messages. */
  readonly entry: number;
  /** The code section of the original instructions, and their offset and length there. */
  readonly section: number;
  readonly offset: number;
  readonly length: number;
  /** Where the replacement lies, and its length (0: the original is replaced by NOPs). */
  readonly replacementSection: number;
  readonly replacementOffset: number;
  readonly replacementLength: number;
  /** Why the entry cannot be analyzed; undefined for a readable entry. */
  readonly unreadable: string | undefined;
}

/** The alternatives of one object. */
export interface Alternatives {
  /** Entries by the section of their original instructions, sorted by offset, then by entry. */
  readonly bySection: ReadonlyMap<number, readonly Alternative[]>;
  /** The sections that hold replacements (`.altinstr_replacement`). */
  readonly replacementSections: ReadonlySet<number>;
  /** Entries that could not be read at all (no original place known), and other damage. */
  readonly problems: readonly string[];
}

/** Bytes of a Linux 6.1 `struct alt_instr`. */
export const ALT_INSTR_SIZE = 12;
const R_X86_64_PC32 = 2;

/** The alternatives of `elf`, or undefined when it has none (or is not a relocatable x86-64 file). */
export function readAlternatives(elf: ElfFile): Alternatives | undefined {
  if (elf.type !== 'relocatable' || elf.machine !== 'x86-64') return undefined;
  const tables = elf.sections.filter((section) => section.name === '.altinstructions' && section.data.length > 0);
  if (tables.length === 0) return undefined;
  const bySection = new Map<number, Alternative[]>();
  const replacementSections = new Set<number>();
  const problems: string[] = [];
  for (const table of tables) {
    if (table.data.length % ALT_INSTR_SIZE !== 0) {
      problems.push(`${table.name} is ${table.data.length} bytes, not a whole number of ${ALT_INSTR_SIZE}-byte entries (Linux 6.1's struct alt_instr); its alternatives are not analyzed`);
      continue;
    }
    const relocations = relocationsFor(elf, table.index);
    const at = indexByOffset(relocations);
    let unplaced = 0;
    for (let entry = 0; entry * ALT_INSTR_SIZE < table.data.length; entry++) {
      const base = entry * ALT_INSTR_SIZE;
      const original = placeOf(elf, at.get(base));
      // An empty replacement (`ALTERNATIVE "jmp 6f", "", X86_FEATURE_...`) may name the section's very end.
      const replacement = placeOf(elf, at.get(base + 4), true);
      if (original === undefined) {
        unplaced++;
        continue;
      }
      const length = table.data[base + 10]!;
      const replacementLength = table.data[base + 11]!;
      const code = elf.sections[original.section]!;
      let unreadable: string | undefined;
      if (replacement === undefined) unreadable = 'its replacement has no PC-relative relocation against a code section';
      else if (original.offset + length > code.data.length) unreadable = `its original instructions (${length} bytes at ${code.name}+0x${original.offset.toString(16)}) run past the end of the section`;
      else if (replacement.offset + replacementLength > elf.sections[replacement.section]!.data.length) unreadable = `its replacement (${replacementLength} bytes) runs past the end of ${elf.sections[replacement.section]!.name}`;
      else if (replacementLength > length) unreadable = `its replacement (${replacementLength} bytes) is longer than the instructions it replaces (${length} bytes)`;
      if (replacement !== undefined && unreadable === undefined) replacementSections.add(replacement.section);
      const list = bySection.get(original.section) ?? [];
      list.push({
        entry,
        section: original.section,
        offset: original.offset,
        length,
        replacementSection: replacement?.section ?? 0,
        replacementOffset: replacement?.offset ?? 0,
        replacementLength,
        unreadable,
      });
      bySection.set(original.section, list);
    }
    if (unplaced > 0) problems.push(`${unplaced} ${table.name} entries have no PC-relative relocation against a code section for their original instructions; those alternatives are not analyzed`);
  }
  for (const list of bySection.values()) list.sort((a, b) => a.offset - b.offset || a.entry - b.entry);
  return { bySection, replacementSections, problems };
}

/** Relocations by offset; an offset with two relocations is ambiguous and names nothing. */
function indexByOffset(relocations: readonly ElfRelocation[]): Map<number, ElfRelocation | undefined> {
  const at = new Map<number, ElfRelocation | undefined>();
  for (const r of relocations) at.set(r.offset, at.has(r.offset) ? undefined : r);
  return at;
}

/** The code place a PC-relative entry field names (`S + A`), or undefined when it names none. */
function placeOf(elf: ElfFile, r: ElfRelocation | undefined, endAllowed = false): { section: number; offset: number } | undefined {
  if (r === undefined || r.type !== R_X86_64_PC32) return undefined;
  const section = elf.sections[r.symbolSection];
  const offset = r.symbolValue + r.addend;
  if (section === undefined || !section.executable || !Number.isSafeInteger(offset) || offset < 0 || offset > section.data.length || (offset === section.data.length && !endAllowed)) return undefined;
  return { section: section.index, offset };
}
