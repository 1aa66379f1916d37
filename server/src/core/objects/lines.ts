/**
 * The listing of a unit with only some lines printed: the lines that findings and their related
 * locations point at. Every other line is empty, so line numbers, and the columns on the printed
 * lines, are those of the full listing that `redzone-lint disasm` prints.
 *
 * `check` (and the editor's workspace scan) needs a listing only to turn the findings' spans into
 * lines and columns and to quote the flagged lines; printing every line of a large module (kvm.ko
 * has over 100,000) for a single finding cost more than analyzing it. The printed lines come from
 * the analysis's own items, in the same spelling `renderListing` gives them; a unit whose wanted
 * lines are not all instructions of those items gets `undefined`, and the caller prints it whole.
 */
import { parseIntelInstructionText } from '../syntax/index';
import { relocationInRange } from '../elf/index';
import type { AsmItem, Instruction, Span } from '../ir';
import { attText } from './att';
import { forEachInstructionItem, instructionPrefix, type DecodedSection, type DecodedUnit, type RenderedListing } from './listing';
import { branchTarget, symbolNamer } from './names';

/** The AT&T listing of `unit` with only `wanted` lines printed; `lineCount` is the full listing's. */
export function renderLines(unit: DecodedUnit, items: readonly AsmItem[], lineCount: number, wanted: ReadonlySet<number>): RenderedListing | undefined {
  // The instruction items on wanted lines, and the decoded section each lies in.
  const found = new Map<number, { insn: Instruction; ds: DecodedSection | undefined }>();
  forEachInstructionItem(unit, items, (item, ds) => {
    if (wanted.has(item.line)) found.set(item.line, { insn: item.insn, ds });
  });
  const texts = new Map<number, { text: string; column: number }>();
  for (const line of wanted) {
    const entry = found.get(line);
    if (entry?.ds === undefined || line < 0 || line >= lineCount) return undefined;
    const printed = instructionLine(unit, entry.ds, entry.insn, line);
    if (printed === undefined) return undefined;
    texts.set(line, printed);
  }
  const lineStarts: number[] = new Array<number>(lineCount);
  const textStarts = new Map<number, number>();
  const parts: string[] = [];
  let length = 0;
  let gap = 0; // empty lines not yet added to `parts`
  for (let line = 0; line < lineCount; line++) {
    lineStarts[line] = length;
    const printed = texts.get(line);
    if (printed === undefined) {
      gap++;
      length += 1;
      continue;
    }
    if (gap > 0) parts.push('\n'.repeat(gap));
    gap = 0;
    textStarts.set(line, length + printed.column);
    parts.push(printed.text, '\n');
    length += printed.text.length + 1;
  }
  if (gap > 0) parts.push('\n'.repeat(gap));
  const text = parts.join('');
  const spanOf = (line: number): Span | undefined => {
    const start = textStarts.get(line);
    if (start === undefined) return undefined;
    const next = lineStarts[line + 1];
    return { start, end: next !== undefined ? next - 1 : text.length - 1 };
  };
  return { text, lineStarts, spanOf };
}

/**
 * One instruction line as `renderListing` prints it in AT&T syntax, and where its instruction text
 * starts. Like there, a relocated instruction (whose item names the relocation's symbol) and one
 * the analysis marked unknown are printed as the decoder spelled them: their item's operands are
 * not the decoder's, so the text is read again.
 */
function instructionLine(unit: DecodedUnit, ds: DecodedSection, insn: Instruction, line: number): { text: string; column: number } | undefined {
  if (insn.address === undefined || insn.length === undefined) return undefined;
  const offset = insn.address - ds.base;
  if (offset < 0 || offset + insn.length > ds.section.data.length) return undefined;
  const at = unit.elf.type === 'relocatable' ? offset : insn.address;
  const relocation = ds.relocations.length > 0 ? relocationInRange(ds.relocations, at, at + insn.length) : undefined;
  const parsed = relocation === undefined && !insn.unknown ? insn : parseIntelInstructionText(insn.text, { line, span: { start: 0, end: 0 }, address: insn.address, length: insn.length });
  const target = branchTarget(parsed, symbolNamer(ds.ranges, ds.base, unit.plt));
  const prefix = instructionPrefix(ds, insn.address, offset, insn.length, unit.elf.bits);
  return { text: prefix + attText(parsed, target), column: prefix.length };
}
