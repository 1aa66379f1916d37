/**
 * The `objdump -d` listing parser, for both spellings (`-M intel`), with or without raw bytes
 * (`--no-show-raw-insn`), with `-S` source interleaving, `-l` line information and `-r`
 * relocations. The lines it models:
 *
 *     a.o:     file format elf64-x86-64           -> `bits` 64 (elf32-i386 -> 32)
 *     Disassembly of section .text:              -> `section` .text
 *     0000000000000000 <sw>:                     -> `function-header` and label `sw`
 *     sw():                                      -> (-l) a comment
 *     /tmp/a.c:4                                 -> (-l) `source-line`
 *        4:	64 48 8b 04 25 28 00 	mov    %fs:0x28,%rax
 *        b:	00 00                             -> continuation bytes: the length becomes 9
 *       3a:	e8 00 00 00 00       	call   3f <sw+0x3f>
 *     			3b: R_X86_64_PLT32	__stack_chk_fail-0x4   -> the call's target is __stack_chk_fail
 *     	...                                       -> skipped zeros
 *
 * Anything else (`-S` source lines, `In archive` lines) is kept as a comment.
 */
import type { Instruction, Operand } from '../ir';
import { UNKNOWN_OPCODE } from '../x86/opcodes';
import { parseInstruction, withStatementCaches } from './instruction';
import { parseHexDigits } from './numbers';
import { forEachLine, pushDirective, pushInsn, skipBlanks, trimEnd, type Sink } from './sink';

/** Parses an objdump listing in the given spelling into `sink`. */
export function parseObjdump(text: string, spelling: 'att' | 'intel', sink: Sink): void {
  /** Index in `sink.items` of the last instruction, for continuation and relocation lines. */
  let last = -1;
  let lastHasBytes = false;
  const options = withStatementCaches({ flavor: 'capstone', objdumpTargets: true, resolve: undefined });

  forEachLine(text, (start, end, line) => {
    const s = skipBlanks(text, start, end);
    if (s >= end) return;
    const addressEnd = hexRunEnd(text, s, end);
    if (addressEnd > s && addressEnd < end && text.charCodeAt(addressEnd) === 58 /* : */) {
      const next = text.charCodeAt(addressEnd + 1);
      if (next === 9 /* \t */) {
        instructionLine(s, addressEnd, end, line);
        return;
      }
      if (next === 32 && text.startsWith('R_', addressEnd + 2)) {
        relocationLine(addressEnd + 2, end, parseHexDigits(text, s, addressEnd));
        return;
      }
    }
    otherLine(start, s, end, line);
  });

  function instructionLine(s: number, addressEnd: number, end: number, line: number): void {
    const address = parseHexDigits(text, s, addressEnd);
    let i = addressEnd + 2;
    // Raw bytes: `48 83 ec 18 ` groups of two hex digits and a space, then a tab and the text.
    let bytes = 0;
    while (i + 2 < end && isHex(text.charCodeAt(i)) && isHex(text.charCodeAt(i + 1)) && text.charCodeAt(i + 2) === 32) {
      bytes++;
      i += 3;
    }
    // The last byte may end the line, or meet the tab at once when the bytes fill their column
    // (`48 c7 45 f8 2a 00 00 00\tmovq $0x2a,-0x8(%rbp)`, as an 8-byte instruction is printed).
    if (isHex(text.charCodeAt(i)) && isHex(text.charCodeAt(i + 1)) && (i + 2 === end || text.charCodeAt(i + 2) === 9)) {
      bytes++;
      i += 2;
    }
    let textStart = skipBlanks(text, i, end);
    if (bytes > 0 && textStart < end && text.charCodeAt(i) !== 9 && !(text.charCodeAt(i) === 32 && text.charCodeAt(textStart - 1) === 9)) {
      // What looked like bytes was the start of the instruction text (`--no-show-raw-insn`).
      bytes = 0;
      textStart = skipBlanks(text, addressEnd + 2, end);
    }
    if (textStart >= end) {
      // A continuation line: more bytes of the previous instruction (`   b:	00 00 `).
      if (bytes > 0 && last >= 0 && lastHasBytes) extendLast(bytes);
      return;
    }
    const hash = text.indexOf('#', textStart);
    const textEnd = trimEnd(text, textStart, hash >= 0 && hash < end ? hash : end);
    if (hash >= 0 && hash < end) sink.comments.push({ line, text: text.slice(hash + 1, end).trim() });
    const body = text.slice(textStart, textEnd);
    let insn: Instruction;
    if (body === '(bad)') {
      insn = { mnemonic: '(bad)', opcode: UNKNOWN_OPCODE, prefixes: [], suffixSize: undefined, operands: [], unknown: true, text: body, span: { start: textStart, end: textEnd }, line, address, length: bytes > 0 ? bytes : undefined };
    } else {
      insn = parseInstruction(body, spelling, { line, start: textStart, address, length: bytes > 0 ? bytes : undefined }, options);
    }
    // Without raw bytes, the next address gives the previous length (when it is a plausible one).
    if (bytes === 0 && last >= 0 && !lastHasBytes && address !== undefined) {
      const previous = itemInsn(last);
      if (previous !== undefined && previous.address !== undefined && previous.length === undefined) {
        const gap = address - previous.address;
        if (gap > 0 && gap <= 15) replaceLast({ ...previous, length: gap });
      }
    }
    pushInsn(sink, insn);
    last = sink.items.length - 1;
    lastHasBytes = bytes > 0;
  }

  function extendLast(bytes: number): void {
    const previous = itemInsn(last);
    if (previous === undefined) return;
    replaceLast({ ...previous, length: (previous.length ?? 0) + bytes });
  }

  /**
   * `-r`: a relocation inside the last instruction names what the zero bytes stand for. In a `.o`,
   * `call 3f <sw+0x3f>` with `R_X86_64_PLT32 __stack_chk_fail-0x4` calls `__stack_chk_fail`.
   */
  function relocationLine(from: number, end: number, offset: number | undefined): void {
    const previous = last >= 0 ? itemInsn(last) : undefined;
    if (previous === undefined || previous.address === undefined || offset === undefined) return;
    if (offset <= previous.address || (previous.length !== undefined && offset >= previous.address + previous.length)) return;
    const tab = text.indexOf('\t', from);
    if (tab < 0 || tab >= end) return;
    const symbol = relocationSymbol(text.slice(tab + 1, end).trim());
    if (symbol.length === 0) return;
    let changed = false;
    const operands = previous.operands.map((op): Operand => {
      if (changed) return op;
      if (op.kind === 'target') {
        changed = true;
        return { kind: 'target', name: symbol, address: undefined };
      }
      if (op.kind === 'mem' && op.base === 'rip' && op.symbol === undefined) {
        changed = true;
        return { ...op, symbol };
      }
      return op;
    });
    if (!changed) {
      const immIndex = operands.findIndex((op) => op.kind === 'imm' && op.value === 0);
      if (immIndex >= 0) operands[immIndex] = { kind: 'imm', value: undefined };
    }
    replaceLast({ ...previous, operands });
  }

  function otherLine(start: number, s: number, end: number, line: number): void {
    const body = text.slice(s, trimEnd(text, s, end));
    if (body === '...') {
      last = -1;
      return;
    }
    const format = body.indexOf('file format ');
    if (format > 0 && body.charCodeAt(format - 1) === 32) {
      const name = body.slice(format + 12).trim();
      pushDirective(sink, { kind: 'bits', bits: name.startsWith('elf32-i386') || name.startsWith('pe-i386') ? 32 : 64, line });
      last = -1;
      return;
    }
    if (body.startsWith('Disassembly of section ') && body.endsWith(':')) {
      pushDirective(sink, { kind: 'section', name: body.slice(23, -1), line });
      last = -1;
      return;
    }
    const header = /^([0-9a-fA-F]+) <(.+)>:$/.exec(body);
    if (header !== null && s === start) {
      const address = parseHexDigits(header[1]);
      const name = header[2];
      pushDirective(sink, { kind: 'function-header', name, address, line });
      sink.items.push({ kind: 'label', name, line, span: { start: s + header[1].length + 2, end: s + header[1].length + 2 + name.length }, address });
      last = -1;
      return;
    }
    const source = s === start ? /^(\S*[/.]\S*):(\d+)(?: \(discriminator \d+\))?$/.exec(body) : null;
    if (source !== null) {
      pushDirective(sink, { kind: 'source-line', path: source[1], sourceLine: Number(source[2]), line });
      return;
    }
    sink.comments.push({ line, text: text.slice(start, end) });
  }

  function itemInsn(index: number): Instruction | undefined {
    const item = sink.items[index];
    return item !== undefined && item.kind === 'insn' ? item.insn : undefined;
  }

  function replaceLast(insn: Instruction): void {
    sink.items[last] = { kind: 'insn', insn, line: insn.line };
  }
}

/** `__stack_chk_fail-0x4` -> `__stack_chk_fail`; `.rodata+0x10` -> `.rodata`; `puts@plt` -> `puts`. */
function relocationSymbol(text: string): string {
  let name = text;
  const addend = /[+-]0x[0-9a-fA-F]+$/.exec(name);
  if (addend !== null) name = name.slice(0, addend.index);
  if (name.endsWith('@PLT') || name.endsWith('@plt')) name = name.slice(0, -4);
  return name;
}

function hexRunEnd(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && isHex(text.charCodeAt(i))) i++;
  return i;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
