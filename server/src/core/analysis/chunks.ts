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
import { isLocalLabel } from './program';

/** One chunk: `[offset, end)` of the text, starting on 0-based `line`. */
export interface Chunk {
  readonly offset: number;
  readonly end: number;
  readonly line: number;
  /** The dialect to parse the chunk in (a GAS file may switch between AT&T and Intel). */
  readonly syntax: TextSyntax;
  /** The address size in force at the start of the chunk (`.code32`, `bits 32`, `elf32-i386`). */
  readonly mode: 2 | 4 | 8;
}

/** The chunks of a text, and the function names that start them. */
export interface ChunkScan {
  readonly chunks: readonly Chunk[];
  readonly functionStarts: ReadonlySet<string>;
  /** `.file N "path"` lines of the whole text, which `.loc` in any chunk refers to. */
  readonly fileDirectives: string;
}

const typeDirective = /^[ \t]*\.type[ \t]+"?([^\s,"]+)"?[ \t]*,[ \t]*["@%]?(?:function|STT_FUNC)/gm;
const globalDirective = /^[ \t]*(?:\.globl|\.global|global)[ \t]+([^\s,;#:]+)/gim;
const callTarget = /\bcall[lqw]?[ \t]+([A-Za-z_$][\w.$@]*)/g;
const labelLine = /^[ \t]*([A-Za-z_.$][\w.$@]*):/gm;
const objdumpHeader = /^[0-9a-fA-F]+ <([^>\n]+)>:[ \t]*$/gm;
const syntaxSwitch = /^[ \t]*\.(intel|att)_syntax\b/gm;
const modeSwitch = /^[ \t]*(?:\.code(16|32|64)\b|\[?bits[ \t]+(16|32|64)\]?)/gim;
const objdumpFormat = /file format elf(32|64)-/g;
const fileDirective = /^[ \t]*\.file[ \t]+\d+[ \t]+"[^\n]*$/gm;

/** Scans the text for function starts and cuts it into chunks. Linear in the text length. */
export function scanChunks(text: string, syntax: TextSyntax): ChunkScan {
  const starts = new Set<string>();
  const boundaries: { offset: number; name: string }[] = [];
  if (syntax === 'objdump-att' || syntax === 'objdump-intel') {
    for (const match of text.matchAll(objdumpHeader)) {
      starts.add(match[1]!);
      boundaries.push({ offset: match.index!, name: match[1]! });
    }
  } else {
    const declared = new Set<string>();
    for (const match of text.matchAll(typeDirective)) declared.add(match[1]!);
    for (const match of text.matchAll(globalDirective)) declared.add(match[1]!);
    const directed = declared.size > 0;
    for (const match of text.matchAll(callTarget)) declared.add(plain(match[1]!));
    for (const match of text.matchAll(labelLine)) {
      const name = match[1]!;
      if (isLocalLabel(name) || (directed && !declared.has(name)) || isMnemonicLike(text, match)) continue;
      if (!directed || declared.has(name)) {
        starts.add(name);
        boundaries.push({ offset: match.index!, name });
      }
    }
  }

  // Cheap substring tests first: most files never switch dialect or mode, and a regex pass costs more.
  const switches = !text.includes('_syntax') ? [] : [...text.matchAll(syntaxSwitch)].map((m) => ({ offset: m.index!, syntax: m[1]!.toLowerCase() as 'att' | 'intel' }));
  const modePattern = syntax.startsWith('objdump') ? objdumpFormat : modeSwitch;
  const mayswitch = syntax.startsWith('objdump') ? text.includes('file format elf32') : text.includes('.code') || /bits/i.test(text);
  const modes = !mayswitch ? [] : [...text.matchAll(modePattern)].map((m) => ({ offset: m.index!, mode: (Number(m[1] ?? m[2]) / 8) as 2 | 4 | 8 }));
  const chunks: Chunk[] = [];
  let line = 0;
  let lineCountedTo = 0;
  let switchIndex = 0;
  let modeIndex = 0;
  let currentSyntax = syntax;
  let currentMode: 2 | 4 | 8 = 8;
  const offsets = [0, ...boundaries.map((b) => b.offset).filter((o) => o > 0)];
  offsets.forEach((offset, k) => {
    const end = offsets[k + 1] ?? text.length;
    line += countLines(text, lineCountedTo, offset);
    lineCountedTo = offset;
    while (switchIndex < switches.length && switches[switchIndex]!.offset < offset) {
      if (syntax === 'att' || syntax === 'intel') currentSyntax = switches[switchIndex]!.syntax;
      switchIndex++;
    }
    while (modeIndex < modes.length && modes[modeIndex]!.offset < offset) currentMode = modes[modeIndex++]!.mode;
    chunks.push({ offset, end, line, syntax: currentSyntax, mode: currentMode });
  });
  const fileDirectives = syntax === 'att' || syntax === 'intel' ? [...text.matchAll(fileDirective)].map((m) => m[0]).join('\n') : '';
  return { chunks, functionStarts: starts, fileDirectives };
}

function countLines(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at >= 0 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function plain(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

/** `rep: stosb` is not a label; a `name:` followed by `:` (`std::foo`) is not one either. */
function isMnemonicLike(text: string, match: RegExpExecArray | RegExpMatchArray): boolean {
  const after = (match.index ?? 0) + match[0].length;
  return text.charCodeAt(after) === 58 /* : */;
}
