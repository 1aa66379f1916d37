/**
 * Publishes diagnostics: right away when a document opens, about 150 ms after the last change
 * while the user types. A run whose document changed meanwhile publishes nothing (the version
 * check), so a slow analysis can never overwrite fresher results with stale ones.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { statusNotification, type StatusParams } from '../protocol';
import type { Analysis } from './analysis';
import type { ServerContext } from './context';
import { diagnosticSource, toDiagnostic } from './convert';

/** Controls the publishing of one server. */
export interface DiagnosticsPublisher {
  /** Re-analyzes and republishes every open document (after a settings change). */
  refreshAll(): void;
}

/** Wires the document events to analysis and `textDocument/publishDiagnostics`. */
export function registerDiagnostics(context: ServerContext, debounceMs: number): DiagnosticsPublisher {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const published = new Map<string, Analysis>();
  const openedAt = new Map<string, number>();

  const cancel = (uri: string): void => {
    const timer = timers.get(uri);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(uri);
  };

  const run = async (uri: string): Promise<void> => {
    cancel(uri);
    const document = context.documents.get(uri);
    if (document === undefined) return;
    const version = document.version;
    try {
      const analysis = await context.analysisOf(document);
      const current = context.documents.get(uri);
      if (current === undefined || current.version !== version || published.get(uri) === analysis) return;
      published.set(uri, analysis);
      const diagnostics = toDiagnostics(document, analysis);
      await context.connection.sendDiagnostics({ uri, version, diagnostics });
      await context.connection.sendNotification(statusNotification.method, statusOf(analysis, diagnostics.length));
    } catch (error) {
      context.connection.console.error(`redzone-lint: publishing diagnostics for ${uri} failed: ${String(error)}`);
    }
  };

  const schedule = (uri: string): void => {
    cancel(uri);
    timers.set(uri, setTimeout(() => void run(uri), debounceMs));
  };

  context.documents.onDidOpen((event) => {
    openedAt.set(event.document.uri, event.document.version);
    void run(event.document.uri);
  });
  context.documents.onDidChangeContent((event) => {
    // The open event already ran the first analysis; later changes wait for typing to pause.
    if (openedAt.get(event.document.uri) !== event.document.version) schedule(event.document.uri);
  });
  context.documents.onDidClose((event) => {
    const uri = event.document.uri;
    cancel(uri);
    published.delete(uri);
    openedAt.delete(uri);
    context.forget(uri);
    void context.connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  return {
    refreshAll(): void {
      published.clear();
      for (const document of context.documents.all()) void run(document.uri);
    },
  };
}

/** The diagnostics of one analysis, after severity overrides. */
export function toDiagnostics(document: TextDocument, analysis: Analysis): Diagnostic[] {
  if (analysis.skipped !== undefined) {
    const severity = analysis.skipped.code === 'internal-error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Information;
    return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity, source: diagnosticSource, code: analysis.skipped.code, message: analysis.skipped.message }];
  }
  const report = analysis.report;
  if (report === undefined) return [];
  const diagnostics: Diagnostic[] = [];
  for (const finding of report.findings) {
    const diagnostic = toDiagnostic(document, document.uri, finding, report.kernel, analysis.settings.severity[finding.code]);
    if (diagnostic !== undefined) diagnostics.push(diagnostic);
  }
  return diagnostics;
}

/** The `redZone/status` notification of one analysis. */
export function statusOf(analysis: Analysis, findings: number): StatusParams {
  const report = analysis.report;
  if (report === undefined) {
    return { uri: analysis.uri, version: analysis.version, state: 'skipped', reason: analysis.skipped?.message ?? 'not analyzed', input: '', functions: 0, findings };
  }
  return {
    uri: analysis.uri,
    version: analysis.version,
    state: report.kernel.kernel ? 'kernel' : 'user',
    reason: report.kernel.reason,
    input: report.input,
    functions: report.functions.length,
    findings,
  };
}
