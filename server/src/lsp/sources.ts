/**
 * Diagnostics in the C, C++ and Rust files people edit: on open and on save (and, with
 * `redzone.compileOnChange`, on edits through the unsaved text on standard input) the source is
 * compiled to assembly with its own build flags, analyzed, and the findings are published on the
 * source lines the `.loc` directives name.
 *
 * Only in a trusted workspace: the compiler is a program the workspace names, so an untrusted
 * workspace never runs one, and says so once. Requests are debounced, a newer request for a
 * document cancels the older one (its compiler is killed), and at most `redzone.sourceJobs`
 * compilers run at once, each with a time limit.
 */
import { extname } from 'node:path';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findMagicComment, findingDocUrl, type Finding } from '../core/index';
import { JobLimiter } from '../host/compile-source';
import { checkSource, findSourceEntry, type SourceCheck } from '../host/source-check';
import { sameFile, sourceMessage, turnsRedZoneOff, type SourceFinding } from '../host/source-findings';
import { checkRustCrate, findRustCrate } from '../host/rust-source';
import { statusNotification, type StatusParams } from '../protocol';
import { analysisOptions } from './analysis';
import { findBuildFiles } from './buildFiles';
import type { ServerContext } from './context';
import { asPlainText, diagnosticSource, lineRange, toSeverity, type DiagnosticData } from './convert';
import { defaultMaxDiagnostics } from './diagnostics';
import { folderOf, slashRelative, uriToPath } from './paths';

/** Language ids of the sources compiled on save. */
const sourceLanguages = new Set(['c', 'cpp', 'rust']);
/** Extensions of the same, for clients that send other language ids. */
const sourceExtensions = new Set(['.c', '.h', '.cc', '.cpp', '.cxx', '.c++', '.C', '.hh', '.hpp', '.hxx', '.rs']);

/** True for a document this module owns: a C, C++ or Rust source, never analyzed as assembly text. */
export function isSourceDocument(document: TextDocument): boolean {
  const path = uriToPath(document.uri) ?? document.uri;
  return sourceLanguages.has(document.languageId) || sourceExtensions.has(extname(path));
}

/** Said once per session when a source opens in an untrusted workspace. */
export const untrustedMessage =
  'C, C++ and Rust sources are not compiled in an untrusted workspace, because the compiler is a program the workspace names. Trust the workspace to see red-zone findings in them (other editors: pass `workspaceTrusted: true` in initializationOptions).';

/** The pause after a save, and after an edit with `compileOnChange`. */
const saveDebounceMs = 50;
const changeDebounceMs = 600;

/** The diagnostic codes of this module that are not findings. */
export const compileFailedCode = 'compile-failed';
export const elsewhereCode = 'findings-elsewhere';

/** What the rest of the server calls. */
export interface SourcePublisher {
  opened(document: TextDocument): void;
  changed(document: TextDocument): void;
  saved(document: TextDocument): void;
  closed(uri: string): void;
  /** Re-checks every open source (settings or trust changed). */
  refreshAll(): void;
}

interface DocumentJob {
  timer: ReturnType<typeof setTimeout> | undefined;
  controller: AbortController | undefined;
  generation: number;
}

/** Creates the publisher; the limiter's size follows `redzone.sourceJobs`. */
export function createSourcePublisher(context: ServerContext): SourcePublisher {
  const jobs = new Map<string, DocumentJob>();
  const limiter = new JobLimiter(2);

  const jobOf = (uri: string): DocumentJob => {
    let job = jobs.get(uri);
    if (job === undefined) {
      job = { timer: undefined, controller: undefined, generation: 0 };
      jobs.set(uri, job);
    }
    return job;
  };

  const schedule = (document: TextDocument, delayMs: number, buffer: boolean): void => {
    if (!context.workspaceTrusted) {
      context.showProblems([untrustedMessage]);
      return;
    }
    const job = jobOf(document.uri);
    if (job.timer !== undefined) clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      job.timer = undefined;
      void check(document.uri, buffer);
    }, delayMs);
  };

  const check = async (uri: string, buffer: boolean): Promise<void> => {
    const document = context.documents.get(uri);
    const path = uriToPath(uri);
    if (document === undefined || path === undefined || !context.workspaceTrusted) return;
    const job = jobOf(uri);
    // A newer request wins: the older compiler is killed and its result dropped.
    job.controller?.abort();
    const controller = new AbortController();
    job.controller = controller;
    const generation = ++job.generation;
    try {
      const settings = await context.settingsFor(uri);
      limiter.limit = settings.sourceJobs;
      const root = folderOf(path, context.folders);
      const { options, problems } = analysisOptions(uri, settings, context.folders);
      context.showProblems(problems);
      // The source's own magic comment is its first word on being kernel or user code.
      const magic = findMagicComment(document.getText());
      const runOptions = magic === undefined ? options : { ...options, forcedKernel: magic };
      let checked: SourceCheck;
      let noRedZone = false;
      if (extname(path) === '.rs' || document.languageId === 'rust') {
        const crate = findRustCrate(path);
        if (crate === undefined || crate.kernelReason === undefined) return publish(uri, document, [], skipped(uri, document, 'the crate does not build kernel code (no custom target, disable-redzone, code-model or target-feature flags)'));
        checked = await limiter.run(() => checkRustCrate(crate, runOptions, { signal: controller.signal }));
        noRedZone = crate.noRedZone;
      } else {
        const found = findSourceEntry(path, { root, compileCommands: settings.compileCommands });
        if (!found.ok) {
          // A header or a stray file without an entry is normal (the status bar says so); a broken database is not.
          if (found.unreadable && found.problem !== undefined) context.showProblems([found.problem]);
          return publish(uri, document, [], skipped(uri, document, found.problem ?? 'no compile_commands.json or compile_flags.txt compiles this file'));
        }
        noRedZone = turnsRedZoneOff(found.entry.arguments);
        checked = await limiter.run(() => checkSource(found.entry, runOptions, { text: buffer ? document.getText() : undefined, signal: controller.signal }));
      }
      if (controller.signal.aborted || generation !== job.generation) return;
      const current = context.documents.get(uri) ?? document;
      if (!checked.ok) {
        if (checked.cancelled) return;
        const diagnostic: Diagnostic = {
          range: lineRange(current, 0),
          severity: DiagnosticSeverity.Information,
          source: diagnosticSource,
          code: compileFailedCode,
          message: `redzone-lint could not compile this file to check it for red-zone use: ${checked.message}`,
        };
        return publish(uri, current, [diagnostic], skipped(uri, current, checked.message));
      }
      const buildFiles = findBuildFiles({ path, folders: context.folders, compileCommands: settings.compileCommands, root });
      const buildFile = buildFiles[0] === undefined ? undefined : slashRelative(root, buildFiles[0].path);
      const messageContext = { assemblyLines: checked.assembly.split('\n'), kernelReason: checked.report.kernel.reason, noRedZone, buildFile };
      const diagnostics: Diagnostic[] = [];
      const elsewhere: SourceFinding[] = [];
      for (const placed of checked.placed) {
        const override = settings.severity[placed.finding.code];
        if (override === 'off') continue;
        if (!sameFile(placed.path, path)) {
          elsewhere.push(placed);
          continue;
        }
        if (diagnostics.length >= defaultMaxDiagnostics) break;
        diagnostics.push(toSourceDiagnostic(current, placed, sourceMessage(placed, messageContext), override ?? placed.finding.severity, checked.report.kernel.kernel));
      }
      const unplaced = checked.unplaced.filter((finding) => settings.severity[finding.code] !== 'off');
      if (elsewhere.length > 0 || unplaced.length > 0) diagnostics.push(elsewhereDiagnostic(current, root, elsewhere, unplaced));
      const status: StatusParams = {
        uri,
        version: current.version,
        state: checked.report.kernel.kernel ? 'kernel' : 'user',
        reason: checked.report.kernel.reason,
        input: checked.report.input,
        functions: checked.report.functions.length,
        findings: diagnostics.length,
      };
      await publish(uri, current, diagnostics, status);
    } catch (error) {
      context.connection.console.error(`redzone-lint: checking ${uri} failed: ${String(error)}`);
    }
  };

  const publish = async (uri: string, document: TextDocument, diagnostics: Diagnostic[], status: StatusParams): Promise<void> => {
    await context.connection.sendDiagnostics({ uri, diagnostics: asPlainText(diagnostics) });
    await context.connection.sendNotification(statusNotification.method, { ...status, version: document.version });
  };

  return {
    opened: (document) => schedule(document, 0, false),
    changed: (document) => {
      void context.settingsFor(document.uri).then((settings) => {
        if (settings.compileOnChange && extname(uriToPath(document.uri) ?? '') !== '.rs') schedule(document, changeDebounceMs, true);
      });
    },
    saved: (document) => schedule(document, saveDebounceMs, false),
    closed: (uri) => {
      const job = jobs.get(uri);
      if (job?.timer !== undefined) clearTimeout(job.timer);
      job?.controller?.abort();
      jobs.delete(uri);
    },
    refreshAll: () => {
      for (const document of context.documents.all()) if (isSourceDocument(document)) schedule(document, 0, false);
    },
  };
}

function skipped(uri: string, document: TextDocument, reason: string): StatusParams {
  return { uri, version: document.version, state: 'skipped', reason, input: '', functions: 0, findings: 0 };
}

/** A finding on its source line; the range covers the line's text without indentation. */
function toSourceDiagnostic(document: TextDocument, placed: SourceFinding, message: string, severity: Parameters<typeof toSeverity>[0], kernel: boolean): Diagnostic {
  const line = Math.min(Math.max(0, placed.line - 1), Math.max(0, document.lineCount - 1));
  const whole = lineRange(document, line);
  const text = document.getText(whole);
  const indent = text.length - text.trimStart().length;
  const finding = placed.finding;
  const data: DiagnosticData = { code: finding.code, function: finding.function, line, kind: finding.kind, offset: finding.offset, size: finding.size, kernel, compiled: true };
  return {
    range: { start: { line, character: indent }, end: { line, character: Math.max(indent, text.trimEnd().length) } },
    severity: toSeverity(severity),
    source: diagnosticSource,
    code: finding.code,
    codeDescription: { href: findingDocUrl(finding.code) },
    message,
    data,
  };
}

/** One note for findings in other files (inline functions of headers) and findings without a line. */
function elsewhereDiagnostic(document: TextDocument, root: string, elsewhere: readonly SourceFinding[], unplaced: readonly Finding[]): Diagnostic {
  const places = elsewhere.slice(0, 5).map((placed) => `${slashRelative(root, placed.path)}:${placed.line} (${placed.finding.code} in \`${placed.finding.function}\`)`);
  const parts: string[] = [];
  if (elsewhere.length > 0) parts.push(`${elsewhere.length} in other files compiled with it: ${places.join(', ')}${elsewhere.length > 5 ? ', …' : ''}`);
  if (unplaced.length > 0) parts.push(`${unplaced.length} in functions the compiler gave no line information (${[...new Set(unplaced.map((finding) => `\`${finding.function}\``))].slice(0, 5).join(', ')})`);
  return {
    range: lineRange(document, 0),
    severity: DiagnosticSeverity.Information,
    source: diagnosticSource,
    code: elsewhereCode,
    message: `Compiling this file also gives red-zone findings that are not on its lines: ${parts.join('; ')}.`,
  };
}
