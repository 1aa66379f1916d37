/**
 * `textDocument/hover`: the stack frame at the instruction under the cursor, drawn as a table,
 * led by one sentence about the finding there, and followed by why this file counts as kernel
 * code and a link to the finding's documentation (`convert.ts`, `hoverMarkdown`).
 *
 * A hover never waits for, or runs, the analysis of a version that newer edits are about to
 * replace: while edits arrive faster than the analysis (a paste, a replace-all, a fast typist on a
 * large file), it is answered from the last analysis, through the edit log's line mapping, when no
 * edit since then touched the hovered function; otherwise it answers nothing until the analysis of
 * the burst's last version has run.
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, FrameLayout } from '../core/index';
import type { Analysis } from './analysis';
import type { ServerContext } from './context';
import { hoverMarkdown, spanToRange } from './convert';

/** Registers the hover handler. */
export function registerHover(context: ServerContext): void {
  context.connection.onHover(async (params) => {
    try {
      return await hover(context, params);
    } catch (error) {
      context.connection.console.error(`redzone-lint: hover failed: ${String(error)}`);
      return null;
    }
  });
}

/** The hover at a position, or null outside analyzed functions. */
export async function hover(context: ServerContext, params: HoverParams): Promise<Hover | null> {
  const document = context.documents.get(params.textDocument.uri);
  if (document === undefined) return null;
  const settings = await context.settingsFor(document.uri);
  const known = context.analyzer.knownOf(document.uri);
  if (context.analyzer.analyzedNow(document, settings, context.workspaceTrusted) === undefined && known !== undefined && known.analysis.settings === settings) {
    return hoverFromEarlier(context, document, known.analysis, known.snapshot, params.position.line);
  }
  return hoverAt(context, document, await context.analysisOf(document), params.position.line, 0);
}

/** The hover from the last analysis, its lines moved to where they are now; null when an edit touched the function. */
function hoverFromEarlier(context: ServerContext, document: TextDocument, analysis: Analysis, snapshot: TextDocument, line: number): Hover | null {
  const before = context.edits.lineBefore(document.uri, line);
  if (before === undefined) return null;
  const fn = analysis.report?.functions.find((summary) => summary.startLine <= before && before <= summary.endLine);
  if (fn === undefined) return null;
  const shift = context.edits.shiftOf(document.uri, fn.startLine, fn.endLine);
  if (shift === undefined) return null;
  return hoverAt(context, snapshot, analysis, before, shift);
}

/** The hover at `line` of the analyzed text `document`, with every line moved by `shift`. */
function hoverAt(context: ServerContext, document: TextDocument, analysis: Analysis, line: number, shift: number): Hover | null {
  const report = analysis.report;
  if (report === undefined) return null;
  const found = context.analyzer.frameAt(document, analysis, line);
  const layout = found === undefined || shift === 0 ? found : moveLayout(found, shift);
  const findings = (found?.findings.length ? found.findings : report.findings.filter((finding) => finding.line === line))
    .filter((finding) => analysis.settings.severity[finding.code] !== 'off')
    .map((finding) => (shift === 0 ? finding : moveFinding(finding, shift)));
  if (layout === undefined && findings.length === 0) return null;
  const first = findings[0];
  const range = first === undefined ? undefined : spanToRange(document, first.span);
  return {
    contents: { kind: MarkupKind.Markdown, value: withMacro(hoverMarkdown(findings, layout, layout?.kernel ?? report.kernel), layout?.expandedFrom ?? findings.find((finding) => finding.expandedFrom !== undefined)?.expandedFrom) },
    ...(range !== undefined ? { range: { start: { ...range.start, line: range.start.line + shift }, end: { ...range.end, line: range.end.line + shift } } } : {}),
  };
}

/** On a line that invokes a macro, the hover ends by naming the macro that produced the instructions. */
function withMacro(markdown: string, macro: string | undefined): string {
  return macro === undefined ? markdown : `${markdown}\n\n---\n\nExpanded from \`${macro}\`.`;
}

function moveLayout(layout: FrameLayout, shift: number): FrameLayout {
  const move = (lines: readonly number[]): number[] => lines.map((line) => line + shift);
  return {
    ...layout,
    line: layout.line + shift,
    rows: layout.rows.map((row) => ({ ...row, writtenAt: move(row.writtenAt), readAt: move(row.readAt) })),
    findings: layout.findings.map((finding) => moveFinding(finding, shift)),
  };
}

/** A finding's lines moved (its spans stay offsets of the analyzed text, which the range reads). */
function moveFinding(finding: Finding, shift: number): Finding {
  return { ...finding, line: finding.line + shift, related: finding.related.map((related) => ({ ...related, line: related.line + shift })) };
}
