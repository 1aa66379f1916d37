/**
 * `textDocument/documentSymbol`: one symbol per analyzed function, with its frame size as detail,
 * so the outline doubles as a table of stack frames.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { FunctionSummary } from '../core/index';
import type { ServerContext } from './context';
import { lineRange, spanToRange } from './convert';

/** Registers the document symbol handler. */
export function registerSymbols(context: ServerContext): void {
  context.connection.onDocumentSymbol(async (params, token) => {
    try {
      if (await context.superseded(token)) return null;
      const document = context.documents.get(params.textDocument.uri);
      if (document === undefined) return null;
      const report = (await context.analysisOf(document)).report;
      if (report === undefined) return [];
      return report.functions.map((summary): DocumentSymbol => {
        // The range runs from the function's label (the outline and sticky scroll show it, not
        // the first `pushq %rbp`) to its last instruction.
        const label = lineRange(document, summary.startLine);
        const body = spanToRange(document, summary.span);
        const range = body.end.line >= label.start.line ? { start: label.start, end: body.end } : label;
        // LSP requires the selection range to lie inside the range.
        const selectionRange = label.end.line <= range.end.line ? label : range;
        return { name: summary.name, kind: SymbolKind.Function, detail: frameSummary(summary), range, selectionRange };
      });
    } catch (error) {
      context.connection.console.error(`redzone-lint: document symbols failed: ${String(error)}`);
      return null;
    }
  });
}

/** "frame 24 B, red zone 16 B" (and "stack unknown" when the analysis lost track). */
export function frameSummary(summary: FunctionSummary): string {
  const parts = [summary.frameSize === undefined ? 'frame ? B' : `frame ${summary.frameSize} B`];
  parts.push(`red zone ${summary.redZoneBytes} B`);
  if (summary.stackUnknown) parts.push('stack unknown');
  return parts.join(', ');
}
