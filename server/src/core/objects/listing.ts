/**
 * Turns one ELF file into the objdump-like listing that `redzone-lint disasm FILE` prints and, from
 * the same decoded instructions, the IR items the analysis reads, so that every item's line is the
 * listing line it was printed on:
 *
 *     a.o:     file format elf64-x86-64
 *
 *     Disassembly of section .text:
 *
 *     0000000000000000 <add>:
 *        0:	48 89 7c 24 f8       	mov    %rdi,-0x8(%rsp)
 *       3a:	e8 00 00 00 00       	call   3f <add+0x3f>
 *     			3b: R_X86_64_PLT32	__stack_chk_fail-0x4
 *
 * The format is `objdump -dr` (or `-dr -M intel`) closely enough that the project's own objdump
 * parser reads it back to the same functions. Only bytes inside `STT_FUNC` symbols become items:
 * padding and code without a symbol are printed but not analyzed, since nothing says where such
 * code starts or what state the stack is in there.
 *
 * Branch targets are resolved the way objdump shows them (`1139 <foo>`), and in relocatable files
 * through the relocation inside the instruction: `call` with a zero displacement and a relocation
 * against `__stack_chk_fail` becomes a call to `__stack_chk_fail`, which the analysis needs to know
 * that the call does not return.
 */
import { formatAddress, functionSymbols, instructionText, relocationInRange, relocationsFor, type DecodedInstruction, type Disassembler, type ElfFile, type ElfRelocation, type ElfSection, type ElfSymbol, type RawInstruction } from '../elf/index';
import type { ItemPieces } from '../analysis/one-pass';
import type { AsmItem, Instruction, MemOperand, Span } from '../ir';
import { jumpTables, tableItems, targetLabel, type SectionJumpTables } from './jump-tables';
import { AlternativeItems, type AlternativeOutcomes } from './alternative-items';
import { readAlternatives, type Alternatives } from './alternatives';
import { attText } from './att';
import { lower, lowerDecoded, lowerPlain, withOperands, type TextOf } from './lower';
import { branchTarget, hexAddress, pltNames, relocated, relocationText, symbolNamer } from './names';

/** How the listing spells instructions; the lines are the same in both. */
export type ListingSyntax = 'att' | 'intel';

/** A function's code range within an executable section. */
export interface FunctionRange {
  readonly symbol: ElfSymbol;
  readonly start: number;
  readonly end: number;
}

/** One executable section, decoded. */
export interface DecodedSection {
  readonly section: ElfSection;
  /** Address of the section's first byte as printed: 0 in relocatable files, else its load address. */
  readonly base: number;
  /**
   * Decodes the section. Called by each walk rather than kept: a module's decoded instructions are
   * megabytes that would otherwise live (and be copied by every young-generation GC) until its
   * analysis ends, and a second decode is only needed for the few units whose listing is printed.
   */
  decode(operands: boolean): readonly RawInstruction[];
  /** The same instructions in consecutive pieces, so that each piece can die young (see `pieces`). */
  pieces(operands: boolean): Iterable<readonly RawInstruction[]>;
  /**
   * The analysis decoder's instructions in the same pieces, when the disassembler has one
   * (`Disassembler.decode`); undefined otherwise, and the analysis lowers `pieces(true)`.
   */
  decodedPieces: (() => Iterable<readonly DecodedInstruction[]>) | undefined;
  /** The text disassembler's text of one instruction of this section, for the analysis decoder's instructions. */
  readonly textOf: TextOf;
  readonly ranges: readonly FunctionRange[];
  readonly relocations: readonly ElfRelocation[];
}

/** An ELF file ready to decode; the items and the listing are both walked from it. */
export interface DecodedUnit {
  readonly elf: ElfFile;
  readonly name: string;
  readonly mode: 32 | 64;
  readonly sections: readonly DecodedSection[];
  readonly ranges: Map<number, FunctionRange[]>;
  /** PLT entry address -> `puts@plt`, in linked files (objdump's synthetic names). */
  readonly plt: Map<number, string>;
  /** Linux's alternatives (`.altinstructions`), analyzed inside the functions they patch. */
  readonly alternatives: Alternatives | undefined;
}

/** Listing line -> the section index and address of each instruction item, for DWARF lookups. */
export function placesOf(unit: DecodedUnit, items: readonly AsmItem[]): Map<number, { readonly section: number; readonly address: number }> {
  const places = new Map<number, { section: number; address: number }>();
  forEachInstructionItem(unit, items, (item, ds) => {
    if (ds !== undefined && item.insn.address !== undefined) places.set(item.line, { section: ds.section.index, address: item.insn.address });
  });
  return places;
}

/**
 * Calls `visit` for each instruction item with the decoded section it lies in (undefined if the
 * items and the unit disagree). `walk` emits one section item per decoded section, in order, so
 * counting them gives the section.
 */
export function forEachInstructionItem(unit: DecodedUnit, items: readonly AsmItem[], visit: (item: Extract<AsmItem, { kind: 'insn' }>, ds: DecodedSection | undefined) => void): void {
  // A section item may come again, on its first line, before a function that alternatives held back.
  const byLine = new Map<number, number>();
  let current = -1;
  for (const item of items) {
    if (item.kind === 'section') {
      const seen = byLine.get(item.line);
      if (seen !== undefined) current = seen;
      else byLine.set(item.line, (current = byLine.size));
    } else if (item.kind === 'insn') visit(item, unit.sections[current]);
  }
}

/** The start of an instruction line up to its text, as objdump prints it: `  3a:\te8 00 00 00 00       \t`. */
export function instructionPrefix(ds: DecodedSection, address: number, offset: number, length: number, bits: 32 | 64): string {
  return `${hexAddress(address, bits).padStart(4)}:\t${hexBytes(ds.section.data, offset, length).padEnd(21)}\t`;
}

/** The IR items for the analysis; their lines are the lines of the listing `renderListing` prints. */
export interface UnitItems {
  readonly items: AsmItem[];
  /** Number of lines of the listing. */
  readonly lines: number;
}

/** The listing text, and where each line and each instruction's text starts in it. */
export interface RenderedListing {
  readonly text: string;
  /** Offset of each line's first character. */
  readonly lineStarts: readonly number[];
  /** The span of the instruction text on `line` (it runs to the end of the line), or undefined for other lines. */
  spanOf(line: number): Span | undefined;
}

/** Code larger than this in one file is refused: decoding it would take minutes and gigabytes. */
export const MAX_CODE_BYTES = 64 * 1024 * 1024;

/** Prepares the executable sections of `elf` for decoding, with their functions and relocations. */
export function decodeUnit(elf: ElfFile, name: string, disassembler: Disassembler): DecodedUnit {
  const mode = elf.machine === 'x86-64' ? 64 : 32;
  const ranges = functionRanges(elf);
  const sections: DecodedSection[] = [];
  // Each byte range of the file is decoded once: a damaged or hostile file whose section headers
  // repeat the same code (2,000 copies of .text's header) made the work and the listing grow with
  // the number of headers, not with the file. Real objects never overlap executable sections.
  const repeated = overlappingSections(elf);
  for (const section of elf.sections) {
    if (!section.executable || section.data.length === 0 || repeated.has(section.index)) continue;
    const base = elf.type === 'relocatable' ? 0 : section.addr;
    const analysisDecoder = disassembler.decode?.bind(disassembler);
    sections.push({
      section,
      base,
      decode: (operands) => disassembler.disassemble(section.data, base, mode, { operands }),
      pieces: (operands) => pieces((code, address) => disassembler.disassemble(code, address, mode, { operands }), section.data, base),
      decodedPieces: analysisDecoder && (() => pieces((code, address) => analysisDecoder(code, address, mode), section.data, base)),
      textOf: (address, length) => {
        const offset = address - base;
        const got = disassembler.disassemble(section.data.subarray(offset, offset + length), address, mode, { operands: false });
        return got.length > 0 ? instructionText(got[0]!) : '';
      },
      ranges: ranges.get(section.index) ?? [],
      relocations: relocationsFor(elf, section.index),
    });
  }
  return { elf, name, mode, sections, ranges, plt: pltNames(elf, sections), alternatives: readAlternatives(elf) };
}

/**
 * Executable sections whose file bytes overlap those of an executable section before them (by
 * offset, then by index): sorted once, so a file with 65,000 section headers costs n log n.
 */
function overlappingSections(elf: ElfFile): Set<number> {
  const code = elf.sections.filter((section) => section.executable && section.data.length > 0);
  code.sort((a, b) => a.offset - b.offset || a.index - b.index);
  const repeated = new Set<number>();
  let end = -1;
  for (const section of code) {
    if (section.offset < end) repeated.add(section.index);
    else end = section.offset + section.data.length;
  }
  return repeated;
}

/** Bytes decoded per piece: a few thousand instructions, garbage before the next young-generation GC. */
const PIECE = 16 * 1024;
const MAX_INSN_LENGTH = 15;

/**
 * Decodes `code` piece by piece. The raw instructions of a whole section would all be alive until
 * the walk over them ends, so every young-generation GC on the way would copy them; a piece's
 * are dropped once walked. An instruction that reaches the last 15 bytes of a piece may have been
 * cut short by the piece's end, so it is decoded again at the start of the next piece: the result
 * is the same linear sweep as one call over the whole section.
 */
function* pieces<T extends { readonly address: number; readonly length: number }>(decode: (code: Uint8Array, address: number) => T[], code: Uint8Array, base: number): Generator<readonly T[]> {
  let offset = 0;
  while (offset < code.length) {
    const end = Math.min(code.length, offset + PIECE);
    const got = decode(code.subarray(offset, end), base + offset);
    if (got.length === 0) return; // an adapter that breaks the port's contract; nothing more to walk
    let keep = got.length;
    if (end < code.length) {
      const limit = base + end - MAX_INSN_LENGTH;
      while (keep > 1 && got[keep - 1].address + got[keep - 1].length > limit) keep--;
    }
    const piece = keep === got.length ? got : got.slice(0, keep);
    yield piece;
    const last = piece[piece.length - 1];
    offset = Math.max(offset + 1, last.address + last.length - base);
  }
}

const NO_SPAN: Span = { start: 0, end: 0 };

/** A decoded instruction of either decoder, as far as `walk` needs it. */
interface Placed {
  readonly address: number;
  readonly length: number;
}

/** What `walk` reports for each listing line; `line` numbers count every line, printed or not. */
interface Visitor<T extends Placed> {
  /** A line that is not an instruction; `text` is only called when the listing is printed. */
  other(line: number, text: () => string, item: AsmItem | undefined): void;
  /** An instruction line; `open` is the function it belongs to, if any. */
  insn(line: number, ds: DecodedSection, raw: T, offset: number, open: FunctionRange | undefined, relocation: ElfRelocation | undefined): void;
}

/**
 * The one walk over a decoded unit that both the items and the listing come from, so that their
 * line numbers cannot disagree: header lines, section lines, function headers, instructions and
 * the relocation line after an instruction that has one (`objdump -dr`).
 */
function walk<T extends Placed>(unit: DecodedUnit, visit: Visitor<T>, piecesOf: (ds: DecodedSection) => Iterable<readonly T[]>): number {
  const { elf } = unit;
  const bits = elf.bits;
  const relocatable = elf.type === 'relocatable';
  let line = 0;
  visit.other(line++, () => '', undefined);
  visit.other(line++, () => `${unit.name}:     file format ${bits === 64 ? 'elf64-x86-64' : 'elf32-i386'}`, { kind: 'bits', bits: unit.mode, line: 1 });
  visit.other(line++, () => '', undefined);
  for (const ds of unit.sections) {
    visit.other(line++, () => '', undefined);
    visit.other(line, () => `Disassembly of section ${ds.section.name}:`, { kind: 'section', name: ds.section.name, line });
    line++;
    const ranges = ds.ranges;
    let next = 0; // the next function range to open
    let open: FunctionRange | undefined;
    for (const piece of piecesOf(ds)) for (const raw of piece) {
      const offset = raw.address - ds.base;
      if (open && offset >= open.end) open = undefined;
      while (next < ranges.length && ranges[next].end <= offset) next++;
      if (!open && next < ranges.length && ranges[next].start <= offset) {
        const range = ranges[next++];
        open = range;
        visit.other(line++, () => '', undefined);
        const address = raw.address;
        visit.other(line, () => `${formatAddress(ds.section.addr + range.start, bits).padStart(bits === 64 ? 16 : 8, '0')} <${range.symbol.name}>:`, {
          kind: 'function-header',
          name: range.symbol.name,
          address,
          line,
        });
        line++;
      }
      // Relocation offsets are section offsets in relocatable files and addresses in linked ones.
      const at = relocatable ? offset : raw.address;
      const relocation = ds.relocations.length > 0 ? relocationInRange(ds.relocations, at, at + raw.length) : undefined;
      visit.insn(line++, ds, raw, offset, open, relocation);
      if (relocation) {
        const text = () => `\t\t\t${formatAddress(relocation.offset, bits)}: ${relocation.typeName}\t${relocationText(relocation)}`;
        visit.other(line++, text, undefined);
      }
    }
  }
  return line;
}


/**
 * The analysis's view of a unit: items for the instructions inside functions, with listing lines
 * but without text spans (printing the listing is only worth it when there is a finding to show;
 * `renderListing` gives the spans then).
 */
export function unitItems(unit: DecodedUnit, outcomes?: AlternativeOutcomes): UnitItems {
  const items: AsmItem[] = [];
  const lines = walkItems(unit, (item) => items.push(item), outcomes);
  return { items, lines };
}

/**
 * The items of `unitItems` on `lines`, with the section items that place them
 * (`forEachInstructionItem` counts those): what printing a few flagged lines and reading their
 * source positions need, without the items of every other instruction.
 */
export function unitItemsOn(unit: DecodedUnit, lines: ReadonlySet<number>): UnitItems {
  const items: AsmItem[] = [];
  const count = walkItems(unit, (item) => {
    if (item.kind === 'section' || lines.has(item.line)) items.push(item);
  });
  return { items, lines: count };
}

/**
 * The same items as `unitItems`, emitted one function at a time (`analyzeItemsOnePass`), so that
 * a function's items die young instead of living, with the whole module's, until its analysis.
 */
export function unitItemPieces(unit: DecodedUnit, outcomes?: AlternativeOutcomes): ItemPieces {
  return (emit) => {
    const split = splitter(emit);
    walkItems(unit, split.add, outcomes);
    split.end();
  };
}

/** Items already collected, emitted in the same pieces as `unitItemPieces`. */
export function itemPieces(items: readonly AsmItem[]): ItemPieces {
  return (emit) => {
    const split = splitter(emit);
    for (const item of items) split.add(item);
    split.end();
  };
}

/**
 * Cuts items into pieces before each function header that follows an instruction: a piece is a
 * function with the section and mode items before it. Items after the last function (a kernel
 * section with no function symbols, say) still form a piece, since they may be kernel evidence.
 */
function splitter(emit: (items: AsmItem[]) => void): { add(item: AsmItem): void; end(): void } {
  let piece: AsmItem[] = [];
  let hasInsn = false;
  return {
    add(item) {
      if (item.kind === 'function-header' && hasInsn) {
        emit(piece);
        piece = [];
        hasInsn = false;
      }
      piece.push(item);
      if (item.kind === 'insn') hasInsn = true;
    },
    end() {
      if (piece.length > 0) emit(piece);
    },
  };
}

/**
 * Walks a unit and gives each analysis item to `add`, in listing order except for the functions
 * that alternatives patch (`alternative-items.ts`); returns the line count. `outcomes` receives
 * what became of each alternative.
 */
function walkItems(unit: DecodedUnit, emit: (item: AsmItem) => void, outcomes?: AlternativeOutcomes): number {
  const namers = new Map<DecodedSection, (address: number) => string | undefined>();
  const tables = new Map<DecodedSection, SectionJumpTables>();
  const alternatives = unit.alternatives === undefined ? undefined : new AlternativeItems(unit, unit.alternatives, emit, outcomes);
  const add = alternatives?.add ?? emit;
  const visitor = <T extends Placed>(lowered: (raw: T, line: number, ds: DecodedSection) => Instruction): Visitor<T> => ({
    other(_line, _text, item) {
      if (item !== undefined) add(item);
    },
    insn(line, ds, raw, offset, open, relocation) {
      if (!open) {
        // Code outside functions is analyzed only as an alternative's replacement, inside the function it patches.
        if (alternatives?.holdsReplacements(ds)) {
          const insn = lowered(raw, line, ds);
          const at = unit.elf.type === 'relocatable' ? offset : raw.address;
          alternatives.replacement(ds, offset, raw.length, relocation ? relocated(insn, relocation, at + raw.length, unit.elf, unit.ranges) : insn, relocation);
        }
        return;
      }
      let insn = lowered(raw, line, ds);
      let section = tables.get(ds);
      if (section === undefined) tables.set(ds, (section = jumpTables(unit.elf, ds.section, ds.relocations, ds.ranges)));
      if (section.targets.has(offset)) add({ kind: 'label', name: targetLabel(offset), line, span: NO_SPAN, address: raw.address });
      // The relocation's offset is in the same terms as `at` in `walk`: section offset or address.
      if (relocation) {
        insn = relocated(insn, relocation, (unit.elf.type === 'relocatable' ? offset : raw.address) + raw.length, unit.elf, unit.ranges);
        const table = section.byRelocation.get(relocation.offset);
        if (table !== undefined) {
          for (const item of tableItems(table, line, raw.address)) add(item);
          insn = namingTable(insn, table.name);
        }
      } else insn = named(insn, ds, namers, unit.plt);
      add({ kind: 'insn', insn, line });
    },
  });
  // The analysis decoder when there is one (iced-x86 in the product), else the text disassembler's operands.
  const lines = unit.sections.every((ds) => ds.decodedPieces !== undefined)
    ? walk<DecodedInstruction>(unit, visitor((d, line, ds) => lowerDecoded(d, line, unit.mode, ds.textOf)), (ds) => ds.decodedPieces!())
    : walk<RawInstruction>(unit, visitor((raw, line) => lower(raw, line, unit.mode)), (ds) => ds.pieces(true));
  alternatives?.end();
  return lines;
}


/** `insn` with its memory operand naming the jump table it reads (`jmp *.Ljt_2_1a(,%rax,8)`, `lea .Ljt_2_1a(%rip),%rdx`). */
function namingTable(insn: Instruction, name: string): Instruction {
  const at = insn.operands.findIndex((op) => op.kind === 'mem');
  if (at < 0) return insn;
  const operands = insn.operands.slice();
  operands[at] = { ...(operands[at] as MemOperand), symbol: name };
  return withOperands(insn, operands);
}

/**
 * Names a direct branch's target by the function at that address (`helper`, `foo+0x1a`), as
 * objdump does, so that calls to functions of this file, such as a static no-return helper or a
 * function in a linked executable, are known by name; targets outside every function keep the
 * address as their name.
 */
function named(insn: Instruction, ds: DecodedSection, namers: Map<DecodedSection, (address: number) => string | undefined>, plt: ReadonlyMap<number, string>): Instruction {
  const op = insn.operands[0];
  if (insn.operands.length !== 1 || op?.kind !== 'target' || op.address === undefined) return insn;
  let names = namers.get(ds);
  if (!names) namers.set(ds, (names = symbolNamer(ds.ranges, ds.base, plt)));
  const name = names(op.address);
  return name === undefined ? insn : withOperands(insn, [{ kind: 'target', name, address: op.address }]);
}

/**
 * Prints the listing of a unit in the given spelling. `parsed` are the analysis's items, whose
 * instructions are reused instead of parsed again (except relocated ones, whose operands changed).
 */
export function renderListing(unit: DecodedUnit, syntax: ListingSyntax, parsed: readonly AsmItem[] = []): RenderedListing {
  // By line, in an array: a module has hundreds of thousands of lines.
  const known: (Instruction | undefined)[] = [];
  for (const item of parsed) if (item.kind === 'insn') known[item.line] = item.insn;
  // Most instructions repeat (`push rbp`, `mov rbp, rsp`), and an instruction's AT&T text follows
  // from its Intel text unless it has a branch target; one conversion per distinct text is enough.
  const attTexts = new Map<string, string>();
  const parts: string[] = [];
  const lineStarts: number[] = [];
  // Where each instruction line's text starts (-1 for other lines); a number per line, not an object.
  const textStarts: number[] = [];
  const bits = unit.elf.bits;
  let length = 0;
  const push = (text: string) => {
    lineStarts.push(length);
    parts.push(text);
    length += text.length + 1;
  };
  let namedSection: DecodedSection | undefined;
  let names: (address: number) => string | undefined = () => undefined;
  const isDecoded = unit.sections.some((ds) => ds.decodedPieces !== undefined);
  walk<RawInstruction>(unit, {
    other(_line, text) {
      push(text());
    },
    insn(line, ds, raw, offset, _open, relocation) {
      if (namedSection !== ds) {
        namedSection = ds;
        names = symbolNamer(ds.ranges, ds.base, unit.plt);
      }
      // Instructions of the analysis decoder are not reused: their text would be formatted one by one.
      // An instruction without an address is a replacement renamed for the analysis (`alternative-items.ts`).
      const candidate = relocation === undefined && !isDecoded ? known[line] : undefined;
      const reused = candidate?.address !== undefined ? candidate : undefined;
      // A reused branch was renamed by `named`; its address, which the target text needs, is kept.
      // An instruction the stack-pointer check marked unknown is printed as the decoder read it.
      const parsed = reused !== undefined && !reused.unknown ? reused : lowerPlain(raw, line);
      const target = branchTarget(parsed, names);
      let insnText: string;
      if (syntax !== 'att') insnText = intelText(raw, parsed, target);
      else if (target !== undefined) insnText = attText(parsed, target);
      else {
        insnText = attTexts.get(parsed.text) ?? attText(parsed, undefined);
        if (attTexts.size < 65536) attTexts.set(parsed.text, insnText);
      }
      const prefix = instructionPrefix(ds, raw.address, offset, raw.length, bits);
      textStarts[line] = length + prefix.length;
      push(prefix + insnText);
    },
  }, (ds) => ds.pieces(false));
  const text = parts.length === 0 ? '' : `${parts.join('\n')}\n`;
  const spanOf = (line: number): Span | undefined => {
    const start = textStarts[line];
    if (start === undefined) return undefined;
    const next = lineStarts[line + 1];
    return { start, end: next !== undefined ? next - 1 : text.length - 1 };
  };
  return { text, lineStarts, spanOf };
}

/**
 * Function ranges by section: `STT_FUNC` symbols, each ending at its size or, without a size, at
 * the next function or the end of the section; a function never runs into the next one.
 */
function functionRanges(elf: ElfFile): Map<number, FunctionRange[]> {
  const bySection = new Map<number, FunctionRange[]>();
  const symbols = functionSymbols(elf);
  for (let i = 0; i < symbols.length; i++) {
    const symbol = symbols[i];
    const section: ElfSection | undefined = elf.sections[symbol.sectionIndex];
    if (!section || !section.executable) continue;
    const start = elf.type === 'relocatable' ? symbol.value : symbol.value - section.addr;
    if (!(start >= 0 && start < section.data.length)) continue;
    const following = symbols[i + 1]?.sectionIndex === symbol.sectionIndex ? symbols[i + 1].value - (elf.type === 'relocatable' ? 0 : section.addr) : section.data.length;
    let end = symbol.size > 0 ? start + symbol.size : following;
    end = Math.min(end, following, section.data.length);
    if (end <= start) continue;
    const list = bySection.get(section.index) ?? [];
    list.push({ symbol, start, end });
    bySection.set(section.index, list);
  }
  return bySection;
}


function intelText(raw: RawInstruction, insn: Instruction, target: string | undefined): string {
  if (target !== undefined) return `${insn.prefixes.length > 0 ? `${insn.prefixes.join(' ')} ` : ''}${insn.mnemonic.padEnd(6)} ${target}`;
  return raw.opStr ? `${raw.mnemonic.padEnd(6)} ${raw.opStr}` : raw.mnemonic;
}



const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexBytes(data: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += (i > 0 ? ' ' : '') + HEX[data[offset + i] ?? 0];
  return text;
}
