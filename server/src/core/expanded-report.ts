/**
 * Runs the preprocessing front end (`syntax/preprocess.ts`) before the analysis and moves the
 * report back onto the text the user wrote: every line, span and related location of the expanded
 * text becomes the written line that produced it (the macro invocation, the `#include`), and a
 * finding produced by a macro says which one.
 */
import type { Span, TextSyntax } from './ir';
import type { AnalysisOptions } from './options';
import type { Finding, FrameLayout, FunctionSummary, Report } from './report';
import { detectSyntax } from './syntax/detect';
import type { ExpandedSource, SourceOptions } from './syntax/expansion';
import { expandSource, needsExpansion } from './syntax/preprocess';

/** The text the analysis reads, with its options, and the expansion when there was one. */
export interface FrontEnd {
  readonly text: string;
  readonly options: AnalysisOptions;
  readonly source: ExpandedSource | undefined;
  readonly syntaxReason: string;
}

/** What `frontEnd` keeps between calls on one document (the LSP's hover follows each analysis). */
export interface FrontEndMemo {
  expansion?: { readonly text: string; readonly key: string; readonly front: FrontEnd };
}

/** Expands `text` when it needs it; otherwise returns it as it is, at the cost of one scan. */
export function frontEnd(text: string, options: AnalysisOptions, memo?: FrontEndMemo): FrontEnd {
  const source: SourceOptions = options.source ?? {};
  const key = JSON.stringify([options.syntax, source.c, source.fileName, source.includePaths, source.defines, source.preprocessed?.length]);
  // The memo keeps the expansion only: the other options (the kernel verdict from the settings'
  // globs, the ABI) change without the text changing, and must reach the analysis as they are now.
  const last = memo?.expansion;
  const remembered = last !== undefined && last.text === text && last.key === key ? last.front : undefined;
  const front = remembered ?? expandFront(text, options, source);
  if (memo !== undefined && remembered === undefined) memo.expansion = { text, key, front };
  if (front.source === undefined) return { ...front, options };
  return { ...front, options: { ...options, ...expansionOptions(front.options) } };
}

/** The options the expansion adds to the caller's: the detected syntax and the map to written lines. */
function expansionOptions(options: AnalysisOptions): Pick<AnalysisOptions, 'syntax' | 'lineOrigin' | 'writtenText'> {
  return { syntax: options.syntax, lineOrigin: options.lineOrigin, writtenText: options.writtenText };
}

function expandFront(text: string, options: AnalysisOptions, source: SourceOptions): FrontEnd {
  const detection = options.syntax !== undefined ? { syntax: options.syntax, reason: 'forced by --syntax' } : detectSyntax(text);
  let front: FrontEnd = { text, options, source: undefined, syntaxReason: detection.reason };
  if (needsExpansion(text, detection.syntax, source)) {
    const expanded = expandSource(text, detection.syntax, source);
    if (expanded.changed || expanded.problems.length > 0 || expanded.uncovered.length > 0) {
      const origin = expanded.origin;
      const lineOrigin = (line: number): number => (expanded.changed ? origin[line] ?? line : line);
      front = { text: expanded.text, options: { ...options, syntax: detection.syntax as TextSyntax, lineOrigin, writtenText: text }, source: expanded, syntaxReason: detection.reason };
    }
  }
  return front;
}

/** Line starts of a text, for offset -> line lookups. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Moves lines and spans of a report on `front.text` onto the written `text`. */
export function remapReport(report: Report, front: FrontEnd, written: string): Report {
  const source = front.source;
  if (source === undefined) return report;
  const problems = [...source.problems, ...report.problems.map((p) => ({ line: source.changed ? source.origin[p.line] ?? p.line : p.line, message: p.message }))];
  const coverage = { notAnalyzed: source.uncovered };
  if (!source.changed) return { ...report, inputReason: front.syntaxReason, problems, coverage };
  const map = new LineMap(source, front.text, written);
  const finding = (f: Finding): Finding => {
    const line = map.line(f.line);
    const macro = source.macro[f.line];
    return {
      ...f,
      line,
      span: map.span(f.span, f.line),
      related: f.related.map((r) => ({ ...r, line: map.line(r.line), span: map.span(r.span, r.line) })),
      ...(macro !== undefined ? { expandedFrom: macro } : {}),
    };
  };
  const functions = report.functions.map((fn): FunctionSummary => ({ ...fn, startLine: map.line(fn.startLine), endLine: map.line(fn.endLine), span: map.span(fn.span, fn.startLine) }));
  const ignored = ignoredWrittenLines(written);
  const findings = report.findings.map(finding).filter((f) => !ignored.has(f.line));
  return { ...report, inputReason: front.syntaxReason, findings, functions, problems: dedupe(problems), coverage };
}

/**
 * The written lines a `redzone-ignore` comment suppresses: its own line, and the next when the
 * comment stands alone. The expansion drops the comments of the lines it rewrites (a macro
 * invocation), so the written text decides, as the parsers decide for unexpanded text.
 */
function ignoredWrittenLines(written: string): Set<number> {
  const lines = new Set<number>();
  if (written.indexOf('redzone-ignore') < 0) return lines;
  written.split('\n').forEach((text, line) => {
    const at = text.indexOf('redzone-ignore');
    if (at < 0) return;
    lines.add(line);
    const before = text.slice(0, at).replace(/(#|;|\/\/|\/\*).*$/, '').trim();
    if (before === '') lines.add(line + 1);
  });
  return lines;
}

/** The written line of the expanded `line` that the user points at: the first that has a layout. */
export function expandedLinesOf(front: FrontEnd, writtenLine: number): number[] {
  const source = front.source;
  if (source === undefined || !source.changed) return [writtenLine];
  const lines: number[] = [];
  source.origin.forEach((origin, k) => {
    if (origin === writtenLine) lines.push(k);
  });
  return lines;
}

/** A frame layout on the expanded text, moved onto the written text. */
export function remapLayout(layout: FrameLayout, front: FrontEnd, written: string): FrameLayout {
  const source = front.source;
  if (source === undefined || !source.changed) return layout;
  const map = new LineMap(source, front.text, written);
  const macro = source.macro[layout.line];
  const lines = (list: readonly number[]): number[] => [...new Set(list.map((l) => map.line(l)))];
  return {
    ...layout,
    line: map.line(layout.line),
    rows: layout.rows.map((row) => ({ ...row, writtenAt: lines(row.writtenAt), readAt: lines(row.readAt) })),
    findings: layout.findings.map((f) => ({ ...f, line: map.line(f.line), span: map.span(f.span, f.line), related: f.related.map((r) => ({ ...r, line: map.line(r.line), span: map.span(r.span, r.line) })), ...(macro !== undefined ? { expandedFrom: macro } : {}) })),
    ...(macro !== undefined ? { expandedFrom: macro } : {}),
  };
}

class LineMap {
  readonly #expandedStarts: number[];
  readonly #writtenStarts: number[];

  constructor(readonly source: ExpandedSource, readonly expanded: string, readonly written: string) {
    this.#expandedStarts = lineStarts(expanded);
    this.#writtenStarts = lineStarts(written);
  }

  line(expandedLine: number): number {
    return this.source.origin[expandedLine] ?? Math.max(0, this.#writtenStarts.length - 1);
  }

  /** A span of the expanded text: the same columns on a verbatim line, else the written line's text. */
  span(span: Span, expandedLine: number): Span {
    const line = lineAt(this.#expandedStarts, span.start);
    const target = this.line(line);
    const start = this.#writtenStarts[target] ?? this.written.length;
    const nextStart = this.#writtenStarts[target + 1];
    const end = nextStart === undefined ? this.written.length : nextStart - 1;
    if (this.source.verbatim[line] === true) {
      const delta = start - this.#expandedStarts[line]!;
      return { start: span.start + delta, end: Math.min(Math.max(span.start, span.end) + delta, end) };
    }
    void expandedLine;
    let s = start;
    while (s < end && (this.written[s] === ' ' || this.written[s] === '\t')) s++;
    let e = end;
    while (e > s && /\s/.test(this.written[e - 1]!)) e--;
    return { start: s, end: Math.max(s, e) };
  }
}

function dedupe<T extends { line: number; message: string }>(list: readonly T[]): T[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const key = `${p.line}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).sort((a, b) => a.line - b.line);
}
