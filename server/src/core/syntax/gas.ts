/**
 * The GAS parser: `gcc -S`/`clang -S` output and hand-written `.s`/`.S`, in AT&T or Intel spelling,
 * switching with `.intel_syntax`/`.att_syntax` line by line.
 *
 * Lexing follows GAS on x86: `#` starts a comment (so `.S` preprocessor lines such as `#include`
 * and `#if` are comments), `/* ... *\/` may span lines, `//` is taken as a comment as in
 * preprocessed `.S` files, and `;` separates statements (`rep; stosq`, `lock ; addl $0,(%rsp)`).
 */
import { interpretGasDirective, newGasState, numericLabelName, resolveNumericRef, type SectionContext } from './directives';
import { scanGasLine, type GasScan } from './gas-scan';
import { parseInstruction, withStatementCaches } from './instruction';
import { pushDirective, pushInsn, skipBlanks, trimEnd, type Sink } from './sink';

/** Parses GAS text starting in `mode` and in `sections` (a chunk's; `.text` by default) into `sink`. */
export function parseGas(text: string, mode: 'att' | 'intel', sink: Sink, sections?: SectionContext): void {
  const state = newGasState(mode, sections);
  // The program builder learns the section a chunk starts in as if a directive had set it.
  if (state.section !== '.text') pushDirective(sink, { kind: 'section', name: state.section, line: 0 });
  const resolve = (name: string): string => (name.charCodeAt(0) <= 57 ? resolveNumericRef(name, state) : name);
  const options = withStatementCaches({ flavor: 'gas', objdumpTargets: false, resolve });
  const scan: GasScan = { text, state, sink, options, pending: undefined, inBlockComment: false };

  const statement = (start: number, end: number, line: number): void => {
    let s = skipBlanks(text, start, end);
    const e = trimEnd(text, s, end);
    if (s >= e) return;
    let stmt = text.slice(s, e);
    // Labels: `foo:`, `.L3:`, `1:`, `"quoted name":`, possibly several before one statement.
    if (stmt.indexOf(':') >= 0) {
      for (let guard = 0; guard < e - s; guard++) {
        LABEL.lastIndex = s - (e - stmt.length);
        const m = LABEL.exec(stmt);
        if (m === null) break;
        const name = m[1];
        const labelStart = e - stmt.length + m.index;
        if (isSegmentPrefix(name, stmt, LABEL.lastIndex)) break;
        let labelName = name.charCodeAt(0) === 34 ? name.slice(1, -1) : name;
        if (isDigits(labelName)) {
          const k = (state.numericLabels.get(labelName) ?? 0) + 1;
          state.numericLabels.set(labelName, k);
          labelName = numericLabelName(labelName, k);
        }
        if (!state.inMacro) sink.items.push({ kind: 'label', name: labelName, line, span: { start: labelStart, end: labelStart + name.length }, address: undefined });
        s = skipBlanks(text, e - stmt.length + LABEL.lastIndex, e);
        if (s >= e) return;
      }
      stmt = text.slice(s, e);
    }
    const c = stmt.charCodeAt(0);
    if (c === 46 /* . */) {
      DIRECTIVE.lastIndex = 0;
      const m = DIRECTIVE.exec(stmt);
      const word = m === null ? '.' : m[0];
      interpretGasDirective(word.toLowerCase(), stmt.slice(word.length), line, state, sink);
      return;
    }
    if (state.inMacro) return;
    if (stmt.indexOf('=') >= 0 && ASSIGNMENT.test(stmt)) return;
    const isWord = ((c | 32) >= 97 && (c | 32) <= 122) || c === 123 || c === 95;
    if (!isWord) {
      sink.problems.push({ line, message: `not understood: ${stmt.slice(0, 40)}` });
      return;
    }
    if (state.mode === 'intel' && state.intelPrefix) stmt = stmt.replace(/%/g, '');
    const pending = scan.pending;
    const insn = parseInstruction(stmt, state.mode, { line, start: s }, pending === undefined ? options : { ...options, pendingPrefixes: pending });
    scan.pending = undefined;
    // `lock;` or `rep` alone: the prefix belongs to the next statement.
    if (insn.mnemonic === '' && insn.prefixes.length > 0) {
      scan.pending = insn.prefixes;
      return;
    }
    pushInsn(sink, insn);
  };

  // The careful reading of a line: comments of every kind, strings, `;`-separated statements.
  const carefulLine = (start: number, end: number, line: number): void => {
    let stmtStart = start;
    let i = start;
    let quoted = false;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (scan.inBlockComment) {
        const close = text.indexOf('*/', i);
        if (close < 0 || close >= end) {
          sink.comments.push({ line, text: text.slice(i, end).trim() });
          return;
        }
        sink.comments.push({ line, text: text.slice(i, close).trim() });
        scan.inBlockComment = false;
        i = close + 2;
        stmtStart = i;
        continue;
      }
      if (quoted) {
        if (c === 92 /* \ */) i++;
        else if (c === 34) quoted = false;
        i++;
        continue;
      }
      if (c === 34 /* " */) quoted = true;
      else if (c === 35 /* # */ || (c === 47 /* / */ && text.charCodeAt(i + 1) === 47 && i + 1 < end)) {
        statement(stmtStart, i, line);
        sink.comments.push({ line, text: text.slice(i + (c === 35 ? 1 : 2), end).trim() });
        return;
      } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */ && i + 1 < end) {
        statement(stmtStart, i, line);
        scan.inBlockComment = true;
        i += 2;
        stmtStart = i;
        continue;
      } else if (c === 59 /* ; */) {
        statement(stmtStart, i, line);
        stmtStart = i + 1;
      }
      i++;
    }
    if (!scan.inBlockComment) statement(stmtStart, end, line);
  };

  // Most lines take the one-pass fast path; the rest are read carefully. The lines are those of
  // `forEachLine`, written out here to save a call per line.
  const n = text.length;
  let pos = 0;
  for (let line = 0; pos <= n; line++) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = n;
    let end = next;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (!(next === n && pos === n && line > 0) && !scanGasLine(scan, pos, end, line)) carefulLine(pos, end, line);
    pos = next + 1;
  }
}

/** A label at the current position: a name (or quoted name), optional blanks, and a colon. */
const LABEL = /[ \t]*([A-Za-z0-9_.$@?~]+|"[^"]*")[ \t]*:/y;
/** A directive name such as `.section` or `.cfi_startproc`. */
const DIRECTIVE = /\.[A-Za-z0-9_.$]*/y;
/** `foo = 8`: a symbol assignment, not code. */
const ASSIGNMENT = /^[A-Za-z0-9_.$@]+[ \t]*=(?!=)/;

/** `fs:40` at the start of an Intel statement is a segment, not a label named `fs`. */
function isSegmentPrefix(name: string, stmt: string, after: number): boolean {
  if (name.length !== 2 || (name.charCodeAt(1) | 32) !== 115 /* s */) return false;
  const next = stmt.charCodeAt(after);
  return after < stmt.length && next !== 32 && next !== 9;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

