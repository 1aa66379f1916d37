/**
 * `check --format text`: gcc-style diagnostics that editors' error parsers and people both read:
 *
 *     boot.s:12:9: warning: stores 4 bytes at RSP-20 ... [red-zone-store]
 *        12 |         movl    %edi, -20(%rbp)
 *           |         ^~~~~~~~~~~~~~~~~~~~~~~
 *     boot.s:8:9: note: the frame is set up here: `push %rbp`
 *     boot.s:12:9: note: kernel code: line 1 has the magic comment `redzone: kernel`.
 *
 * followed by one summary line. Input errors go to stderr (see `main.ts`), not here.
 */
import type { Severity } from '../core/index';
import type { CheckRun } from './check';
import { statsOf } from './format-json';
import type { Range1 } from './line-index';
import type { LocatedFinding } from './locate';

const tabWidth = 8;

/** gcc's words; `information` becomes `info` so that `%t`-style parsers see i, w or e. */
const severityWord: Readonly<Record<Severity, string>> = { error: 'error', warning: 'warning', information: 'info' };

/** Renders every finding and the summary line (with a trailing newline). */
export function formatText(run: CheckRun, findings: readonly LocatedFinding[]): string {
  const out: string[] = [];
  for (const located of findings) out.push(...renderFinding(located));
  for (const file of run.files) out.push(...renderProblems(file.path, file.report?.problems ?? []));
  out.push(summaryLine(run, findings));
  return `${out.join('\n')}\n`;
}

/** Messages quote instructions as written; a tab inside one would break the one-line format. */
function oneLine(message: string): string {
  return message.replace(/[\t\r\n]+/g, ' ');
}

/**
 * Each line the analysis could not read, as a gcc-style note, so that silence is never mistaken
 * for safety: `entry.S:12: note: not analyzed: .if \\x: the condition cannot be evaluated`.
 */
function renderProblems(path: string, problems: readonly { readonly line: number; readonly message: string }[]): string[] {
  return problems.map((problem) => `${path}:${problem.line + 1}: note: not analyzed: ${oneLine(problem.message)}`);
}

function renderFinding(located: LocatedFinding): string[] {
  const { path, range, finding } = located;
  const where = (r: Range1) => `${path}:${r.line}:${r.column}`;
  const lines = [`${where(range)}: ${severityWord[finding.severity]}: ${oneLine(finding.message)} [${finding.code}]`];
  lines.push(...sourceExcerpt(located.lineText, range));
  for (const related of located.related) lines.push(`${where(related.range)}: note: ${oneLine(related.message)}`);
  if (finding.kernelReason !== '') {
    lines.push(`${where(range)}: note: ${located.kernel ? 'kernel' : 'user'} code: ${oneLine(finding.kernelReason)}`);
  }
  if (finding.source !== undefined) lines.push(`${where(range)}: note: from ${finding.source.path}:${finding.source.line}`);
  return lines;
}

/**
 * The source line and a caret/tilde underline, like gcc 9+. Tabs are expanded in both so the
 * underline stays under the characters whatever the terminal's tab width.
 */
export function sourceExcerpt(lineText: string, range: Range1): string[] {
  const display = expandTabs(lineText);
  const startCol = display.columnOf(range.column - 1);
  // A range that continues on later lines is underlined to the end of its first line.
  const endIndex = range.endLine === range.line ? range.endColumn - 1 : lineText.length;
  const endCol = Math.max(startCol + 1, display.columnOf(endIndex));
  const gutter = String(range.line);
  const pad = ' '.repeat(gutter.length);
  return [
    ` ${gutter} | ${display.text}`,
    ` ${pad} | ${' '.repeat(startCol)}^${'~'.repeat(Math.max(0, endCol - startCol - 1))}`,
  ];
}

/** The line with tabs expanded, and a map from UTF-16 index to display column. */
function expandTabs(text: string): { text: string; columnOf: (index: number) => number } {
  const columns: number[] = [];
  let expanded = '';
  for (const char of text) {
    for (let unit = 0; unit < char.length; unit++) columns.push(expanded.length);
    if (char === '\t') expanded += ' '.repeat(tabWidth - (expanded.length % tabWidth));
    else expanded += char;
  }
  columns.push(expanded.length);
  const columnOf = (index: number) => columns[Math.max(0, Math.min(index, columns.length - 1))]!;
  return { text: expanded, columnOf };
}

/** One line: what was found, where, and how many inputs failed. */
export function summaryLine(run: CheckRun, findings: readonly LocatedFinding[]): string {
  const stats = statsOf(run, findings);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const analyzed = stats.files - stats.filesWithErrors;
  const scope = `in ${plural(analyzed, 'file')} (${plural(stats.functions, 'function')})`;
  const errors = (stats.filesWithErrors > 0 ? `; ${plural(stats.filesWithErrors, 'input')} could not be analyzed` : '')
    + (stats.notAnalyzed.lines > 0 ? `; ${plural(stats.notAnalyzed.lines, 'line')} not analyzed` : '');
  if (findings.length === 0) return `No red-zone use found ${scope}${errors}.`;
  const parts = [
    plural(stats.bySeverity.error, 'error'),
    plural(stats.bySeverity.warning, 'warning'),
    `${stats.bySeverity.information} info`,
  ];
  return `${plural(findings.length, 'finding')} (${parts.join(', ')}) ${scope}${errors}.`;
}
