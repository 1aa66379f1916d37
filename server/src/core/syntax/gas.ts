/**
 * The GAS parser: `gcc -S`/`clang -S` output and hand-written `.s`/`.S`, in AT&T or Intel spelling,
 * switching with `.intel_syntax`/`.att_syntax` line by line.
 *
 * Lexing follows GAS on x86: `#` starts a comment (so `.S` preprocessor lines such as `#include`
 * and `#if` are comments), `/* ... *\/` may span lines, `//` is taken as a comment as in
 * preprocessed `.S` files, and `;` separates statements (`rep; stosq`, `lock ; addl $0,(%rsp)`).
 */
import { interpretGasDirective, newGasState, numericLabelName, resolveNumericRef } from './directives';
import { parseInstruction } from './instruction';
import { isSymbolChar } from './numbers';
import { forEachLine, pushInsn, skipBlanks, trimEnd, type Sink } from './sink';

/** Parses GAS text starting in `mode` into `sink`. */
export function parseGas(text: string, mode: 'att' | 'intel', sink: Sink): void {
  const state = newGasState(mode);
  let inBlockComment = false;
  let pending: readonly string[] | undefined;
  const resolve = (name: string): string => (name.charCodeAt(0) <= 57 ? resolveNumericRef(name, state) : name);

  const statement = (start: number, end: number, line: number): void => {
    let s = skipBlanks(text, start, end);
    const e = trimEnd(text, s, end);
    if (s >= e) return;
    // Labels: `foo:`, `.L3:`, `1:`, `"quoted name":`, possibly several before one statement.
    for (let guard = 0; guard < e - s; guard++) {
      const labelEnd = labelAt(text, s, e);
      if (labelEnd < 0) break;
      const name = text.slice(s, labelEnd).trim();
      let labelName = name.charCodeAt(0) === 34 ? name.slice(1, -1) : name;
      if (isDigits(labelName)) {
        const k = (state.numericLabels.get(labelName) ?? 0) + 1;
        state.numericLabels.set(labelName, k);
        labelName = numericLabelName(labelName, k);
      }
      if (!state.inMacro) sink.items.push({ kind: 'label', name: labelName, line, span: { start: s, end: s + name.length }, address: undefined });
      s = skipBlanks(text, text.indexOf(':', labelEnd) + 1, e);
    }
    if (s >= e) return;
    const c = text.charCodeAt(s);
    if (c === 46 /* . */) {
      let w = s + 1;
      while (w < e && isSymbolChar(text.charCodeAt(w))) w++;
      interpretGasDirective(text.slice(s, w).toLowerCase(), text.slice(w, e), line, state, sink);
      return;
    }
    if (state.inMacro) return;
    if (isAssignment(text, s, e)) return;
    const isWord = ((c | 32) >= 97 && (c | 32) <= 122) || c === 123 || c === 95;
    if (!isWord) {
      sink.problems.push({ line, message: `not understood: ${text.slice(s, Math.min(e, s + 40))}` });
      return;
    }
    let statementText = text.slice(s, e);
    if (state.mode === 'intel' && state.intelPrefix) statementText = statementText.replace(/%/g, '');
    const insn = parseInstruction(statementText, state.mode, { line, start: s }, { flavor: 'gas', objdumpTargets: false, resolve, pendingPrefixes: pending });
    pending = undefined;
    // `lock;` or `rep` alone: the prefix belongs to the next statement.
    if (insn.mnemonic === '' && insn.prefixes.length > 0) {
      pending = insn.prefixes;
      return;
    }
    pushInsn(sink, insn);
  };

  forEachLine(text, (start, end, line) => {
    let stmtStart = start;
    let i = start;
    let quoted = false;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (inBlockComment) {
        const close = text.indexOf('*/', i);
        if (close < 0 || close >= end) {
          sink.comments.push({ line, text: text.slice(i, end).trim() });
          return;
        }
        sink.comments.push({ line, text: text.slice(i, close).trim() });
        inBlockComment = false;
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
        inBlockComment = true;
        i += 2;
        stmtStart = i;
        continue;
      } else if (c === 59 /* ; */) {
        statement(stmtStart, i, line);
        stmtStart = i + 1;
      }
      i++;
    }
    if (!inBlockComment) statement(stmtStart, end, line);
  });
}

/** If a label starts at `s` (`name:` or `"name":`), the index just past its name, else -1. */
function labelAt(text: string, s: number, e: number): number {
  let i = s;
  if (text.charCodeAt(i) === 34) {
    const close = text.indexOf('"', i + 1);
    if (close < 0 || close >= e) return -1;
    i = close + 1;
  } else {
    while (i < e && isSymbolChar(text.charCodeAt(i))) i++;
    if (i === s) return -1;
  }
  const nameEnd = i;
  while (i < e && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (i >= e || text.charCodeAt(i) !== 58 /* : */) return -1;
  // `fs:40` at the start of a statement is not a label; a label is followed by nothing or a space.
  const after = text.charCodeAt(i + 1);
  if (i + 1 < e && after !== 32 && after !== 9 && after !== 59) {
    const word = text.slice(s, nameEnd).toLowerCase();
    if (word.length === 2 && word.endsWith('s')) return -1;
  }
  return nameEnd;
}

/** `foo = 8` and `.set`-style assignments define symbols, not code. */
function isAssignment(text: string, s: number, e: number): boolean {
  let i = s;
  while (i < e && isSymbolChar(text.charCodeAt(i))) i++;
  while (i < e && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i < e && text.charCodeAt(i) === 61 /* = */ && text.charCodeAt(i + 1) !== 61;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

