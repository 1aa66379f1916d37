/**
 * The object path of the core: ELF files and `ar` archives in, reports and listings out.
 *
 * Each ELF file is disassembled through the `Disassembler` port into one listing (`listing.ts`),
 * whose items go to the same analysis as text input, so an object and its `.s` get one x86
 * semantics. Then the object's own records finish the findings: DWARF line tables give each
 * finding its C source line, and the build provenance (`.GCC.command.line`, `DW_AT_producer`,
 * `.modinfo`) decides whether it is kernel code and says in the message whether the object was
 * compiled with `-mno-red-zone`.
 *
 * Never throws: a file that cannot be read gives an error for that file (or archive member) only.
 */
import { analyzeItemsOnePass } from '../analysis/one-pass';
import { isArchive, isElf, lineLookup, objectProvenance, readArchive, readCompileUnits, readDebugLines, arraySource, readElfFrom, type Disassembler, type ElfFile, type ElfSource, type ObjectProvenance, type ReadResult } from '../elf/index';
import type { AsmItem, Instruction } from '../ir';
import type { AnalysisOptions } from '../options';
import type { Finding, Report } from '../report';
import type { AlternativeOutcomes } from './alternative-items';
import type { Alternatives } from './alternatives';
import { renderLines } from './lines';
import { decodeUnit, itemPieces, MAX_CODE_BYTES, placesOf, renderListing, unitItemPieces, unitItems, unitItemsOn, type ListingSyntax, type RenderedListing } from './listing';
import { analysisReads, bytesRead } from './sections';

export type { ListingSyntax } from './listing';
export { defaultMaxFileSize } from './sections';

/** What the object path adds to the analysis options. */
export interface ObjectOptions extends AnalysisOptions {
  /** The listing's spelling: `att` (the default, like `objdump -d`) or `intel`. Lines are the same in both. */
  readonly listingSyntax?: ListingSyntax;
  /**
   * `always` (the default) prints every listing; `findings` prints listings only for units with
   * findings, and in those only the lines that findings and their related locations point at
   * (every other line is empty, so lines and columns are unchanged): what `check` and a scan of
   * thousands of modules need, since printing a whole listing costs more than analyzing it.
   */
  readonly keepListing?: 'always' | 'findings';
}

/** One analyzed ELF file: a plain file, or one member of an archive. */
export interface ObjectUnit {
  /** The archive member's name (`printf.o`), or undefined for a file that is not in an archive. */
  readonly member: string | undefined;
  /** `elf64` or `elf32`, or `unknown` when the unit could not be read. */
  readonly input: string;
  /** The report; its lines and spans refer to `listing`. Undefined when `error` is set. */
  readonly report: Report | undefined;
  /** The listing `redzone-lint disasm` prints for this unit (with `keepListing: 'findings'`, only its flagged lines); undefined when `keepListing` left it out. */
  readonly listing: string | undefined;
  /** Why the unit could not be analyzed. */
  readonly error: string | undefined;
  /** Linux alternatives (`.altinstructions` entries) of the unit, when it has any: how many were analyzed. */
  readonly alternatives?: AlternativeCounts;
}

/** What became of a unit's `.altinstructions` entries. */
export interface AlternativeCounts {
  readonly entries: number;
  /** Replacements analyzed inside the function they patch. */
  readonly analyzed: number;
  /** Entries that could not be read; the analysis lost the stack pointer at their original instructions. */
  readonly unreadable: number;
}

/** The result for one input file: its units (one for an ELF file, one per member for an archive). */
export interface ObjectReport {
  /** `elf64`, `elf32` or `ar`; `unknown` when the file is neither. */
  readonly input: string;
  readonly units: readonly ObjectUnit[];
  /** Set when the file as a whole could not be read (no units then). */
  readonly error: string | undefined;
  /**
   * For an archive whose walk stopped at a damaged member header after reading some members: what
   * was wrong. The members before the damage are in `units`; the archive itself is still an input
   * error that front ends report under its own name.
   */
  readonly damage?: string;
}

/** Finding codes that mean memory below the stack pointer was used. */
const RED_ZONE_CODES = new Set(['red-zone-store', 'red-zone-load', 'below-red-zone', 'red-zone-clobbered']);

/**
 * Analyzes an ELF object, module, executable, shared object or `ar` archive of them. `name` is the
 * file's name for the listing's header line. Never throws.
 */
export function analyzeObject(bytes: Uint8Array, name: string, disassembler: Disassembler, options: ObjectOptions = {}): ObjectReport {
  return eachUnit(bytes, name, (elf, unitName) => analyzeElf(elf, unitName, disassembler, options));
}

/**
 * Analyzes an ELF file that is not in memory: `source` reads it at offsets, and only the sections
 * the analysis needs are read (`sections.ts`). A file whose sections to read add up to more than
 * `maxBytes` is refused with a message saying how much that is. Never throws.
 */
export function analyzeElfSource(source: ElfSource, name: string, disassembler: Disassembler, options: ObjectOptions, maxBytes: number): ObjectReport {
  try {
    let needed = 0;
    const read = readElfFrom(source, (header, headers, type) => {
      if (header.index === 0) needed = bytesRead(headers, type);
      return needed <= maxBytes && analysisReads(header, headers, type);
    });
    if (needed > maxBytes) {
      const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
      const limit = Number.isInteger(maxBytes / 1048576) ? String(maxBytes / 1048576) : mib(maxBytes);
      const error = `file is too large (${mib(source.size)} MiB, of which the analysis reads ${mib(needed)} MiB; the limit is ${limit} MiB)`;
      return { input: 'unknown', units: [], error };
    }
    const unit = oneUnit(() => read, undefined, name, (elf, unitName) => analyzeElf(elf, unitName, disassembler, options));
    return { input: unit.input, units: unit.error === undefined ? [unit] : [], error: unit.error };
  } catch (error) {
    return { input: 'unknown', units: [], error: `internal error while reading the object: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Only the listing(s) of a file, as `redzone-lint disasm` prints them; archive members are printed
 * one after the other. Never throws.
 */
export function disassembleObject(bytes: Uint8Array, name: string, disassembler: Disassembler, syntax: ListingSyntax = 'att'): ObjectReport {
  return eachUnit(bytes, name, (elf, unitName) => ({ report: undefined, listing: renderListing(decodeUnit(elf, unitName, disassembler), syntax).text }));
}

type UnitResult = { report: Report | undefined; listing: string | undefined; alternatives?: AlternativeCounts };

function eachUnit(bytes: Uint8Array, name: string, work: (elf: ElfFile, unitName: string) => UnitResult): ObjectReport {
  try {
    if (isArchive(bytes)) {
      const archive = readArchive(bytes);
      if (archive.value === undefined) return { input: 'ar', units: [], error: archive.error };
      const units = archive.value.map((member) => oneUnit(() => readMember(member.data), member.name, member.name, work));
      // An archive without members is valid (glibc ships libpthread.a, libdl.a and others empty
      // since 2.34): nothing to analyze, not an error. One whose members could not be read is.
      const damaged = units.length === 0 && archive.problems.length > 0 ? `the archive has no readable members: ${archive.problems.join('; ')}` : undefined;
      if (damaged === undefined && archive.problems.length > 0) return { input: 'ar', units, error: undefined, damage: `the archive is damaged: ${archive.problems.join('; ')}` };
      return { input: 'ar', units, error: damaged };
    }
    if (!isElf(bytes)) return { input: 'unknown', units: [], error: 'not an ELF file or ar archive' };
    const unit = oneUnit(() => readElfFrom(arraySource(bytes), analysisReads), undefined, name, work);
    return { input: unit.input, units: unit.error === undefined ? [unit] : [], error: unit.error };
  } catch (error) {
    return { input: 'unknown', units: [], error: `internal error while reading the object: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * An archive member's ELF file; a member that is not one gets the error `oneUnit` reports. Files
 * in memory are read through the same filter as files on disk, so that a listing (its relocation
 * lines) and its line numbers are the same whichever way the file was read.
 */
function readMember(bytes: Uint8Array): ReadResult<ElfFile> {
  return isElf(bytes) ? readElfFrom(arraySource(bytes), analysisReads) : { value: undefined, error: 'not an ELF object', problems: [] };
}

function oneUnit(readUnit: () => ReadResult<ElfFile>, member: string | undefined, name: string, work: (elf: ElfFile, unitName: string) => UnitResult): ObjectUnit {
  const failed = (input: string, error: string): ObjectUnit => ({ member, input, report: undefined, listing: undefined, error });
  const read = readUnit();
  if (read.value === undefined) return failed('unknown', read.error);
  const elf = read.value;
  const input = elf.bits === 64 ? 'elf64' : 'elf32';
  const code = elf.sections.reduce((sum, s) => sum + (s.executable ? s.data.length : 0), 0);
  if (code > MAX_CODE_BYTES) return failed(input, `the file has ${(code / 1048576).toFixed(1)} MiB of code; the limit is ${MAX_CODE_BYTES / 1048576} MiB`);
  try {
    const result = work(elf, name);
    return { member, input, report: result.report, listing: result.listing, error: undefined, ...(result.alternatives === undefined ? {} : { alternatives: result.alternatives }) };
  } catch (error) {
    return failed(input, `internal error while disassembling: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function analyzeElf(elf: ElfFile, name: string, disassembler: Disassembler, options: ObjectOptions): UnitResult {
  const unit = decodeUnit(elf, name, disassembler);
  const units = readCompileUnits(elf);
  const provenance = objectProvenance(elf, units.value ?? []);
  const source = { syntax: 'objdump-intel', syntaxReason: `an ${elf.bits === 64 ? 'ELF64' : 'ELF32'} ${elf.type} file, disassembled`, mode: unit.mode === 64 ? 8 : 4 } as const;
  // The object's own record of its build is more specific than what the host found for its path.
  const analysisOptions = { ...options, buildKernel: provenance.buildKernel ?? options.buildKernel };
  const keepListing = options.keepListing ?? 'always';
  // A whole listing reuses the analysis's items, so they are collected first; otherwise each
  // function is analyzed as it is decoded, and the items are walked again only for a unit whose
  // findings are printed (few: none in 310 kernel modules).
  const outcomes: AlternativeOutcomes = new Map();
  let collected = keepListing === 'always' ? unitItems(unit, outcomes) : undefined;
  const report = analyzeItemsOnePass(collected ? itemPieces(collected.items) : unitItemPieces(unit, outcomes), source, analysisOptions);
  // The lines findings point at; everything after the analysis reads only the items on them (a
  // vmlinux has millions of instructions, and keeping all their items cost gigabytes).
  const wanted = new Set(report.findings.flatMap((f) => [f.line, ...f.related.map((r) => r.line)]));
  if (report.findings.length > 0) collected ??= unitItemsOn(unit, wanted);
  const items = collected?.items ?? [];
  const syntax = options.listingSyntax ?? 'att';
  let listing: RenderedListing | undefined;
  if (keepListing === 'always') listing = renderListing(unit, syntax, items);
  else if (collected && report.findings.length > 0) {
    // Only the flagged lines are printed; `renderLines` declines what it cannot print from the items.
    listing = (syntax === 'att' ? renderLines(unit, items, collected.lines, wanted) : undefined) ?? renderListing(unit, syntax, items);
  }
  const lines = report.findings.length > 0 ? readDebugLines(elf) : undefined;
  const lookup = lines?.value !== undefined && lines.value.length > 0 ? lineLookup(lines.value) : undefined;
  const places = lookup ? placesOf(unit, items) : new Map<number, { section: number; address: number }>();
  let intelTexts: Map<number, Instruction> | undefined;
  const findings = report.findings.map((finding) => {
    const placed = listing ? placeFinding(finding, listing, intelTexts ??= textsByLine(items)) : finding;
    return finishFinding(placed, provenance, (line) => {
      const place = places.get(line);
      const found = place && lookup ? lookup(place.section, place.address) : undefined;
      return found && found.line > 0 ? { path: found.file, line: found.line } : undefined;
    });
  });
  let functions = listing ? report.functions.map((fn) => ({ ...fn, span: lineSpan(listing, fn.startLine, fn.endLine) })) : report.functions;
  const problems = [...report.problems, ...[...(units.problems ?? []), ...(lines?.problems ?? []), ...(unit.alternatives?.problems ?? [])].map((message) => ({ line: 0, message }))];
  let ordered = findings;
  if (unit.alternatives !== undefined) {
    // Functions that alternatives patch were analyzed after the replacements' section: back in listing order.
    functions = functions.slice().sort((a, b) => a.startLine - b.startLine);
    ordered = findings.slice().sort((a, b) => a.line - b.line);
  }
  return {
    report: { ...report, input: elf.bits === 64 ? 'elf64' : 'elf32', inputReason: source.syntaxReason, findings: ordered, functions, problems },
    listing: listing?.text,
    alternatives: unit.alternatives && countAlternatives(unit.alternatives, outcomes),
  };
}

function countAlternatives(alternatives: Alternatives, outcomes: AlternativeOutcomes): AlternativeCounts {
  let entries = 0;
  for (const list of alternatives.bySection.values()) entries += list.length;
  let analyzed = 0;
  for (const outcome of outcomes.values()) if (outcome === 'analyzed') analyzed++;
  return { entries, analyzed, unreadable: outcomes.size - analyzed };
}

/**
 * Gives a finding and its related locations the spans of their instructions' text in the listing.
 * Related messages quote the instruction (`the frame is set up here: \`push rbp\``) in capstone's
 * Intel spelling, which the analysis read; they are requoted as the listing spells it.
 */
function placeFinding(finding: Finding, listing: RenderedListing, insnsByLine: ReadonlyMap<number, Instruction>): Finding {
  const spanOf = (line: number) => listing.spanOf(line) ?? lineSpan(listing, line, line);
  const related = finding.related.map((r) => {
    const span = spanOf(r.line);
    const intel = insnsByLine.get(r.line)?.text;
    const shown = listing.text.slice(span.start, span.end).replace(/\s+/g, ' ');
    const message = intel !== undefined && listing.spanOf(r.line) !== undefined ? r.message.split(`\`${intel}\``).join(`\`${shown}\``) : r.message;
    return { ...r, span, message };
  });
  return { ...finding, span: spanOf(finding.line), related };
}

/** The instructions by line; their text is read only for the lines a finding relates to. */
function textsByLine(items: readonly AsmItem[]): Map<number, Instruction> {
  const insns = new Map<number, Instruction>();
  for (const item of items) if (item.kind === 'insn') insns.set(item.line, item.insn);
  return insns;
}

/** The span from the start of line `from` to the end of line `to`. */
function lineSpan(listing: RenderedListing, from: number, to: number): { start: number; end: number } {
  const start = listing.lineStarts[from] ?? 0;
  const next = listing.lineStarts[to + 1];
  return { start, end: next !== undefined ? next - 1 : listing.text.length };
}

/** Adds the DWARF source position and what the build records about `-mno-red-zone` to a finding. */
function finishFinding(finding: Finding, provenance: ObjectProvenance, sourceOf: (line: number) => Finding['source']): Finding {
  const source = finding.source ?? sourceOf(finding.line);
  if (!RED_ZONE_CODES.has(finding.code) || provenance.noRedZone === undefined) return { ...finding, source };
  const note =
    provenance.noRedZone === false
      ? ` This object was compiled without -mno-red-zone (${provenance.noRedZoneReason}).`
      : ` The object records -mno-red-zone (${provenance.noRedZoneReason}), so this comes from hand-written or inline assembly.`;
  return { ...finding, source, message: finding.message + note };
}
