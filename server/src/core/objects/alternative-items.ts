/**
 * Puts Linux's alternatives (`alternatives.ts`) into the items of the functions they patch, so that
 * each replacement is analyzed with the abstract state at the instructions it replaces, as objtool
 * does (its `handle_group_alt` makes the same graph): before the original instructions a branch
 * that nothing decides leads into the replacement, and the replacement ends with a jump to the
 * instruction after the original ones.
 *
 *     jrcxz .Lalt_3_0               the fork (no flag decides it: both paths are walked)
 *     popcnt eax, edi               the replacement, on its own lines of the listing
 *     jmp   .Lalt_at_3_28b16        back to the end of the original instructions
 *   .Lalt_3_0:
 *     call  __sw_hweight32          the original instructions
 *   .Lalt_at_3_28b16:
 *
 * Findings in a replacement are on its lines in `.altinstr_replacement`. The fork and the jump are
 * no instructions of the object: they have no memory operand and never carry a finding, and they
 * take the line of the first original instruction, before it (the items of a line are read from
 * the last). The fork keeps the original instruction's address, so the function's own branches to
 * that address reach the fork (`indexAtAddress` takes the first instruction at an address); the
 * replacement's instructions have none, since their addresses are offsets in another section.
 *
 * `.altinstr_replacement` is walked after the sections whose functions it patches, so such a
 * function is held back until the replacements have been lowered, then emitted with the section
 * item of its own section before it.
 */
import type { ElfRelocation } from '../elf/index';
import type { AsmItem, Instruction, Operand, Span } from '../ir';
import { opcodeOf } from '../x86/opcodes';
import type { Alternative, Alternatives } from './alternatives';
import { rangeAt } from './jump-tables';
import type { DecodedSection, DecodedUnit, FunctionRange } from './listing';
import { detached, withOperands } from './lower';

/** What became of each alternative met in a walk (those whose original is in no function are not met). */
export type AlternativeOutcomes = Map<Alternative, 'analyzed' | 'unreadable'>;

type InsnItem = Extract<AsmItem, { kind: 'insn' }>;

/** A function with alternatives, held until it is emitted. */
interface HeldFunction {
  readonly ds: DecodedSection;
  readonly range: FunctionRange;
  readonly sites: readonly Alternative[];
  readonly items: AsmItem[];
}

/** A lowered replacement instruction and the bytes it spans. */
interface ReplacementInsn {
  readonly insn: Instruction;
  readonly length: number;
  /** The replacement-section offset of a direct branch's target inside that section. */
  readonly localTarget: number | undefined;
}

const NO_SPAN: Span = { start: 0, end: 0 };
const NO_PREFIXES: readonly string[] = [];

/** The label of the place at `offset` in code section `section` that a replacement returns or jumps to. */
function placeLabel(section: number, offset: number): string {
  return `.Lalt_at_${section}_${offset.toString(16)}`;
}

/** The items of a walk, with alternatives put into the functions they patch; see the module comment. */
export class AlternativeItems {
  private sectionCount = -1;
  private section: DecodedSection | undefined;
  private readonly headerLines = new Map<DecodedSection, number>();
  private held: HeldFunction | undefined;
  private readonly deferred: HeldFunction[] = [];
  /** Replacement sections still to be walked. */
  private readonly pending = new Set<number>();
  private readonly replacements = new Map<number, Map<number, ReplacementInsn>>();
  /** Code places that replacements jump to: `section:offset`. */
  private readonly jumpTargets = new Set<string>();

  constructor(
    private readonly unit: DecodedUnit,
    private readonly alternatives: Alternatives,
    private readonly out: (item: AsmItem) => void,
    private readonly outcomes: AlternativeOutcomes | undefined,
  ) {
    for (const ds of unit.sections) if (alternatives.replacementSections.has(ds.section.index)) this.pending.add(ds.section.index);
  }

  /** True for a section whose instructions are replacements (`replacement` takes them). */
  holdsReplacements(ds: DecodedSection): boolean {
    return this.alternatives.replacementSections.has(ds.section.index);
  }

  /** Every item of the walk, in order. */
  readonly add = (item: AsmItem): void => {
    if (item.kind === 'section') {
      this.close();
      // The section walked before this one is done: its replacements are all lowered.
      if (this.section !== undefined && this.pending.delete(this.section.section.index)) this.release();
      this.section = this.unit.sections[++this.sectionCount];
      if (this.section !== undefined) this.headerLines.set(this.section, item.line);
      this.out(item);
      return;
    }
    if (item.kind === 'function-header') {
      this.close();
      this.held = this.holdIfPatched(item);
      if (this.held !== undefined) return;
    }
    if (this.held !== undefined) this.held.items.push(item);
    else this.out(item);
  };

  /**
   * A replacement instruction at `offset` of `ds`, lowered and relocated as a function's would be.
   * A branch to a code section through a section symbol (`jmp .text+0x1a2`, back into the function)
   * is renamed to the label of that place; one to an address in its own section stays local.
   */
  replacement(ds: DecodedSection, offset: number, length: number, insn: Instruction, relocation: ElfRelocation | undefined): void {
    let lowered = insn;
    let localTarget: number | undefined;
    const op = insn.operands[0];
    if (op?.kind === 'target') {
      const symbol = relocation === undefined ? undefined : this.unit.elf.symbols[relocation.symbolIndex];
      const code = relocation === undefined ? undefined : this.unit.elf.sections[relocation.symbolSection];
      if (relocation !== undefined && symbol?.type === 'section' && code?.executable) {
        const target = relocation.symbolValue + relocation.addend + (offset + length - relocation.offset);
        this.jumpTargets.add(`${code.index}:${target}`);
        lowered = withOperands(insn, [{ kind: 'target', name: placeLabel(code.index, target), address: undefined }, ...insn.operands.slice(1)]);
      } else if (relocation === undefined && op.address !== undefined) {
        localTarget = op.address - ds.base;
        lowered = withOperands(insn, [{ kind: 'target', name: `.Lalt_r_${ds.section.index}_${localTarget.toString(16)}`, address: undefined }, ...insn.operands.slice(1)]);
      }
    }
    let byOffset = this.replacements.get(ds.section.index);
    if (byOffset === undefined) this.replacements.set(ds.section.index, (byOffset = new Map()));
    byOffset.set(offset, { insn: detached(lowered), length, localTarget });
  }

  /** The walk is over: every function still held is emitted. */
  end(): void {
    this.close();
    this.pending.clear();
    this.release();
  }

  /** Starts holding the function that `header` opens when alternatives patch it. */
  private holdIfPatched(header: Extract<AsmItem, { kind: 'function-header' }>): HeldFunction | undefined {
    const ds = this.section;
    const sites = ds === undefined ? undefined : this.alternatives.bySection.get(ds.section.index);
    if (ds === undefined || sites === undefined || header.address === undefined) return undefined;
    const range = rangeAt(ds.ranges, header.address - ds.base);
    if (range === undefined) return undefined;
    const inside = sites.filter((site) => site.offset >= range.start && site.offset < range.end);
    return inside.length === 0 ? undefined : { ds, range, sites: inside, items: [header] };
  }

  /** Ends the held function: emitted now if its replacements are lowered, else deferred. */
  private close(): void {
    const fn = this.held;
    if (fn === undefined) return;
    this.held = undefined;
    if (fn.sites.some((site) => site.unreadable === undefined && this.pending.has(site.replacementSection))) this.deferred.push(fn);
    else this.emit(fn);
  }

  /** Emits the deferred functions whose replacements are all lowered now. */
  private release(): void {
    const waiting = this.deferred.splice(0);
    for (const fn of waiting) {
      if (fn.sites.some((site) => site.unreadable === undefined && this.pending.has(site.replacementSection))) {
        this.deferred.push(fn);
        continue;
      }
      // The function comes after other sections' items: its own section is stated again.
      this.out({ kind: 'section', name: fn.ds.section.name, line: this.headerLines.get(fn.ds) ?? 0 });
      this.emit(fn);
    }
  }

  /** Emits a held function with its alternatives put in. */
  private emit(fn: HeldFunction): void {
    const { ds } = fn;
    const section = ds.section.index;
    const starts = new Set<number>();
    let lastEnd = fn.range.start;
    for (const item of fn.items) {
      if (item.kind !== 'insn' || item.insn.address === undefined) continue;
      const offset = item.insn.address - ds.base;
      starts.add(offset);
      lastEnd = Math.max(lastEnd, offset + (item.insn.length ?? 0));
    }
    // Why each site cannot be put in, if it cannot; the labels of the places replacements return or jump to.
    const problems = new Map<Alternative, string>();
    const labels = new Set<number>();
    for (const site of fn.sites) {
      const end = site.offset + site.length;
      const problem = site.unreadable ?? this.siteProblem(site, starts, lastEnd);
      if (problem !== undefined) problems.set(site, problem);
      else labels.add(end);
    }
    for (const offset of starts) if (this.jumpTargets.has(`${section}:${offset}`)) labels.add(offset);
    let next = 0; // the next site to put in, in offset order
    for (const item of fn.items) {
      if (item.kind !== 'insn' || item.insn.address === undefined) {
        this.out(item);
        continue;
      }
      const offset = item.insn.address - ds.base;
      if (labels.has(offset)) this.out({ kind: 'label', name: placeLabel(section, offset), line: item.line, span: NO_SPAN, address: undefined });
      let first = true;
      while (next < fn.sites.length && fn.sites[next]!.offset <= offset) {
        const site = fn.sites[next++]!;
        const problem = problems.get(site);
        if (problem !== undefined) this.unreadable(site, problem, item, first);
        else this.fork(site, item, first);
        first = false;
      }
      this.out(item);
    }
  }

  /** Why `site` cannot be put into a function whose instructions start at `starts`; undefined when it can. */
  private siteProblem(site: Alternative, starts: ReadonlySet<number>, lastEnd: number): string | undefined {
    const code = this.unit.elf.sections[site.section]!.name;
    const end = site.offset + site.length;
    if (!starts.has(site.offset)) return `its original instructions at ${code}+0x${site.offset.toString(16)} do not start on an instruction of the listing`;
    if (!starts.has(end) && end !== lastEnd) return `its original instructions end at ${code}+0x${end.toString(16)}, inside an instruction of the listing`;
    if (site.replacementLength === 0) return undefined;
    const lowered = this.replacements.get(site.replacementSection);
    const name = this.unit.elf.sections[site.replacementSection]!.name;
    const replacementEnd = site.replacementOffset + site.replacementLength;
    for (let at = site.replacementOffset; at < replacementEnd; ) {
      const r = lowered?.get(at);
      if (r === undefined) return `its replacement at ${name}+0x${site.replacementOffset.toString(16)} does not decode into whole instructions`;
      if (r.localTarget !== undefined && (r.localTarget < site.replacementOffset || r.localTarget >= replacementEnd)) return `its replacement branches to ${name}+0x${r.localTarget.toString(16)}, outside itself`;
      at += r.length;
      if (at > replacementEnd) return `its replacement at ${name}+0x${site.replacementOffset.toString(16)} does not end on an instruction boundary`;
    }
    return undefined;
  }

  /** The fork, the replacement and the jump back, before the original instruction `at`. */
  private fork(site: Alternative, at: InsnItem, first: boolean): void {
    const section = site.section;
    const skip = `.Lalt_${section}_${site.entry}`;
    const mode = this.unit.mode;
    const replacementName = this.unit.elf.sections[site.replacementSection]!.name;
    const where = site.replacementLength === 0 ? 'NOPs' : `the replacement at ${replacementName}+0x${site.replacementOffset.toString(16)}`;
    this.out(fake(mode === 64 ? 'jrcxz' : 'jecxz', [{ kind: 'target', name: skip, address: undefined }], `(alternative ${site.entry}: ${where})`, at, first));
    const lowered = this.replacements.get(site.replacementSection);
    const local = new Set<number>();
    for (let offset = site.replacementOffset; offset < site.replacementOffset + site.replacementLength; offset += lowered!.get(offset)!.length) {
      const target = lowered!.get(offset)!.localTarget;
      if (target !== undefined) local.add(target);
    }
    for (let offset = site.replacementOffset; offset < site.replacementOffset + site.replacementLength; ) {
      const r = lowered!.get(offset)!;
      if (local.has(offset)) this.out({ kind: 'label', name: `.Lalt_r_${site.replacementSection}_${offset.toString(16)}`, line: r.insn.line, span: NO_SPAN, address: undefined });
      this.out({ kind: 'insn', insn: r.insn, line: r.insn.line });
      offset += r.length;
    }
    const back = placeLabel(section, site.offset + site.length);
    this.out(fake('jmp', [{ kind: 'target', name: back, address: undefined }], `(end of alternative ${site.entry})`, at, false));
    this.out({ kind: 'label', name: skip, line: at.line, span: NO_SPAN, address: undefined });
    this.outcomes?.set(site, 'analyzed');
  }

  /**
   * An alternative that cannot be read: an instruction the analysis does not understand, naming the
   * stack pointer, so that it loses the stack pointer there and says why (`stack-unknown`).
   */
  private unreadable(site: Alternative, problem: string, at: InsnItem, first: boolean): void {
    const sp: Operand = { kind: 'reg', reg: this.unit.mode === 64 ? 'rsp' : 'esp' };
    this.out(fake('(alternative)', [sp], `alternative ${site.entry} of .altinstructions, which cannot be read: ${problem}`, at, first, true));
    this.outcomes?.set(site, 'unreadable');
  }
}

/** An item the object does not contain (see the module comment), on the line of `at`. */
function fake(mnemonic: string, operands: readonly Operand[], text: string, at: InsnItem, keepAddress: boolean, unknown = false): InsnItem {
  const insn: Instruction = {
    mnemonic,
    opcode: opcodeOf(mnemonic),
    prefixes: NO_PREFIXES,
    suffixSize: undefined,
    operands,
    unknown,
    text,
    span: NO_SPAN,
    line: at.line,
    address: keepAddress ? at.insn.address : undefined,
    length: undefined,
  };
  return { kind: 'insn', insn, line: at.line };
}
