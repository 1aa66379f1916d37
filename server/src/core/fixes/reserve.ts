/**
 * "Reserve N bytes of stack" for hand-written assembly: make the function allocate the bytes it
 * uses below RSP, so an interrupt (or a `call`) can no longer overwrite them.
 *
 * Two shapes are handled, and anything else gets no offer (a wrong rewrite is worse than none):
 *
 * - With a frame pointer (`push %rbp; mov %rsp,%rbp`, data at `-20(%rbp)`): insert
 *   `sub $N,%rsp` right after `mov %rsp,%rbp`, and turn every `pop %rbp` into `leave`, which
 *   restores RSP from RBP first. RBP-relative addresses do not move.
 * - Without one (data at `-8(%rsp)`): insert `sub $N,%rsp` at the entry, add N to the displacement
 *   of every RSP-based operand (each now refers to an RSP that is N lower), and put `add $N,%rsp`
 *   before every `ret` and tail-call `jmp`.
 *
 * N is a multiple of 16, so the alignment of RSP at every `call` is what it was.
 */
import { splitLines, indentOf, type Line, type TextEdit } from './edit';
import { opcodeOfWord } from '../syntax/index';
import { Control, opcodeControl } from '../x86/opcodes';

/** Where the function is and how much it uses below RSP. */
export interface ReserveRequest {
  /** 0-based first line (the label) and last line of the function. */
  readonly startLine: number;
  readonly endLine: number;
  /** The deepest byte used below RSP, e.g. 24 for an access at RSP-24. */
  readonly bytesBelow: number;
}

/** The reservation rounded up to keep 16-byte alignment. */
export function reserveSize(bytesBelow: number): number {
  return Math.max(16, Math.ceil(bytesBelow / 16) * 16);
}

/** The edits that reserve the space, or undefined when the function's shape is not one this fix can rewrite safely. */
export function reserveStackEdits(text: string, request: ReserveRequest): TextEdit[] | undefined {
  const lines = splitLines(text).slice(request.startLine, request.endLine + 1);
  if (lines.length === 0 || request.bytesBelow <= 0) return undefined;
  const att = lines.some((line) => /%r(sp|bp|ax|di|si)\b/.test(code(line.text, true)));
  const size = reserveSize(request.bytesBelow);
  const spell = att
    ? { sub: `subq $${size}, %rsp`, add: `addq $${size}, %rsp` }
    : { sub: `sub rsp, ${size}`, add: `add rsp, ${size}` };
  const framePointer = lines.find((line) => (att ? /^\s*movq?\s+%rsp\s*,\s*%rbp\s*$/ : /^\s*mov\s+rbp\s*,\s*rsp\s*$/i).test(code(line.text, att)));
  const negativeRsp = lines.some((line) => (att ? /-\s*(0x[0-9a-f]+|\d+)\(%rsp/i : /\[\s*rsp\s*-/i).test(code(line.text, att)));
  if (framePointer !== undefined && !negativeRsp) return withFramePointer(lines, framePointer, spell.sub, att);
  if (negativeRsp) return withoutFramePointer(lines, size, spell, att);
  return undefined;
}

function withFramePointer(lines: readonly Line[], setup: Line, sub: string, att: boolean): TextEdit[] | undefined {
  const edits: TextEdit[] = [{ start: setup.end, end: setup.end, newText: `\n${indentOf(setup.text)}${sub}` }];
  let exits = 0;
  for (const line of lines) {
    const body = code(line.text, att);
    const pop = (att ? /\bpopq?\s+%rbp\b/ : /\bpop\s+rbp\b/i).exec(body);
    if (pop !== null) {
      edits.push({ start: line.start + pop.index, end: line.start + pop.index + pop[0].length, newText: 'leave' });
      exits++;
    } else if (/^\s*leave[q]?\b/i.test(body)) {
      exits++;
    }
  }
  return exits > 0 ? edits : undefined;
}

function withoutFramePointer(lines: readonly Line[], size: number, spell: { sub: string; add: string }, att: boolean): TextEdit[] | undefined {
  const labels = new Set(lines.map((line) => /^\s*([\w.$@]+):/.exec(line.text)?.[1]).filter((name): name is string => name !== undefined));
  const first = lines.findIndex((line, index) => index > 0 && isInstruction(code(line.text, att)) && !/^\s*endbr(32|64)\b/i.test(code(line.text, att)));
  if (first === -1) return undefined;
  const indent = indentOf(lines[first].text) || '\t';
  // Insertions go at the end of the previous line, so they never touch a range another edit replaces.
  const before = (index: number, instruction: string, lineIndent: string): TextEdit => {
    const previous = lines[index - 1];
    return { start: previous.end, end: previous.end, newText: `\n${lineIndent}${instruction}` };
  };
  const edits: TextEdit[] = [before(first, spell.sub, indent)];
  for (const [index, line] of lines.entries()) {
    const body = code(line.text, att);
    if (!isInstruction(body)) continue;
    if (/^\s*[\w.$@]+:\s*\S/.test(body)) return undefined;
    const displaced = att ? shiftAtt(body, size) : shiftIntel(body, size);
    if (displaced === undefined) return undefined;
    if (displaced !== body) edits.push({ start: line.start, end: line.start + body.length, newText: displaced });
    const jump = /^\s*(?:rep\s+|bnd\s+|notrack\s+)?(ret[qn]?|jmpq?)\b\s*(\S*)/i.exec(body);
    if (jump === null) continue;
    const target = jump[2].replace(/^\*/, '');
    if (opcodeControl[opcodeOfWord(jump[1].toLowerCase())] === Control.Jump) {
      if (jump[2].startsWith('*') || /%|\[/.test(jump[2])) return undefined;
      if (labels.has(target)) continue;
    }
    if (index === 0) return undefined;
    edits.push(before(index, spell.add, indentOf(line.text) || indent));
  }
  return edits;
}

/** Adds `size` to every `disp(%rsp...)` displacement; undefined when one is symbolic. */
function shiftAtt(body: string, size: number): string | undefined {
  let failed = false;
  const result = body.replace(/([\w.$@+\-]*)\((%rsp)\b/g, (_match, disp: string, reg: string) => {
    const value = disp === '' ? 0 : parseNumber(disp);
    if (value === undefined) failed = true;
    return `${(value ?? 0) + size}(${reg}`;
  });
  return failed ? undefined : result;
}

/** Rewrites `[rsp]`, `[rsp+8]`, `[rsp-8]`; undefined for any other operand that involves RSP. */
function shiftIntel(body: string, size: number): string | undefined {
  let failed = false;
  const result = body.replace(/\[([^\]]*)\]/g, (whole, inner: string) => {
    if (!/\brsp\b/i.test(inner)) return whole;
    const simple = /^\s*rsp\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?\s*$/i.exec(inner);
    if (simple === null) {
      failed = true;
      return whole;
    }
    const value = simple[2] === undefined ? 0 : (simple[1] === '-' ? -1 : 1) * Number(simple[2]);
    const shifted = value + size;
    return `[rsp${shifted === 0 ? '' : shifted > 0 ? `+${shifted}` : `${shifted}`}]`;
  });
  return failed ? undefined : result;
}

function parseNumber(text: string): number | undefined {
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) return undefined;
  const negative = text.startsWith('-');
  const value = Number(negative ? text.slice(1) : text);
  return negative ? -value : value;
}

/** The line without its comment. */
function code(line: string, att: boolean): string {
  const marker = att ? '#' : /^\s*[^;]*#/.test(line) && !line.includes(';') ? '#' : ';';
  const at = line.indexOf(marker);
  return (at === -1 ? line : line.slice(0, at)).trimEnd();
}

function isInstruction(body: string): boolean {
  const stripped = body.replace(/^\s*[\w.$@]+:/, '').trim();
  return stripped !== '' && !stripped.startsWith('.') && !/^(global|extern|section|bits|align)\b/i.test(stripped);
}
