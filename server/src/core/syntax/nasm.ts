/**
 * The NASM/YASM parser (`.asm`, `.nasm`): `bits 64`, `[bits 32]`, `section .text`,
 * `global foo:function`, `foo:` and local `.loop:` labels, `qword [rsp-8]`, `[rel foo]`,
 * `dq`/`dd` data, `resb`, `times`, and `;` comments.
 *
 * Local labels are qualified the way NASM does it: `.loop` after `foo:` is `foo.loop`, both where
 * it is defined and where it is used (`jnz .loop`), so names are unique across the file.
 * Preprocessor lines (`%define`, `%macro`, `%include`, `%if`) are not expanded: each is reported
 * as a problem, and the lines of a `%macro` body are skipped, since they are a template rather
 * than code at that place.
 */
import { parseInstruction } from './instruction';
import { isSymbolChar } from './numbers';
import { splitOperands } from './operands';
import { forEachLine, pushDirective, pushInsn, skipBlanks, trimEnd, type Sink } from './sink';

const DATA_WIDTH: Readonly<Record<string, number>> = { db: 1, dw: 2, dd: 4, dq: 8, dt: 10, do: 16, dy: 32, dz: 64 };

/** Declarations that take no code and need no item (`resb 64`, `align 16`, `extern puts`). */
const QUIET = new Set([
  'extern', 'common', 'static', 'default', 'align', 'alignb', 'org', 'cpu', 'absolute', 'struc', 'endstruc', 'istruc', 'iend', 'at',
  'resb', 'resw', 'resd', 'resq', 'rest', 'reso', 'resy', 'resz', 'incbin', 'equ', 'required', 'float', 'warning', 'list', 'map',
]);

/** Parses NASM text into `sink`. */
export function parseNasm(text: string, sink: Sink): void {
  let base = '';
  let inMacro = false;
  const qualify = (name: string): string =>
    name.charCodeAt(0) === 46 && name.charCodeAt(1) !== 46 && base.length > 0 ? base + name : name;

  forEachLine(text, (start, end, line) => {
    const commentAt = findComment(text, start, end);
    if (commentAt < end) sink.comments.push({ line, text: text.slice(commentAt + 1, end).trim() });
    let s = skipBlanks(text, start, commentAt);
    let e = trimEnd(text, s, commentAt);
    if (s >= e) return;
    if (text.charCodeAt(s) === 37 /* % */) {
      const word = text.slice(s, wordEnd(text, s, e)).toLowerCase();
      if (word === '%endmacro' || word === '%endm') {
        inMacro = false;
        return;
      }
      if (inMacro) return;
      if (word === '%macro' || word === '%imacro') inMacro = true;
      sink.problems.push({ line, message: `preprocessor line not expanded: ${word}` });
      return;
    }
    if (inMacro) return;
    // `[bits 32]`, `[section .text]`: the primitive forms of the directives.
    if (text.charCodeAt(s) === 91 /* [ */ && text.charCodeAt(e - 1) === 93) {
      s = skipBlanks(text, s + 1, e - 1);
      e = trimEnd(text, s, e - 1);
    }
    // Labels: `foo:` (or `foo` alone, or before data: `table dq .a, .b`).
    let labelEnd = s;
    while (labelEnd < e && isSymbolChar(text.charCodeAt(labelEnd))) labelEnd++;
    if (labelEnd > s) {
      const after = skipBlanks(text, labelEnd, e);
      const word = text.slice(s, labelEnd);
      const lower = word.toLowerCase();
      const nextWord = text.slice(after, wordEnd(text, after, e)).toLowerCase();
      const colon = after < e && text.charCodeAt(after) === 58;
      const bareLabel = !colon && (DATA_WIDTH[nextWord] !== undefined || QUIET.has(nextWord) || nextWord === 'times') && DATA_WIDTH[lower] === undefined && !QUIET.has(lower) && lower !== 'times';
      if (colon || bareLabel) {
        if (word.charCodeAt(0) !== 46 && !word.startsWith('..')) base = word;
        sink.items.push({ kind: 'label', name: qualify(word), line, span: { start: s, end: labelEnd }, address: undefined });
        s = skipBlanks(text, colon ? after + 1 : after, e);
        if (s >= e) return;
      }
    }
    statement(s, e, line);
  });

  function statement(s: number, e: number, line: number): void {
    const w = wordEnd(text, s, e);
    const word = text.slice(s, w).toLowerCase();
    const rest = text.slice(w, e).trim();
    const width = DATA_WIDTH[word];
    if (width !== undefined) {
      pushDirective(sink, { kind: 'data', values: splitOperands(rest).map(qualify), width, line });
      return;
    }
    switch (word) {
      case 'bits': {
        const bits = Number(rest);
        if (bits === 16 || bits === 32 || bits === 64) pushDirective(sink, { kind: 'bits', bits, line });
        else sink.problems.push({ line, message: `unsupported bits ${rest}` });
        return;
      }
      case 'use16':
      case 'use32':
      case 'use64':
        pushDirective(sink, { kind: 'bits', bits: Number(word.slice(3)) as 16 | 32 | 64, line });
        return;
      case 'section':
      case 'segment': {
        const name = rest.split(/[ \t]/, 1)[0];
        if (name.length > 0) pushDirective(sink, { kind: 'section', name, line });
        return;
      }
      case 'global':
      case 'globl':
        for (const part of splitOperands(rest)) {
          // `global foo:function (foo.end - foo)` also types the symbol, for ELF output.
          const colon = part.indexOf(':');
          const name = (colon < 0 ? part : part.slice(0, colon)).trim();
          if (name.length === 0) continue;
          pushDirective(sink, { kind: 'global', name, line });
          if (colon >= 0 && /^\s*function\b/i.test(part.slice(colon + 1))) pushDirective(sink, { kind: 'type-function', name, line });
        }
        return;
      case 'times': {
        // `times 16 db 0` is data; `times 3 push rax` repeats code we do not expand.
        const inner = timesBody(rest);
        const innerWord = inner.split(/[ \t]/, 1)[0].toLowerCase();
        if (DATA_WIDTH[innerWord] !== undefined || innerWord.length === 0) return;
        const at = e - inner.length;
        const insn = parseInstruction(inner, 'intel', { line, start: at }, { flavor: 'nasm', objdumpTargets: false, resolve: qualify });
        pushInsn(sink, { ...insn, unknown: true });
        sink.problems.push({ line, message: 'times repetition of an instruction is not expanded' });
        return;
      }
      default:
        if (QUIET.has(word)) return;
    }
    const c = text.charCodeAt(s) | 32;
    if (c < 97 || c > 122) {
      sink.problems.push({ line, message: `not understood: ${text.slice(s, Math.min(e, s + 40))}` });
      return;
    }
    pushInsn(sink, parseInstruction(text.slice(s, e), 'intel', { line, start: s }, { flavor: 'nasm', objdumpTargets: false, resolve: qualify }));
  }
}

/** The index of the `;` that starts a comment, ignoring `;` inside '...', "..." and `...`. */
function findComment(text: string, start: number, end: number): number {
  let quote = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39 || c === 96) quote = c;
    else if (c === 59) return i;
  }
  return end;
}

function wordEnd(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) break;
    i++;
  }
  return i;
}

/** `times 16 db 0` -> `db 0`; `times (64 - ($ - $$)) nop` -> `nop`. */
function timesBody(rest: string): string {
  let i = 0;
  let depth = 0;
  while (i < rest.length) {
    const c = rest.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41) depth--;
    else if (depth <= 0 && (c === 32 || c === 9) && i > 0) {
      const next = rest.slice(i).trimStart();
      const ch = next.charCodeAt(0) | 32;
      if (ch >= 97 && ch <= 122 && !/^[a-z_$.][\w$.]*\s*[-+*/)]/i.test(next)) return next.trim();
    }
    i++;
  }
  return '';
}
