/**
 * The output side shared by the dialect parsers: the growing item, comment and problem lists,
 * plus the line iteration every parser uses.
 */
import type { AsmItem, Comment, DirectiveItem, Instruction } from '../ir';

/** Mutable lists a parser appends to; `parseAsm` freezes nothing and copies nothing. */
export interface Sink {
  readonly items: AsmItem[];
  readonly comments: Comment[];
  readonly problems: { line: number; message: string }[];
}

/** A new, empty sink. */
export function newSink(): Sink {
  return { items: [], comments: [], problems: [] };
}

/**
 * Operand text longer than this is not read: no instruction has one (AVX-512 with a mask, a
 * broadcast and a long symbol stays under 200 characters), and reading operands nested thousands
 * of parentheses deep is work without an answer. The instruction is unknown, and a problem on its
 * line says why.
 */
export const maxOperandText = 4096;

/** Appends an instruction item, with a problem on its line when its operands were too long to read. */
export function pushInsn(sink: Sink, insn: Instruction): void {
  if (insn.unknown && insn.text.length > maxOperandText) {
    sink.problems.push({ line: insn.line, message: `instruction not read: its operands are longer than ${maxOperandText} characters (${insn.text.length})` });
  }
  sink.items.push({ kind: 'insn', insn, line: insn.line });
}

/** Appends a directive item. */
export function pushDirective(sink: Sink, directive: DirectiveItem): void {
  sink.items.push(directive);
}

/**
 * Calls `visit(start, end, line)` for each line of `text`, where `[start, end)` excludes the line
 * break (`\n` or `\r\n`), stopping early once `done` (when given) returns true. Bounded by the
 * text length: each step advances past one `\n`.
 */
export function forEachLine(text: string, visit: (start: number, end: number, line: number) => void, done?: () => boolean): void {
  let pos = 0;
  let line = 0;
  const n = text.length;
  while (pos <= n) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = n;
    let end = next;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (done !== undefined && done()) return;
    if (!(next === n && pos === n && line > 0)) visit(pos, end, line);
    pos = next + 1;
    line++;
  }
}

/** Index of the first non-blank character in `[from, to)`, or `to`. */
export function skipBlanks(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 12 && c !== 11) break;
    i++;
  }
  return i;
}

/** One past the last non-blank character in `[from, to)`, or `from`. */
export function trimEnd(text: string, from: number, to: number): number {
  let i = to;
  while (i > from) {
    const c = text.charCodeAt(i - 1);
    if (c !== 32 && c !== 9 && c !== 12 && c !== 11 && c !== 13) break;
    i--;
  }
  return i;
}
