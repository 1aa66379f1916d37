/**
 * `redZone/scanObjects`: "Scan build output for red-zone use".
 *
 * Walks each workspace folder for the objects `redzone.objectGlobs` selects, analyzes them one at
 * a time (capstone in this process; nothing is executed, so the scan is as safe in an untrusted
 * workspace as reading a file), and publishes each finding on the C/C++ source line that the
 * object's DWARF line table names, when that source file lies in the workspace. The diagnostic
 * says which object, function and instruction it came from, and its related information points
 * at the instruction in the object's disassembly document.
 *
 * Progress goes through `window/workDoneProgress`; cancelling the request (or the progress)
 * stops after the current file and still publishes what was found until then.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { CancellationToken, Diagnostic, WorkDoneProgressReporter } from 'vscode-languageserver';
import { findingDocUrl, type Finding } from '../core/index';
import { analyzeObjectPath, archiveMemberPath } from '../host/objects';
import { scanObjectsRequest, type ScanObjectsParams, type ScanObjectsResult } from '../protocol';
import { analysisOptions } from './analysis';
import type { ServerContext } from './context';
import { asPlainText, diagnosticSource, toSeverity } from './convert';
import { defaultMaxDiagnostics } from './diagnostics';
import { defaultObjectGlobs, findObjectFiles } from './objectFiles';
import { disassemblyUri } from './objects';
import { folderOf, isInside, pathToUri, slashRelative } from './paths';

/** How many per-file errors the result lists. */
const shownErrors = 10;

/** Registers the request; returns nothing to the rest of the server. */
export function registerScan(context: ServerContext): void {
  // Source URIs the last scan published on, so a rescan can clear the ones that are clean now.
  let published = new Set<string>();
  let running: Promise<unknown> = Promise.resolve();
  context.connection.onRequest(scanObjectsRequest.method, async (params: ScanObjectsParams | undefined, token: CancellationToken) => {
    // One scan at a time: a second request waits for the first rather than interleaving publications.
    const previous = running;
    let done!: () => void;
    running = new Promise<void>((resolve) => (done = resolve));
    await previous;
    try {
      const progress =
        params?.workDoneToken !== undefined ? context.connection.window.attachWorkDoneProgress(params.workDoneToken) : await context.connection.window.createWorkDoneProgress();
      // A server-created progress has its own cancel button (`window/workDoneProgress/cancel`).
      const progressToken = 'token' in progress ? (progress.token as CancellationToken) : undefined;
      const isCancelled = (): boolean => token.isCancellationRequested || progressToken?.isCancellationRequested === true;
      const { result, diagnostics } = await scanObjects(context, progress, isCancelled);
      for (const uri of published) if (!diagnostics.has(uri)) void context.connection.sendDiagnostics({ uri, diagnostics: [] });
      for (const [uri, list] of diagnostics) void context.connection.sendDiagnostics({ uri, diagnostics: asPlainText(list) });
      published = new Set(diagnostics.keys());
      return result;
    } catch (error) {
      context.connection.console.error(`redzone-lint: scanning objects failed: ${String(error)}`);
      return null;
    } finally {
      done();
    }
  });
}

/** Scans every workspace folder; returns the summary and the diagnostics per source URI. */
export async function scanObjects(
  context: ServerContext,
  progress: WorkDoneProgressReporter,
  isCancelled: () => boolean,
): Promise<{ result: ScanObjectsResult; diagnostics: Map<string, Diagnostic[]> }> {
  const diagnostics = new Map<string, Diagnostic[]>();
  const errors: string[] = [];
  const withFindings: { path: string; findings: number }[] = [];
  const unmapped: { path: string; absolute: string; findings: number; reason: string }[] = [];
  const globsUsed = new Set<string>();
  let truncated = false;
  const work: { file: string; folder: string }[] = [];
  for (const folder of context.folders) {
    const settings = await context.settingsFor(pathToUri(folder));
    const globs = settings.objectGlobs.length > 0 ? settings.objectGlobs : defaultObjectGlobs;
    globs.forEach((glob) => globsUsed.add(glob));
    const list = findObjectFiles(folder, globs, undefined, isCancelled);
    truncated ||= list.truncated;
    work.push(...list.files.map((file) => ({ file, folder })));
  }
  progress.begin('Scanning build output for red-zone use', 0, `${work.length} object${work.length === 1 ? '' : 's'}`, true);
  let objects = 0;
  let findings = 0;
  let sourceFindings = 0;
  // A cancellation during the walk leaves a partial list: report it as cancelled, not as clean.
  let cancelled = isCancelled();
  const sourceLines = new Map<string, string[] | undefined>();
  for (const [index, { file, folder }] of (cancelled ? [] : work).entries()) {
    // Yield to the event loop so a cancellation that arrived during the last file is seen.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (isCancelled()) {
      cancelled = true;
      break;
    }
    const shown = slashRelative(folder, file);
    progress.report(Math.floor((index * 100) / Math.max(work.length, 1)), shown);
    const uri = pathToUri(file);
    const settings = await context.settingsFor(uri);
    const { options } = analysisOptions(uri, settings, context.folders);
    // Read by sections when it is an ELF file, at most `redzone.maxFileSize` MiB; a failure is the file's error.
    const analysis = await analyzeObjectPath(file, file, { ...options, keepListing: 'findings' }, settings.maxFileSize * 1048576);
    objects++;
    if (analysis.error !== undefined) errors.push(`${shown}: ${analysis.error}`);
    let found = 0;
    let shownHere = 0;
    let withoutLine = 0;
    const outside = new Set<string>();
    for (const unit of analysis.units) {
      if (unit.error !== undefined) errors.push(`${slashRelative(folder, unit.path)}: ${unit.error}`);
      const report = unit.report;
      if (report === undefined) continue;
      const member = archiveMemberPath(unit.path)?.member;
      const listingLines = unit.listing?.split('\n') ?? [];
      for (const finding of report.findings) {
        const override = settings.severity[finding.code];
        if (override === 'off') continue;
        found++;
        const source = sourceOf(finding, file, context.folders);
        if (source === undefined) {
          if (finding.source === undefined || finding.source.line <= 0) withoutLine++;
          else outside.add(finding.source.path);
          continue;
        }
        shownHere++;
        let lines = sourceLines.get(source.path);
        if (!sourceLines.has(source.path)) {
          lines = readLines(source.path);
          sourceLines.set(source.path, lines);
        }
        const sourceUri = pathToUri(source.path);
        const list = diagnostics.get(sourceUri) ?? [];
        if (list.length >= defaultMaxDiagnostics) continue;
        const instruction = instructionText(listingLines[finding.line]);
        const where = `${slashRelative(folder, unit.path)}, function ${finding.function}${instruction === undefined ? '' : `: \`${instruction}\``}`;
        const line = Math.max(0, source.line - 1);
        const text = lines?.[line] ?? '';
        const start = text.length - text.trimStart().length;
        list.push({
          range: { start: { line, character: start }, end: { line, character: Math.max(start, text.trimEnd().length) } },
          severity: toSeverity(override ?? finding.severity),
          source: diagnosticSource,
          code: finding.code,
          codeDescription: { href: findingDocUrl(finding.code) },
          message: `${finding.message} (in ${where})`,
          relatedInformation: [
            {
              location: { uri: disassemblyUri(file, member), range: { start: { line: finding.line, character: 0 }, end: { line: finding.line, character: 0 } } },
              message: `the instruction in the disassembly of ${slashRelative(folder, unit.path)}`,
            },
          ],
        });
        diagnostics.set(sourceUri, list);
        sourceFindings++;
      }
    }
    findings += found;
    if (found > 0) withFindings.push({ path: shown, findings: found });
    if (found > shownHere) unmapped.push({ path: shown, absolute: file, findings: found - shownHere, reason: unmappedReason(withoutLine, [...outside]) });
  }
  progress.done();
  const result: ScanObjectsResult = {
    objects,
    findings,
    sourceFindings,
    sourceFiles: diagnostics.size,
    withFindings,
    unmapped,
    errors: errors.slice(0, shownErrors),
    cancelled,
    truncated,
    globs: [...globsUsed],
  };
  return { result, diagnostics };
}

/** Why an object's findings could not go on source lines, and what to do about it. */
function unmappedReason(withoutLine: number, outside: readonly string[]): string {
  const parts: string[] = [];
  if (withoutLine > 0) {
    parts.push(`${withoutLine} finding${withoutLine === 1 ? ' has' : 's have'} no source line: the object has no DWARF line table for that code (it was built without \`-g\`); rebuild it with \`-g\`, or open its disassembly to see the findings`);
  }
  if (outside.length > 0) {
    const named = outside.slice(0, 3).map((path) => `\`${path}\``).join(', ');
    parts.push(`its line table names ${named}${outside.length > 3 ? ', …' : ''}, not a file in the workspace; open the workspace that holds the sources, or open its disassembly`);
  }
  return parts.join('; ');
}

/** The finding's source file, when it is known, exists and lies in a workspace folder. */
function sourceOf(finding: Finding, objectPath: string, folders: readonly string[]): { path: string; line: number } | undefined {
  const source = finding.source;
  if (source === undefined || source.line <= 0) return undefined;
  const candidates = isAbsolute(source.path) ? [source.path] : [resolve(dirname(objectPath), source.path), resolve(folderOf(objectPath, folders), source.path)];
  const path = candidates.find((candidate) => folders.some((folder) => isInside(folder, candidate)) && existsSync(candidate));
  return path === undefined ? undefined : { path, line: source.line };
}

function readLines(path: string): string[] | undefined {
  try {
    if (statSync(path).size > 16 * 1024 * 1024) return undefined;
    return readFileSync(path, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
}

/** `mov %rdi,-0x8(%rsp)` from a listing line `   4:\t48 89 7c 24 f8 \tmov    %rdi,-0x8(%rsp)`. */
function instructionText(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const parts = line.split('\t').map((part) => part.trim()).filter((part) => part !== '');
  const last = parts[parts.length - 1];
  return last === undefined || parts.length < 2 ? undefined : last.replace(/\s+/g, ' ');
}
