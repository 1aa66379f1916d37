/**
 * Dialect detection from content alone, with a reason the user can read.
 *
 * The first strong evidence in file order decides: an objdump header or instruction line, a
 * `.intel_syntax`/`.att_syntax` directive, a NASM directive (`bits 64`, `section .text`,
 * `global foo`, `%define`), an AT&T register (`%rsp`) or an Intel `PTR` size. Taking the first
 * keeps a file that starts in AT&T and switches to `.intel_syntax` later an AT&T file (the GAS
 * parser follows the switch). Without strong evidence, weak evidence decides: NASM sizes without
 * `ptr` (`qword [rsp-8]`), then Intel operands without `%` (`mov rbp, rsp`, Compiler Explorer
 * output). Line numbers in reasons are 1-based, as editors show them.
 */
import type { TextSyntax } from '../ir';
import { isKnownMnemonic } from './mnemonics';
import { canonicalRegister } from './registers';
import { forEachLine, skipBlanks, trimEnd } from './sink';

/** The detected dialect and why. */
export interface SyntaxDetection {
  readonly syntax: TextSyntax;
  readonly reason: string;
}

const NASM_WORDS = new Set(['bits', 'section', 'segment', 'global', 'extern', 'default', 'use64', 'use32', 'use16', 'cpu', 'org']);
const NASM_PREPROCESSOR = /^%(define|xdefine|macro|imacro|include|assign|if|ifdef|ifndef|elif|else|endif|endmacro|rep|endrep|undef|use|line|pragma|error|warning)\b/i;
const NASM_DATA = /^(?:[\w.$?@]+:?\s+)?(?:db|dw|dd|dq|dt|resb|resw|resd|resq|times)\s/i;
/**
 * An objdump instruction line: an address, a colon and a tab, then the instruction's bytes
 * (`  1139:\t55   \tpush   %rbp`) or, with `--no-show-raw-insn`, an indented address and the
 * mnemonic. A numeric label in a `.S` file (`1:\tLOCK`, `f7:\t.double 0.5`, `0:\t\t\\`) is neither.
 */
const OBJDUMP_INSN = /^(?:\s*[0-9a-f]+:\t[0-9a-f]{2}(?: [0-9a-f]{2})*(?: |\t|$)|\s+[0-9a-f]+:\t[a-z])/;

/** Detects the dialect of assembly `text` from its content. */
export function detectSyntax(text: string): SyntaxDetection {
  let result: SyntaxDetection | undefined;
  let weakNasm: SyntaxDetection | undefined;
  let weakIntel: SyntaxDetection | undefined;
  let objdumpAt = -1;
  let objdumpReason = '';
  let lineCount = 0;
  let inBlockComment = false;

  forEachLine(text, (start, end, line) => {
    lineCount = line;
    if (result !== undefined || objdumpAt >= 0) return;
    const lineText = text.slice(start, end);
    if (inBlockComment) {
      if (!lineText.includes('*/')) return;
      inBlockComment = false;
      return;
    }
    const s = skipBlanks(text, start, end);
    const e = trimEnd(text, s, end);
    if (s >= e) return;
    const body = text.slice(s, e);
    const format = body.indexOf(':     file format ');
    if (format > 0) {
      objdumpAt = line;
      objdumpReason = `objdump header \`file format ${body.slice(format + 18).trim()}\` on line ${line + 1}`;
      return;
    }
    if (body.startsWith('Disassembly of section ')) {
      objdumpAt = line;
      objdumpReason = `objdump header \`${body}\` on line ${line + 1}`;
      return;
    }
    if (OBJDUMP_INSN.test(lineText)) {
      objdumpAt = line;
      objdumpReason = `objdump instruction line \`${body.replace(/\s+/g, ' ')}\` on line ${line + 1}`;
      return;
    }
    const c = body.charCodeAt(0);
    if (body.startsWith('/*') && !body.includes('*/')) inBlockComment = true;
    if (c === 35 /* # */ || c === 59 /* ; */ || body.startsWith('//') || body.startsWith('/*')) return;
    const lower = body.toLowerCase();
    if (lower.startsWith('.intel_syntax')) {
      result = { syntax: 'intel', reason: `directive \`${cleanDirective(body)}\` on line ${line + 1}` };
      return;
    }
    if (lower.startsWith('.att_syntax')) {
      result = { syntax: 'att', reason: `directive \`${cleanDirective(body)}\` on line ${line + 1}` };
      return;
    }
    if (c === 37 /* % */ && NASM_PREPROCESSOR.test(body)) {
      result = { syntax: 'nasm', reason: `NASM \`${firstWords(body)}\` on line ${line + 1}` };
      return;
    }
    const unbracketed = c === 91 /* [ */ ? lower.slice(1) : lower;
    const firstWord = unbracketed.split(/[\s\]]/, 1)[0];
    if (NASM_WORDS.has(firstWord) && unbracketed.length > firstWord.length && !body.includes('%')) {
      result = { syntax: 'nasm', reason: `NASM \`${firstWords(body)}\` on line ${line + 1}` };
      return;
    }
    const code = stripComment(body);
    const percent = code.indexOf('%');
    if (percent >= 0 && canonicalRegister(registerWord(code, percent + 1)) !== undefined) {
      result = { syntax: 'att', reason: `AT&T operands such as \`${code.replace(/\s+/g, ' ')}\` on line ${line + 1}` };
      return;
    }
    if (/\bptr\b/i.test(code) && code.charCodeAt(0) !== 46) {
      result = { syntax: 'intel', reason: `Intel operands such as \`${code.replace(/\s+/g, ' ')}\` (no directives)` };
      return;
    }
    if (weakNasm === undefined && (NASM_DATA.test(code) || /\b(?:byte|word|dword|qword)\s+\[/i.test(code))) {
      weakNasm = { syntax: 'nasm', reason: `NASM operands such as \`${code.replace(/\s+/g, ' ')}\` on line ${line + 1}` };
    }
    if (weakIntel === undefined && c !== 46 && bareRegisterOperand(code)) {
      weakIntel = { syntax: 'intel', reason: `Intel operands such as \`${code.replace(/\s+/g, ' ')}\` (no directives)` };
    }
    // The first strong evidence decides: the rest of a large file need not be read.
  }, () => result !== undefined || objdumpAt >= 0);

  if (objdumpAt >= 0) return { syntax: objdumpSpelling(text, objdumpAt), reason: objdumpReason };
  if (result !== undefined) return result;
  if (weakNasm !== undefined) return weakNasm;
  if (weakIntel !== undefined) return weakIntel;
  return { syntax: 'att', reason: lineCount > 0 ? 'no distinguishing content; GAS AT&T by default' : 'empty input; GAS AT&T by default' };
}

/** objdump prints AT&T registers with `%`; `-M intel` without. Looks at up to 200 instruction lines. */
function objdumpSpelling(text: string, from: number): 'objdump-att' | 'objdump-intel' {
  let seen = 0;
  let intel = 0;
  let verdict: 'objdump-att' | 'objdump-intel' | undefined;
  forEachLine(text, (start, end, line) => {
    if (verdict !== undefined || line < from || seen >= 200) return;
    const lineText = text.slice(start, end);
    if (!OBJDUMP_INSN.test(lineText)) return;
    seen++;
    const hash = lineText.indexOf('#');
    const code = hash >= 0 ? lineText.slice(0, hash) : lineText;
    if (code.includes('%')) verdict = 'objdump-att';
    else if (/\bPTR\b|\t[a-z]+ +[a-z]{2,3}\d*[dwb]?,/.test(code)) intel++;
  });
  if (verdict !== undefined) return verdict;
  return intel > 0 ? 'objdump-intel' : 'objdump-att';
}

/** `mov rbp, rsp`, `push rbp`: a known mnemonic whose first operand is a register without `%`. */
function bareRegisterOperand(code: string): boolean {
  const m = /^([a-z][a-z0-9]*)\s+([a-z][a-z0-9]*)\s*(?:,|$)/i.exec(code);
  return m !== null && isKnownMnemonic(m[1].toLowerCase()) && canonicalRegister(m[2]) !== undefined;
}

function registerWord(code: string, from: number): string {
  let i = from;
  while (i < code.length) {
    const c = code.charCodeAt(i);
    const lower = c | 32;
    if (!((lower >= 97 && lower <= 122) || (c >= 48 && c <= 57))) break;
    i++;
  }
  return code.slice(from, i);
}

function stripComment(body: string): string {
  const hash = body.indexOf('#');
  const semi = body.indexOf(';');
  let end = body.length;
  if (hash >= 0) end = hash;
  if (semi >= 0 && semi < end) end = semi;
  return body.slice(0, end).trim();
}

function cleanDirective(body: string): string {
  return stripComment(body).replace(/\s+/g, ' ');
}

function firstWords(body: string): string {
  return stripComment(body).replace(/\s+/g, ' ').slice(0, 40);
}
