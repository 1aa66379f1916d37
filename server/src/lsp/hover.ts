/**
 * `textDocument/hover`: the stack frame at the instruction under the cursor, drawn as a table,
 * led by one sentence about the finding there, and followed by why this file counts as kernel
 * code and a link to the finding's documentation (`convert.ts`, `hoverMarkdown`).
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
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
  const analysis = await context.analysisOf(document);
  const report = analysis.report;
  if (report === undefined) return null;
  const line = params.position.line;
  const layout = context.analyzer.frameAt(document, analysis, line);
  const findings = (layout?.findings.length ? layout.findings : report.findings.filter((finding) => finding.line === line)).filter(
    (finding) => analysis.settings.severity[finding.code] !== 'off',
  );
  if (layout === undefined && findings.length === 0) return null;
  const first = findings[0];
  return {
    contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(findings, layout, layout?.kernel ?? report.kernel) },
    ...(first !== undefined ? { range: spanToRange(document, first.span) } : {}),
  };
}
