/**
 * GAS directives the analysis needs, interpreted into `DirectiveItem`s: function types and sizes,
 * globals, the current section, data that may hold code addresses (jump tables), DWARF `.file`
 * and `.loc`, and the code size. Every other directive (`.cfi_*`, `.p2align`, `.string`, ...) is
 * accepted silently.
 */
import { isNumericLocalRef } from './numbers';
import { splitOperands } from './operands';
import { pushDirective, type Sink } from './sink';

/** State a GAS file carries from line to line. */
export interface GasState {
  /** The operand spelling in force (`.intel_syntax` / `.att_syntax` switch it mid-file). */
  mode: 'att' | 'intel';
  /** `.intel_syntax prefix`: registers keep their `%`. */
  intelPrefix: boolean;
  section: string;
  previousSection: string;
  /** What `.pushsection` saved: the section and the one `.previous` returned to, as GAS saves both. */
  readonly sectionStack: SectionEntry[];
  /** Inside `.macro` ... `.endm`: the body is a template, not code at this place. */
  inMacro: boolean;
  /** Definitions seen so far of each numeric local label (`1:`), for `1b`/`1f`. */
  readonly numericLabels: Map<string, number>;
}

/** A section and the one `.previous` returns to from it. */
export interface SectionEntry {
  readonly section: string;
  readonly previous: string;
}

/**
 * The sections in force at some line of a GAS text: the current one, the one `.previous` returns
 * to, and what `.pushsection` saved (innermost last). A text cut into function chunks starts each
 * chunk in the sections the lines before it left (`analysis/chunks.ts`), so that a `.popsection`
 * finds a push made in an earlier chunk.
 */
export interface SectionContext extends SectionEntry {
  readonly stack: readonly SectionEntry[];
}

/** Where every GAS text starts: `.text`, nothing pushed. */
export const initialSections: SectionContext = { section: '.text', previous: '.text', stack: [] };

/** A fresh state for a GAS file starting in `mode`, in `sections` (a chunk's, or the file's start). */
export function newGasState(mode: 'att' | 'intel', sections: SectionContext = initialSections): GasState {
  return { mode, intelPrefix: false, section: sections.section, previousSection: sections.previous, sectionStack: [...sections.stack], inMacro: false, numericLabels: new Map() };
}

/** Data directives and their width in bytes. */
const DATA_WIDTH: Readonly<Record<string, number>> = {
  '.quad': 8,
  '.8byte': 8,
  '.dc.a': 8,
  '.long': 4,
  '.4byte': 4,
  '.int': 4,
  '.word': 2,
  '.short': 2,
  '.2byte': 2,
  '.value': 2,
  '.hword': 2,
  '.byte': 1,
};

/** The width in bytes of data directive `name` (lowercase), or undefined when it is none. */
export function gasDataWidth(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(DATA_WIDTH, name) ? DATA_WIDTH[name] : undefined;
}

/** Function type spellings: `@function`, `%function`, `"function"`, `STT_FUNC`, and ifuncs. */
const FUNCTION_TYPES = new Set(['@function', '%function', '"function"', 'stt_func', '@gnu_indirect_function', '%gnu_indirect_function']);

/**
 * The symbol that the operands of a `.type` directive make a function, or undefined:
 * `.type foo, @function`, `.type foo STT_FUNC` (the comma is optional in GAS),
 * `.type foo, @gnu_indirect_function`. The chunk scanner and the parser both ask this one rule.
 */
export function declaredFunction(rest: string): string | undefined {
  const parts = splitOperands(rest);
  const [symbol, type] = parts.length >= 2 ? [parts[0], parts[1]] : splitOnSpace(rest.trim());
  if (symbol.length === 0 || !FUNCTION_TYPES.has(type.trim().toLowerCase())) return undefined;
  return unquote(symbol);
}

/**
 * Every directive that `interpretGasDirective` acts on outside a macro body. All other directives
 * (`.cfi_*`, `.p2align`, `.string`, `.uleb128`, ...) are accepted silently, which lets the line
 * scanner skip them without building their text; a case added to the switch below must be added
 * here too, or it is never reached.
 */
export const GAS_DIRECTIVES_WITH_EFFECT: ReadonlySet<string> = new Set([
  ...Object.keys(DATA_WIDTH),
  '.intel_syntax',
  '.att_syntax',
  '.type',
  '.size',
  '.globl',
  '.global',
  '.text',
  '.data',
  '.bss',
  '.section',
  '.pushsection',
  '.popsection',
  '.previous',
  '.file',
  '.loc',
  '.code16',
  '.code16gcc',
  '.code32',
  '.code64',
  '.macro',
  '.include',
]);

/**
 * Interprets the directive `name` (lowercase, with its dot) whose arguments are `rest` on 0-based
 * line `line`.
 */
export function interpretGasDirective(name: string, rest: string, line: number, state: GasState, sink: Sink): void {
  if (state.inMacro) {
    if (name === '.endm' || name === '.endmacro') state.inMacro = false;
    return;
  }
  if (!GAS_DIRECTIVES_WITH_EFFECT.has(name)) return;
  const width = DATA_WIDTH[name];
  if (width !== undefined) {
    const values = splitOperands(rest).map((v) => resolveNumericRef(v, state));
    pushDirective(sink, { kind: 'data', values, width, line });
    return;
  }
  switch (name) {
    case '.intel_syntax':
      state.mode = 'intel';
      state.intelPrefix = rest.trim().toLowerCase() === 'prefix';
      return;
    case '.att_syntax':
      state.mode = 'att';
      state.intelPrefix = false;
      return;
    case '.type': {
      const name = declaredFunction(rest);
      if (name !== undefined) pushDirective(sink, { kind: 'type-function', name, line });
      return;
    }
    case '.size': {
      const parts = splitOperands(rest);
      if (parts.length >= 1 && parts[0].length > 0) pushDirective(sink, { kind: 'size', name: unquote(parts[0]), line });
      return;
    }
    case '.globl':
    case '.global':
      for (const symbol of splitOperands(rest)) if (symbol.length > 0) pushDirective(sink, { kind: 'global', name: unquote(symbol), line });
      return;
    case '.text':
    case '.data':
    case '.bss':
      setSection(state, name, line, sink);
      return;
    case '.section':
    case '.pushsection': {
      const sectionName = sectionArgument(rest);
      if (sectionName.length === 0) {
        sink.problems.push({ line, message: `${name} without a section name` });
        return;
      }
      if (name === '.pushsection') state.sectionStack.push({ section: state.section, previous: state.previousSection });
      setSection(state, sectionName, line, sink);
      return;
    }
    case '.popsection': {
      // GAS restores both the section and the one `.previous` returned to before the push.
      const popped = state.sectionStack.pop();
      if (popped === undefined) {
        sink.problems.push({ line, message: '.popsection without .pushsection' });
        return;
      }
      setSection(state, popped.section, line, sink);
      state.previousSection = popped.previous;
      return;
    }
    case '.previous':
      setSection(state, state.previousSection, line, sink);
      return;
    case '.file':
      interpretFile(rest, line, sink);
      return;
    case '.loc': {
      const fields = rest.trim().split(/[ \t]+/, 3);
      const fileNumber = Number(fields[0]);
      const sourceLine = Number(fields[1]);
      if (Number.isInteger(fileNumber) && Number.isInteger(sourceLine)) pushDirective(sink, { kind: 'loc', fileNumber, sourceLine, line });
      else sink.problems.push({ line, message: 'malformed .loc' });
      return;
    }
    case '.code16':
    case '.code16gcc':
      pushDirective(sink, { kind: 'bits', bits: 16, line });
      return;
    case '.code32':
      pushDirective(sink, { kind: 'bits', bits: 32, line });
      return;
    case '.code64':
      pushDirective(sink, { kind: 'bits', bits: 64, line });
      return;
    case '.macro':
      state.inMacro = true;
      sink.problems.push({ line, message: 'macro definition is not expanded; its uses are analyzed as unknown instructions' });
      return;
    case '.include':
      sink.problems.push({ line, message: '.include is not followed' });
      return;
    default:
      return;
  }
}

/** The numeric-label naming GAS itself uses internally: the k-th `1:` is `.L1^k`. */
export function numericLabelName(label: string, k: number): string {
  return `.L${label}^${k}`;
}

/** `1b` -> the latest `1:` so far, `1f` -> the next one; other names unchanged. */
export function resolveNumericRef(name: string, state: GasState): string {
  if (!isNumericLocalRef(name)) return name;
  const label = name.slice(0, -1);
  const seen = state.numericLabels.get(label) ?? 0;
  return numericLabelName(label, name.endsWith('b') ? seen : seen + 1);
}

function setSection(state: GasState, section: string, line: number, sink: Sink): void {
  state.previousSection = state.section;
  state.section = section;
  pushDirective(sink, { kind: 'section', name: section, line });
}

/** `.section .text.startup,"ax",@progbits` -> `.text.startup`; `.section "name"` -> `name`. */
function sectionArgument(rest: string): string {
  const s = rest.trim();
  if (s.charCodeAt(0) === 34) {
    const close = s.indexOf('"', 1);
    return close > 0 ? s.slice(1, close) : s.slice(1);
  }
  let end = 0;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (c === 44 || c === 32 || c === 9) break;
    end++;
  }
  return s.slice(0, end);
}

/**
 * `.file 1 "a.c"`, DWARF 5 `.file 1 "dir" "a.c" md5 0x...` (joined unless the file is absolute),
 * `.file 0 ...`. The un-numbered `.file "a.c"` names the symbol table's file and is not a line
 * table entry, so it gives nothing.
 */
function interpretFile(rest: string, line: number, sink: Sink): void {
  const s = rest.trim();
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === 0) return;
  const fileNumber = Number(s.slice(0, i));
  const strings: string[] = [];
  let pos = i;
  for (let guard = 0; guard < 2; guard++) {
    const open = s.indexOf('"', pos);
    if (open < 0) break;
    let close = open + 1;
    while (close < s.length && s.charCodeAt(close) !== 34) close += s.charCodeAt(close) === 92 ? 2 : 1;
    strings.push(unescape(s.slice(open + 1, Math.min(close, s.length))));
    pos = close + 1;
    // A DWARF 5 directory is followed directly by the file name; `md5` ends the names.
    if (!s.slice(pos).trimStart().startsWith('"')) break;
  }
  if (strings.length === 0) {
    sink.problems.push({ line, message: 'malformed .file' });
    return;
  }
  let path = strings[strings.length - 1];
  if (strings.length === 2 && !path.startsWith('/') && strings[0].length > 0) path = strings[0].endsWith('/') ? strings[0] + path : `${strings[0]}/${path}`;
  pushDirective(sink, { kind: 'file', fileNumber, path, line });
}

function unescape(s: string): string {
  return s.includes('\\') ? s.replace(/\\(.)/g, '$1') : s;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.charCodeAt(0) === 34 && t.charCodeAt(t.length - 1) === 34 ? t.slice(1, -1) : t;
}

function splitOnSpace(s: string): [string, string] {
  const space = s.search(/[ \t]/);
  return space < 0 ? [s, ''] : [s.slice(0, space), s.slice(space + 1)];
}
