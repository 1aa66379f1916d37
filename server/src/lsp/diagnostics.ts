/**
 * Publishes diagnostics: right away when a document opens or changes after a pause, and a short
 * pause (30 ms by default) after the last change of a burst of changes. An edit re-analyzes only
 * the function it touched, so the pause only needs to absorb bursts. A run whose document changed meanwhile
 * publishes nothing (the version check), so a slow analysis can never overwrite fresher results
 * with stale ones.
 *
 * A file with thousands of findings (a user-mode object tagged kernel by mistake, say) gets at
 * most `maxDiagnostics` of them plus one information diagnostic that says how many were left out:
 * the editor and the protocol would otherwise carry megabytes of diagnostics on every keystroke.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { statusNotification, type StatusParams } from '../protocol';
import type { Analysis } from './analysis';
import type { ServerContext } from './context';
import { asPlainText, diagnosticSource, toDiagnostic } from './convert';
import { createSourcePublisher, isSourceDocument } from './sources';

/** The default pause after the last change before diagnostics are recomputed. */
export const defaultDebounceMs = 30;

/** The longest pause a burst of changes must make before its last version is analyzed. */
const maxPauseMs = 300;

/** At most this many findings of one file become diagnostics. */
export const defaultMaxDiagnostics = 2000;

/** The code of the diagnostic that says findings were left out. */
export const truncatedCode = 'too-many-findings';

/** Controls the publishing of one server. */
export interface DiagnosticsPublisher {
  /** Re-analyzes and republishes every open document (after a settings change). */
  refreshAll(): void;
}

/**
 * Wires the document events to analysis and `textDocument/publishDiagnostics`. C, C++ and Rust
 * sources go to `sources` instead, which compiles them on open and save.
 */
export function registerDiagnostics(context: ServerContext, debounceMs: number, maxDiagnostics = defaultMaxDiagnostics): DiagnosticsPublisher {
  const sources = createSourcePublisher(context);
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const published = new Map<string, Analysis>();
  const openedAt = new Map<string, number>();
  const changedAt = new Map<string, number>();
  /** When the last analysis of each document ended, and how long it took. */
  const ranAt = new Map<string, number>();
  const costs = new Map<string, number>();

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
      const started = performance.now();
      const analysis = await context.analysisOf(document);
      ranAt.set(uri, performance.now());
      costs.set(uri, performance.now() - started);
      const current = context.documents.get(uri);
      if (current === undefined || current.version !== version || published.get(uri) === analysis) return;
      published.set(uri, analysis);
      const diagnostics = toDiagnostics(document, analysis, maxDiagnostics);
      await context.connection.sendDiagnostics({ uri, version, diagnostics: asPlainText(diagnostics) });
      await context.connection.sendNotification(statusNotification.method, statusOf(analysis, findingCount(analysis, diagnostics.length)));
    } catch (error) {
      context.connection.console.error(`redzone-lint: publishing diagnostics for ${uri} failed: ${String(error)}`);
    }
  };

  // The first change after a pause runs at once (an edit re-analyzes one function, so there is
  // nothing to save by waiting); changes that follow wait until the burst (a paste, an undo, fast
  // typing) pauses, and only the last version is analyzed. A change read right after an analysis
  // is never "after a pause": it waited in the queue while the analysis ran, and taking it for a
  // pause would analyze every version of a burst, one by one.
  //
  // The pause a burst must make is as long as the document's last analysis took (at least
  // `debounceMs`, at most `maxPauseMs`): on a 100,000-line file an analysis takes a few hundred
  // milliseconds, during which hovers wait, and a client that merely hiccups in the middle of a
  // burst of 1,000 edits used to start one after another, each for a version the next edit
  // replaced.
  const schedule = (uri: string): void => {
    const now = performance.now();
    const previous = changedAt.get(uri);
    changedAt.set(uri, now);
    const pending = timers.has(uri);
    cancel(uri);
    const lastRun = ranAt.get(uri);
    const idle = !pending && (previous === undefined || now - previous > debounceMs) && (lastRun === undefined || now - lastRun > debounceMs);
    // Inside a burst (the previous change came within the long pause) the long pause applies; a
    // change sent after the diagnostics of the last one arrived waits only `debounceMs`, as before.
    const longPause = Math.max(debounceMs, Math.min(costs.get(uri) ?? 0, maxPauseMs));
    const inBurst = previous !== undefined && now - previous < longPause;
    timers.set(uri, setTimeout(() => void run(uri), idle ? 0 : inBurst ? longPause : debounceMs));
  };

  context.documents.onDidOpen((event) => {
    openedAt.set(event.document.uri, event.document.version);
    if (isSourceDocument(event.document)) return sources.opened(event.document);
    void run(event.document.uri);
  });
  context.documents.onDidChangeContent((event) => {
    if (isSourceDocument(event.document)) {
      if (openedAt.get(event.document.uri) !== event.document.version) sources.changed(event.document);
      return;
    }
    // The open event already ran the first analysis; later changes wait for typing to pause.
    if (openedAt.get(event.document.uri) !== event.document.version) schedule(event.document.uri);
  });
  context.documents.onDidSave((event) => {
    if (isSourceDocument(event.document)) sources.saved(event.document);
  });
  context.documents.onDidClose((event) => {
    const uri = event.document.uri;
    sources.closed(uri);
    cancel(uri);
    published.delete(uri);
    openedAt.delete(uri);
    changedAt.delete(uri);
    ranAt.delete(uri);
    costs.delete(uri);
    context.forget(uri);
    void context.connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  return {
    refreshAll(): void {
      published.clear();
      for (const document of context.documents.all()) if (!isSourceDocument(document)) void run(document.uri);
      sources.refreshAll();
    },
  };
}

/** The diagnostics of one analysis, after severity overrides, at most `max` findings of them. */
export function toDiagnostics(document: TextDocument, analysis: Analysis, max = defaultMaxDiagnostics): Diagnostic[] {
  if (analysis.skipped !== undefined) {
    const severity = analysis.skipped.code === 'internal-error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Information;
    return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity, source: diagnosticSource, code: analysis.skipped.code, message: analysis.skipped.message }];
  }
  const report = analysis.report;
  if (report === undefined) return [];
  const diagnostics: Diagnostic[] = [];
  let left = 0;
  for (const finding of report.findings) {
    if (analysis.settings.severity[finding.code] === 'off') continue;
    if (diagnostics.length >= max) {
      left++;
      continue;
    }
    const diagnostic = toDiagnostic(document, document.uri, finding, report.kernel, analysis.settings.severity[finding.code]);
    if (diagnostic !== undefined) diagnostics.push(diagnostic);
  }
  if (analysis.settings.showCoverage) diagnostics.push(...coverageDiagnostics(document, report, Math.max(0, max - diagnostics.length)));
  if (left > 0) {
    const shown = diagnostics.length;
    diagnostics.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Information,
      source: diagnosticSource,
      code: truncatedCode,
      message: `redzone-lint shows the first ${shown} findings of this file and left out ${left} more; run \`redzone-lint check\` on it for the full list.`,
    });
  }
  return diagnostics;
}

/** The code of the information diagnostics that `redzone.showCoverage` adds. */
export const notAnalyzedCode = 'not-analyzed';

/**
 * With `redzone.showCoverage`: each range the front end could not expand and each line with a
 * problem, as an information diagnostic over its lines, so that what was not analyzed is seen.
 */
function coverageDiagnostics(document: TextDocument, report: NonNullable<Analysis['report']>, max: number): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const lineEnd = (line: number): number => document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '').length;
  const add = (line: number, endLine: number, message: string): void => {
    if (diagnostics.length >= max) return;
    diagnostics.push({
      range: { start: { line, character: 0 }, end: { line: endLine, character: lineEnd(endLine) } },
      severity: DiagnosticSeverity.Information,
      source: diagnosticSource,
      code: notAnalyzedCode,
      message: `Not analyzed: ${message}`,
    });
  };
  for (const range of report.coverage?.notAnalyzed ?? []) add(range.line, range.endLine, range.cause);
  for (const problem of report.problems) add(problem.line, problem.line, problem.message);
  return diagnostics;
}

/** How many findings the user is told about: every one not turned off, shown or left out. */
function findingCount(analysis: Analysis, published: number): number {
  const report = analysis.report;
  if (report === undefined) return published;
  return report.findings.filter((finding) => analysis.settings.severity[finding.code] !== 'off').length;
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
