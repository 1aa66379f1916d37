/**
 * The fast path of the GAS parser: one character scan per line for the shapes that make up
 * nearly all compiler output (`label:`, `\tmovq\t8(%rsp), %rax`, `\t.cfi_def_cfa_offset 16`,
 * `\t.loc 1 12 5`, a trailing `# comment`), creating strings only for what the IR keeps.
 *
 * A repeated instruction is found in a table by the hash of its text computed during the scan, and
 * shares the text string and parsed core of its first occurrence; a directive the parser does not
 * act on is recognized without building its name. Anything unusual (`;`, `//`, `/*`, strings in
 * instructions, numeric labels, macros, pending prefixes, `.intel_syntax prefix`) makes
 * `scanGasLine` decline the line before it has any effect, and the careful line parser of
 * `gas.ts` reads it instead, so both paths give the same items by construction.
 */
import type { Span } from '../ir';
import { attCoreAt } from './att-core';
import { GAS_DIRECTIVES_WITH_EFFECT, gasDataWidth, interpretGasDirective, resolveNumericRef, type GasState } from './directives';
import { instructionFromCore, parseCore, type Core, type InsnOptions } from './instruction';
import { pushInsn, skipBlanks, type Sink } from './sink';
import { HASH_SEED, hashRange, hashStep, StatementTable } from './statement-table';

/** State shared by the fast path and the careful line parser of one GAS file. */
export interface GasScan {
  readonly text: string;
  readonly state: GasState;
  readonly sink: Sink;
  /** Statement options with the file's numeric-label resolver. */
  readonly options: InsnOptions;
  /** Prefixes from a statement on their own (`rep` alone on a line), for the next statement. */
  pending: readonly string[] | undefined;
  inBlockComment: boolean;
}

/**
 * Parsed statements by text, one table per spelling, kept across files: a 5 MB `.s` has about
 * 60,000 distinct instruction texts.
 */
const tables = { att: new StatementTable<Core>(1 << 17), intel: new StatementTable<Core>(1 << 17) };

/** Directive names the parser acts on, by the hash of their (lowercase) text. */
const effectByHash = new Map<number, string[]>();
for (const name of GAS_DIRECTIVES_WITH_EFFECT) {
  const h = hashRange(name, 0, name.length);
  const list = effectByHash.get(h);
  if (list === undefined) effectByHash.set(h, [name]);
  else list.push(name);
}

/**
 * Parses line `line`, `[start, end)` without its line break, and returns true; or returns false,
 * having changed nothing, when the careful parser must read the line.
 */
export function scanGasLine(scan: GasScan, start: number, end: number, line: number): boolean {
  if (scan.inBlockComment || scan.pending !== undefined || scan.state.inMacro) return false;
  const text = scan.text;
  const items = scan.sink.items;
  const mark = items.length;
  let s = skipBlanks(text, start, end);
  // Labels, possibly several before one statement: a name, blanks, a colon.
  for (let guard = start; guard < end; guard++) {
    if (s >= end) return true;
    const c = text.charCodeAt(s);
    if (!isLabelChar(c)) break;
    // The character tests are written out in the loops below: until V8 has optimized this code,
    // a call per character costs more than the rest of the line's work.
    let r = s + 1;
    for (; r < end; r++) {
      const d = text.charCodeAt(r);
      const lower = d | 32;
      if (!((lower >= 97 && lower <= 122) || (d >= 48 && d <= 57) || d === 95 || d === 46 || d === 36 || d === 64 || d === 63 || d === 126)) break;
    }
    let colon = r;
    while (colon < end && isSpaceOrTab(text.charCodeAt(colon))) colon++;
    if (colon >= end || text.charCodeAt(colon) !== 58 /* : */) break;
    // Numeric labels (`1:`) are counted by the careful parser; `fs:40` may be a segment there.
    const segmentLike = r - s === 2 && (text.charCodeAt(s + 1) | 32) === 115 && colon + 1 < end && !isSpaceOrTab(text.charCodeAt(colon + 1));
    if ((c >= 48 && c <= 57) || segmentLike) return decline(items, mark);
    items.push({ kind: 'label', name: text.slice(s, r), line, span: { start: s, end: r }, address: undefined });
    s = skipBlanks(text, colon + 1, end);
  }
  if (s >= end) return true;
  const c = text.charCodeAt(s);
  if (c === 35 /* # */) {
    scan.sink.comments.push({ line, text: text.slice(s + 1, end).trim() });
    return true;
  }
  if (c === 46 /* . */) return directive(scan, s, end, line) || decline(items, mark);
  const lower = c | 32;
  if ((lower >= 97 && lower <= 122) || c === 123 || c === 95) return instruction(scan, s, end, line) || decline(items, mark);
  return decline(items, mark);
}

/** Undoes the labels pushed for a line the careful parser must read after all. */
function decline(items: unknown[], mark: number): false {
  if (items.length > mark) items.length = mark;
  return false;
}

/** An instruction statement starting at `s`; false (before any effect) for unusual text. */
function instruction(scan: GasScan, s: number, end: number, line: number): boolean {
  const text = scan.text;
  const state = scan.state;
  if (state.mode === 'intel' && state.intelPrefix) return false;
  let h = HASH_SEED;
  let e = s;
  let i = s;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || (c >= 11 && c <= 13)) continue;
    if (c === 35 /* # */) break;
    // Statement separators, comments other than `#`, strings and assignments (`x = 1`).
    if (c === 59 || c === 47 || c === 34 || c === 61) return false;
    h = Math.imul(h ^ c, 0x01000193);
    e = i + 1;
  }
  const table = state.mode === 'att' ? tables.att : tables.intel;
  const slot = table.find(text, s, e, h);
  let key = table.keyAt(slot);
  let core: Core | undefined;
  if (key === undefined) {
    key = text.slice(s, e);
    core = (state.mode === 'att' ? attCoreAt(text, s, e, scan.options) : undefined) ?? parseCore(key, state.mode, scan.options);
    if (!core.positional) table.insert(slot, key, h, core);
  } else {
    core = table.valueAt(slot) as Core;
  }
  // `lock` or `rep` alone: the prefix belongs to the next statement.
  if (core.mnemonic === '' && core.prefixes.length > 0) scan.pending = core.prefixes;
  else {
    const span: Span = { start: s, end: e };
    pushInsn(scan.sink, instructionFromCore(core, key, span, line));
  }
  if (i < end) scan.sink.comments.push({ line, text: text.slice(i + 1, end).trim() });
  return true;
}

/** A directive statement starting at the `.` at `s`; false (before any effect) for unusual text. */
function directive(scan: GasScan, s: number, end: number, line: number): boolean {
  const text = scan.text;
  // The name, `.` and then `[A-Za-z0-9_.$]*`, hashed in lowercase as it is matched.
  let h = hashStep(HASH_SEED, 46);
  let w = s + 1;
  for (; w < end; w++) {
    const c = text.charCodeAt(w);
    const lower = c | 32;
    if (!((lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 36)) break;
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), 0x01000193);
  }
  // The arguments end at a `#` comment; strings may hold any character.
  let e = w;
  let i = w;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || (c >= 11 && c <= 13)) continue;
    if (c === 35 /* # */) break;
    if (c === 59 || c === 47) return false;
    if (c === 34 /* " */) {
      i++;
      while (i < end) {
        const q = text.charCodeAt(i);
        if (q === 34) break;
        i += q === 92 /* \ */ ? 2 : 1;
      }
      if (i >= end) return false;
    }
    e = i + 1;
  }
  const name = effectName(text, s, w, h);
  // `.loc` and data (`.long`, `.byte`, ... in `.debug_*` sections) fill most of `-g` output.
  if (name !== undefined && !(name === '.loc' ? locAt(scan, w, e, line) : dataAt(scan, name, w, e, line))) {
    interpretGasDirective(name, text.slice(w, e), line, scan.state, scan.sink);
  }
  if (i < end) scan.sink.comments.push({ line, text: text.slice(i + 1, end).trim() });
  return true;
}

/**
 * `.loc` arguments `text[w, e)` of the common shape, blanks and two decimal numbers (the file and
 * the line; the column and options after them do not matter), as `interpretGasDirective` reads
 * them; false for any other shape, which it then reads.
 */
function locAt(scan: GasScan, w: number, e: number, line: number): boolean {
  const text = scan.text;
  let i = w;
  let fileNumber = 0;
  for (let k = 0; k < 2; k++) {
    const blanks = i;
    while (i < e && isSpaceOrTab(text.charCodeAt(i))) i++;
    const digits = i;
    let value = 0;
    for (; i < e && i - digits < 9; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    if (i === blanks || i === digits || (i < e && !isSpaceOrTab(text.charCodeAt(i)))) return false;
    if (k === 0) fileNumber = value;
    else scan.sink.items.push({ kind: 'loc', fileNumber, sourceLine: value, line });
  }
  return true;
}

/**
 * Data directive `name` with arguments `text[w, e)` when they are plain values separated by
 * commas, as `interpretGasDirective` splits them; false for anything else (parentheses,
 * brackets, quotes, non-ASCII), which it then reads. `name` must be a directive the parser acts on.
 */
function dataAt(scan: GasScan, name: string, w: number, e: number, line: number): boolean {
  const width = gasDataWidth(name);
  if (width === undefined) return false;
  const text = scan.text;
  let h = HASH_SEED;
  for (let i = w; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 34 || c === 39) return false;
    h = Math.imul(h ^ c, 0x01000193);
  }
  // Debug sections repeat the same data (`.byte 0x1`, `.long 0`) many times: the value lists are
  // read-only in the IR, so one list serves every repetition.
  const slot = dataValues.find(text, w, e, h);
  let values = dataValues.valueAt(slot);
  if (dataValues.keyAt(slot) === undefined || values === undefined) {
    const renamed = { value: false };
    values = splitValues(scan, w, e, renamed);
    if (!renamed.value) dataValues.insert(slot, text.slice(w, e), h, values);
  }
  scan.sink.items.push({ kind: 'data', values, width, line });
  return true;
}

/** Data value lists by argument text, unless a value named a numeric label by position. */
const dataValues = new StatementTable<string[]>(1 << 16);

/** The comma-separated, trimmed values of `text[w, e)`, with `1b`/`1f` resolved. */
function splitValues(scan: GasScan, w: number, e: number, renamed: { value: boolean }): string[] {
  const text = scan.text;
  const values: string[] = [];
  let partStart = w;
  for (let i = w; i <= e; i++) {
    const c = i < e ? text.charCodeAt(i) : 44;
    if (c !== 44) continue;
    let a = partStart;
    let b = i;
    while (a < b && isTrimmed(text.charCodeAt(a))) a++;
    while (b > a && isTrimmed(text.charCodeAt(b - 1))) b--;
    partStart = i + 1;
    // No arguments at all give no values, not one empty value.
    if (i === e && values.length === 0 && a === b) break;
    const value = text.slice(a, b);
    // Only `1b`/`1f` are renamed, and they start with a digit.
    const first = text.charCodeAt(a);
    const resolved = first >= 48 && first <= 57 ? resolveNumericRef(value, scan.state) : value;
    if (resolved !== value) renamed.value = true;
    values.push(resolved);
  }
  return values;
}

/** Whitespace that `String.prototype.trim` removes, among ASCII characters. */
function isTrimmed(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** The directive name the parser acts on that `text[s, w)` spells in any case, or undefined. */
function effectName(text: string, s: number, w: number, h: number): string | undefined {
  const candidates = effectByHash.get(h);
  if (candidates === undefined) return undefined;
  for (const name of candidates) {
    if (name.length !== w - s) continue;
    let same = true;
    for (let k = 0; k < name.length && same; k++) {
      const c = text.charCodeAt(s + k);
      same = (c >= 65 && c <= 90 ? c + 32 : c) === name.charCodeAt(k);
    }
    if (same) return name;
  }
  return undefined;
}

/** Characters of a label name: `[A-Za-z0-9_.$@?~]`. */
function isLabelChar(c: number): boolean {
  const lower = c | 32;
  return (lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 36 || c === 64 || c === 63 || c === 126;
}

function isSpaceOrTab(c: number): boolean {
  return c === 32 || c === 9;
}

