/**
 * `textDocument/codeLens`: "frame 24 B, red zone 16 B, 2 findings" above each function, switched
 * by `redzone.codeLens`. The lenses carry no command: they inform, and the quick fixes act.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { ServerContext } from './context';
import { lineRange } from './convert';
import { frameSummary } from './symbols';

/** Registers the code lens handler. */
export function registerCodeLens(context: ServerContext): void {
  context.connection.onCodeLens(async (params, token) => {
    try {
      if (await context.superseded(token)) return null;
      const document = context.documents.get(params.textDocument.uri);
      if (document === undefined) return null;
      const analysis = await context.analysisOf(document);
      if (!analysis.settings.codeLens || analysis.report === undefined) return [];
      return analysis.report.functions.map((summary): CodeLens => {
        const findings = `${summary.findingCount} finding${summary.findingCount === 1 ? '' : 's'}`;
        return { range: lineRange(document, summary.startLine), command: { title: `${frameSummary(summary)}, ${findings}`, command: '' } };
      });
    } catch (error) {
      context.connection.console.error(`redzone-lint: code lenses failed: ${String(error)}`);
      return null;
    }
  });
}
