/**
 * Splits an input into function-sized chunks with a cheap scan of the text, so that each chunk can
 * be parsed and analyzed on its own, cached, and re-analyzed only when it changes (a 200,000-line
 * `.s` in the editor), and so that whole-file and chunked analysis share one definition of where
 * functions start.
 *
 * A chunk starts at the line that defines a function label and runs to the next one; chunk 0
 * holds whatever precedes the first function (the file header). Function labels are those named by
 * `.type f,@function`, `.globl`/`.global`/NASM `global`, or a `call`; objdump listings start one at
 * every `<sym>:` header; a file with none of these starts one at every non-local label.
 */
import type { TextSyntax } from '../ir';
import { declaredFunction } from '../syntax/directives';
import { initialSections, opcodeOfWord, type SectionContext } from '../syntax/index';
import { skipBlanks } from '../syntax/sink';
import { isCallOpcode } from '../x86/opcodes';
import { isDataSection, isLocalLabel } from './program';
import { plainSymbol } from './semantics';

/** One chunk: `[offset, end)` of the text, starting on 0-based `line`. */
export interface Chunk {
  readonly offset: number;
  readonly end: number;
  readonly line: number;
  /** The dialect to parse the chunk in (a GAS file may switch between AT&T and Intel). */
  readonly syntax: TextSyntax;
  /** The address size in force at the start of the chunk (`.code32`, `bits 32`, `elf32-i386`). */
  readonly mode: 2 | 4 | 8;
  /** GAS: the sections in force at the start of the chunk (a push made before it, in another chunk or macro expansion). */
  readonly sections: SectionContext;
}

/** A key that is equal for equal section contexts (a cached chunk parsed in other sections is parsed again). */
export function sectionsKey(sections: SectionContext): string {
  if (sections.stack.length === 0 && sections.section === '.text' && sections.previous === '.text') return '';
  return [sections, ...sections.stack].map((entry) => `${entry.section}\u0000${entry.previous}`).join('\u0001');
}

/** The chunks of a text, and the function names that start them. */
export interface ChunkScan {
  readonly chunks: readonly Chunk[];
  readonly functionStarts: ReadonlySet<string>;
  /** `.file N "path"` lines of the whole text, which `.loc` in any chunk refers to. */
  readonly fileDirectives: string;
  /**
   * True for an objdump listing of an unlinked object: a function header at address 0. Every
   * section of a relocatable object starts at 0, and linked code is never placed there.
   */
  readonly relocatable: boolean;
}

const objdumpHeader = /^[0-9a-fA-F]+ <([^>\n]+)>:[ \t]*$/gm;
const objdumpFormat = /file format elf(32|64)-/g;

/** The words the scan acts on; `rep` stands for every `rep` prefix. */
const scannedWords = [
  '.type', '.globl', '.global', 'global', '.file', '.intel_syntax', '.att_syntax',
  '.code16', '.code32', '.code64', 'bits', 'notrack', 'bnd', 'lock', '.section', '.pushsection', '.popsection', '.previous',
  '.text', '.data', '.bss',
] as const;

/** Which of `scannedWords` `text[start, end)` is, in any letter case, or undefined. */
function knownWord(text: string, start: number, end: number): (typeof scannedWords)[number] | 'rep' | undefined {
  for (let k = 0; k < scannedWords.length; k++) if (wordIs(text, start, end, scannedWords[k]!)) return scannedWords[k];
  return end - start >= 3 && end - start <= 5 && wordIs(text, start, start + 3, 'rep') ? 'rep' : undefined;
}

/** True when `text[start, end)` is `word` (lowercase) in any letter case. */
function wordIs(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    const c = text.charCodeAt(start + k);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** What one pass over the lines of a GAS or NASM text finds. */
interface LineFacts {
  readonly declared: Set<string>;
  readonly callTargets: Set<string>;
  /** Labels at the start of a line, outside data sections (`isDataSection`), with the sections in force there. */
  readonly labels: { readonly name: string; readonly offset: number; readonly sections: SectionContext }[];
  readonly files: string[];
  readonly switches: { readonly offset: number; readonly syntax: 'att' | 'intel' }[];
  readonly modes: { readonly offset: number; readonly mode: 2 | 4 | 8 }[];
}

/**
 * One pass over the lines, reading at most the first few words of each: labels at the start of a
 * line, `.type f,@function`, `.globl`/`.global`/`global`, `call f`, `.file N "..."`,
 * `.intel_syntax`/`.att_syntax`, `.code32`, `bits 32`. Comment lines are skipped. This replaced a
 * regex pass per fact: an edit in a 100,000-line file rescans all of it.
 */
function scanLines(text: string): LineFacts {
  const facts: LineFacts = { declared: new Set(), callTargets: new Set(), labels: [], files: [], switches: [], modes: [] };
  const n = text.length;
  // The sections in force, as GAS keeps them: labels in data sections start nothing, and each
  // label remembers them for the chunk it may start. A new object on every change, so labels share it.
  let sections: SectionContext = initialSections;
  const setSection = (name: string): void => {
    sections = { section: name, previous: sections.section, stack: sections.stack };
  };
  const pushSection = (name: string): void => {
    sections = { section: name, previous: sections.section, stack: [...sections.stack, { section: sections.section, previous: sections.previous }] };
  };
  const popSection = (): void => {
    const top = sections.stack[sections.stack.length - 1];
    // An unmatched `.popsection` changes nothing (the parser reports it).
    if (top !== undefined) sections = sections.stack.length === 1 && top.section === '.text' && top.previous === '.text' ? initialSections : { ...top, stack: sections.stack.slice(0, -1) };
  };
  // GAS reads C block comments: a line inside one (`   Note: %edx == 0 here.  */`) is not a
  // label. The next `/*` is searched once and kept, so a text without one is not searched per line.
  let inComment = false;
  let nextOpen = -1;
  let start = 0;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    let from = start;
    if (inComment) {
      const close = text.indexOf('*/', start);
      if (close < 0 || close >= end) {
        start = end + 1;
        continue;
      }
      inComment = false;
      from = close + 2;
    }
    if (nextOpen < from) {
      const found = text.indexOf('/*', from);
      nextOpen = found < 0 ? Infinity : found;
    }
    // The words of the line are read from `from`; a comment opened on it and not closed runs on.
    while (nextOpen < end) {
      const close = text.indexOf('*/', nextOpen + 2);
      if (close < 0 || close >= end) {
        inComment = true;
        break;
      }
      const again = text.indexOf('/*', close + 2);
      nextOpen = again < 0 ? Infinity : again;
    }
    let i = skipBlanks(text, from, end);
    // Up to two words: a label may precede the statement (`f: call g`), a prefix the mnemonic.
    for (let words = 0; words < 3 && i < end; words++) {
      const c = text.charCodeAt(i);
      if (c === 35 /* # */ || c === 59 /* ; */) break;
      const bracket = c === 91 /* [ */;
      const wordStart = bracket ? i + 1 : i;
      const wordEnd = wordEndAt(text, wordStart, end);
      if (wordEnd === wordStart) break;
      const isLabel = !bracket && text.charCodeAt(wordEnd) === 58 /* : */ && text.charCodeAt(wordEnd + 1) !== 58;
      if (isLabel) {
        // `.L3:` and other dot labels are local; slicing every one of them would cost more than the scan.
        if (c !== 46 /* . */ && !isDataSection(sections.section)) facts.labels.push({ name: text.slice(wordStart, wordEnd), offset: start, sections });
        i = skipBlanks(text, wordEnd + 1, end);
        continue;
      }
      const first = text.charCodeAt(wordStart) | 32;
      // Only words starting with . b c g l n r can matter: skip the rest without a string.
      if (first !== 46 && first !== 98 && first !== 99 && first !== 103 && first !== 108 && first !== 110 && first !== 114) break;
      if (first === 46) {
        // Directives that matter: .type .text .globl .global .file .intel_syntax .att_syntax .code32
        // .section .pushsection .popsection .previous .data .bss (not .loc, .cfi_*).
        const second = text.charCodeAt(wordStart + 1);
        if (second !== 116 && second !== 103 && second !== 102 && second !== 105 && second !== 97 && second !== 115 && second !== 112 && second !== 100 && second !== 98 && !(second === 99 && text.charCodeAt(wordStart + 2) === 111)) break;
      }
      const length = wordEnd - wordStart;
      if (length > 13) break;
      // The word is matched in place: a lowercased copy of every `leaq` and `cmpl` cost a quarter of the scan.
      const word = knownWord(text, wordStart, wordEnd);
      const rest = skipBlanks(text, wordEnd, end);
      if (word === undefined) {
        // `call f`, `callq f`: whether the word is a call is the x86 table's answer for its opcode.
        if ((first === 99 /* c */ || first === 108 /* l */) && length <= 6 && isCallOpcode(opcodeOfWord(text.slice(wordStart, wordEnd).toLowerCase()))) {
          const target = text.slice(rest, wordEndAt(text, rest, end));
          if (target !== '' && /^[A-Za-z_$]/.test(target)) facts.callTargets.add(plainSymbol(target));
        }
        break;
      }
      if (word === '.type') {
        const name = declaredFunction(commentFree(text.slice(rest, end)));
        if (name !== undefined) facts.declared.add(name);
      } else if (word === '.globl' || word === '.global' || word === 'global') {
        const name = text.slice(rest, wordEndAt(text, rest, end));
        if (name !== '') facts.declared.add(name);
      } else if (word === '.file') {
        if (/^\d+[ \t]+"/.test(text.slice(rest, end))) facts.files.push(text.slice(start, end));
      } else if (word === '.intel_syntax' || word === '.att_syntax') {
        facts.switches.push({ offset: start, syntax: word === '.intel_syntax' ? 'intel' : 'att' });
      } else if (word === '.code16' || word === '.code32' || word === '.code64') {
        facts.modes.push({ offset: start, mode: word === '.code16' ? 2 : word === '.code32' ? 4 : 8 });
      } else if (word === '.section') {
        setSection(sectionName(text.slice(rest, end)));
      } else if (word === '.pushsection') {
        pushSection(sectionName(text.slice(rest, end)));
      } else if (word === '.text' || word === '.data' || word === '.bss') {
        setSection(word);
      } else if (word === '.previous') {
        setSection(sections.previous);
      } else if (word === '.popsection') {
        popSection();
      } else if (word === 'bits') {
        const bits = text.slice(rest, wordEndAt(text, rest, end));
        if (bits === '16' || bits === '32' || bits === '64') facts.modes.push({ offset: start, mode: (Number(bits) / 8) as 2 | 4 | 8 });
      } else {
        // A prefix (`lock`, `rep`, `notrack`, `bnd`): the mnemonic follows.
        i = rest;
        continue;
      }
      break;
    }
    start = end + 1;
  }
  return facts;
}


/** A directive's operands up to a `#` comment or a `;` that ends the statement, outside quotes. */
function commentFree(operands: string): string {
  let quoted = false;
  for (let k = 0; k < operands.length; k++) {
    const c = operands.charCodeAt(k);
    if (c === 34 /* " */) quoted = !quoted;
    else if (!quoted && (c === 35 /* # */ || c === 59 /* ; */)) return operands.slice(0, k);
  }
  return operands;
}

/** `.section .rodata.cst8,"aM",@progbits,8` -> `.rodata.cst8`; `.section "name"` -> `name`. */
function sectionName(rest: string): string {
  const quoted = /^"([^"]*)"/.exec(rest);
  return quoted !== null ? quoted[1]! : /^[^\s,]*/.exec(rest)![0];
}

/** The end of a word of symbol characters `[A-Za-z0-9_.$@]` starting at `i` (so `i` when there is none). */
function wordEndAt(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    const symbol = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 36 || c === 64;
    if (!symbol) break;
    i++;
  }
  return i;
}

/** Scans the text for function starts and cuts it into chunks. Linear in the text length. */
export function scanChunks(text: string, syntax: TextSyntax): ChunkScan {
  const starts = new Set<string>();
  const boundaries: { offset: number; name: string; sections?: SectionContext }[] = [];
  let relocatable = false;
  if (syntax === 'objdump-att' || syntax === 'objdump-intel') {
    for (const match of text.matchAll(objdumpHeader)) {
      relocatable ||= /^0+ /.test(match[0]);
      starts.add(match[1]!);
      boundaries.push({ offset: match.index!, name: match[1]! });
    }
  }
  const facts = syntax === 'objdump-att' || syntax === 'objdump-intel' ? undefined : scanLines(text);
  if (facts !== undefined) {
    const directed = facts.declared.size > 0;
    const declared = new Set([...facts.declared, ...facts.callTargets]);
    for (const label of facts.labels) {
      const name = label.name;
      if (isLocalLabel(name) || /^\d/.test(name) || (directed && !declared.has(name))) continue;
      starts.add(name);
      boundaries.push({ offset: label.offset, name, sections: label.sections });
    }
  }
  const sectionsAt = new Map<number, SectionContext>();
  for (const boundary of boundaries) if (boundary.sections !== undefined && !sectionsAt.has(boundary.offset)) sectionsAt.set(boundary.offset, boundary.sections);
  const switches = facts?.switches ?? [];
  const modes = facts?.modes ?? (text.includes('file format elf32') ? [...text.matchAll(objdumpFormat)].map((m) => ({ offset: m.index!, mode: (Number(m[1]) / 8) as 2 | 4 | 8 })) : []);
  const chunks: Chunk[] = [];
  let line = 0;
  let lineCountedTo = 0;
  let switchIndex = 0;
  let modeIndex = 0;
  let currentSyntax = syntax;
  let currentMode: 2 | 4 | 8 = 8;
  // Two function labels on one line give one boundary; offsets only grow.
  const offsets = [0, ...new Set(boundaries.map((b) => b.offset).filter((o) => o > 0))];
  offsets.forEach((offset, k) => {
    const end = offsets[k + 1] ?? text.length;
    line += countLines(text, lineCountedTo, offset);
    lineCountedTo = offset;
    while (switchIndex < switches.length && switches[switchIndex]!.offset < offset) {
      if (syntax === 'att' || syntax === 'intel') currentSyntax = switches[switchIndex]!.syntax;
      switchIndex++;
    }
    while (modeIndex < modes.length && modes[modeIndex]!.offset < offset) currentMode = modes[modeIndex++]!.mode;
    chunks.push({ offset, end, line, syntax: currentSyntax, mode: currentMode, sections: sectionsAt.get(offset) ?? initialSections });
  });
  const fileDirectives = syntax === 'att' || syntax === 'intel' ? (facts?.files ?? []).join('\n') : '';
  return { chunks, functionStarts: starts, fileDirectives, relocatable };
}

function countLines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

