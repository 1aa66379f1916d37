/**
 * `textDocument/codeAction`: the quick fixes of redzone findings, computed from `Diagnostic.data`
 * and the document text alone (the server keeps no table of fixes).
 *
 * - "Add -mno-red-zone to <build file>" for compiler output: the build that produced the code is
 *   the place to fix it, and regenerating the assembly then shows the fix worked.
 * - "Treat this file as user code": the magic comment, for a file wrongly taken for kernel code.
 * - "Reserve N bytes of stack in <function>" for hand-written assembly, where no build flag helps.
 * - "Ignore on this line": a `redzone-ignore` comment, for deliberate use.
 */
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  addFlagToCompileDatabase,
  addNoRedZone,
  applyEdits,
  assemblyRuleFor,
  buildFileKind,
  commentStyleFor,
  compilerSources,
  flagSpelling,
  ignoreLineEdit,
  looksCompilerGenerated,
  reserveSize,
  reserveStackEdits,
  tagFileEdit,
  type MakeRule,
  type TextEdit as CoreTextEdit,
} from '../core/fixes/index';
import { buildFileChangedCommand, type BuildFileChangedArgs } from '../protocol';
import { findBuildFiles, readBuildFile, type BuildFile } from './buildFiles';
import type { ServerContext } from './context';
import { diagnosticData, diagnosticSource, toTextEdit } from './convert';
import { disassemblyTarget } from './objects';
import { folderOf, isInside, pathToUri, slashRelative, uriToPath } from './paths';
import { findSourceEntry } from '../host/source-check';

/** Codes that a build without the red zone fixes. */
const buildFixable = new Set(['red-zone-store', 'red-zone-load', 'red-zone-clobbered', 'below-red-zone']);
/** Codes that only kernel code gets, so tagging the file as user code makes them go away. */
const kernelOnly = new Set(['red-zone-store', 'red-zone-load']);

/** Registers the code action handler. */
export function registerCodeActions(context: ServerContext): void {
  context.connection.onCodeAction(async (params) => {
    try {
      return await codeActions(context, params);
    } catch (error) {
      context.connection.console.error(`redzone-lint: code actions failed: ${String(error)}`);
      return null;
    }
  });
}

/** The quick fixes for the redzone diagnostics in the request's context. */
export async function codeActions(context: ServerContext, params: CodeActionParams): Promise<CodeAction[]> {
  const document = context.documents.get(params.textDocument.uri);
  // A disassembly document is read-only and regenerated from the object: the fix belongs in the build.
  if (document === undefined || disassemblyTarget(document.uri) !== undefined) return [];
  const ours = params.context.diagnostics.filter((diagnostic) => diagnostic.source === diagnosticSource && diagnosticData(diagnostic) !== undefined);
  if (ours.length === 0) return [];
  const uri = document.uri;
  const text = document.getText();
  const path = uriToPath(uri);
  const style = commentStyleFor({ languageId: document.languageId, fileName: path ?? uri, text });
  const actions: CodeAction[] = [];

  const fixable = ours.filter((diagnostic) => buildFixable.has(diagnosticData(diagnostic)!.code));
  // A finding in a C, C++ or Rust source came from compiling it: its fix is in the build, like compiler output's.
  const compiled = ours.some((diagnostic) => diagnosticData(diagnostic)!.compiled === true);
  let buildFiles: BuildFile[] = [];
  const settings = await context.settingsFor(uri);
  const root = path === undefined ? '' : folderOf(path, context.folders);
  if (fixable.length > 0 && path !== undefined) {
    buildFiles = findBuildFiles({ path, folders: context.folders, compileCommands: settings.compileCommands, root });
  }
  // A Makefile rule that compiles this file with -S says it is compiler output as surely as a `.file` directive.
  const rules = new Map(buildFiles.map((buildFile) => [buildFile, path === undefined ? undefined : ruleMaking(context, buildFile, path)]));
  const generated = compiled || looksCompilerGenerated(text) || [...rules.values()].some((rule) => rule !== undefined);
  if (fixable.length > 0 && !generated) actions.push(...(await reserveActions(context, document, fixable)));
  if (fixable.length > 0 && path !== undefined && generated) {
    // The compile command the editor compiles with is updated too, so the next save shows the fix at once.
    const database = compiled ? databaseEdit(context, path, settings.compileCommands, root) : undefined;
    for (const buildFile of buildFiles) {
      const action = buildFileAction(context, buildFile, path, text, fixable, database, rules.get(buildFile));
      if (action !== undefined) actions.push(action);
    }
    if (actions.length > 0) actions[0].isPreferred = true;
  }

  const tagged = ours.filter((diagnostic) => diagnosticData(diagnostic)!.kernel && kernelOnly.has(diagnosticData(diagnostic)!.code));
  const tag = tagged.length > 0 ? tagFileEdit(text, style, 'user') : undefined;
  if (tag !== undefined) {
    actions.push(quickFix('Treat this file as user code (redzone: user)', tagged, { changes: { [uri]: [toTextEdit(document, tag)] } }));
  }

  const lines = new Set<number>();
  // A `redzone-ignore` comment works in assembly, where the finding's instruction is; not in a source compiled to it.
  for (const diagnostic of compiled ? [] : ours) {
    const line = diagnostic.range.start.line;
    if (lines.has(line)) continue;
    lines.add(line);
    const edit = ignoreLineEdit(text, line, style);
    if (edit === undefined) continue;
    const onLine = ours.filter((other) => other.range.start.line === line);
    actions.push(quickFix('Ignore on this line (redzone-ignore)', onLine, { changes: { [uri]: [toTextEdit(document, edit)] } }));
  }
  return actions;
}

/** One "Reserve N bytes" action per function that has fixable findings. */
async function reserveActions(context: ServerContext, document: TextDocument, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
  const report = (await context.analysisOf(document)).report;
  if (report === undefined) return [];
  const actions: CodeAction[] = [];
  const text = document.getText();
  for (const name of new Set(diagnostics.map((diagnostic) => diagnosticData(diagnostic)!.function))) {
    const summary = report.functions.find((candidate) => candidate.name === name);
    if (summary === undefined) continue;
    const mine = diagnostics.filter((diagnostic) => diagnosticData(diagnostic)!.function === name);
    const deepest = Math.max(summary.redZoneBytes, ...mine.map((diagnostic) => -(diagnosticData(diagnostic)!.offset ?? 0)));
    const edits = reserveStackEdits(text, { startLine: summary.startLine, endLine: summary.endLine, bytesBelow: deepest });
    if (edits === undefined) continue;
    const title = `Reserve ${reserveSize(deepest)} bytes of stack in ${name}`;
    actions.push(quickFix(title, mine, { changes: { [document.uri]: edits.map((edit) => toTextEdit(document, edit)) } }));
  }
  return actions;
}

function buildFileAction(
  context: ServerContext,
  buildFile: BuildFile,
  path: string,
  text: string,
  diagnostics: Diagnostic[],
  database: { readonly uri: string; readonly edits: (directory: string) => TextEdit[] | undefined } | undefined,
  rule: MakeRule | undefined,
): CodeAction | undefined {
  const buildUri = pathToUri(buildFile.path);
  const buildText = buildFileText(context, buildFile);
  if (buildText === undefined) return undefined;
  const buildDir = dirname(buildFile.path);
  const edits = addNoRedZone(buildFile.kind, buildText, { fileName: buildFile.path, sources: sourcesRelativeTo(buildDir, path, text) });
  if (edits === undefined || edits.length === 0) return undefined;
  const target = context.documents.get(buildUri) ?? TextDocument.create(buildUri, 'plaintext', 0, buildText);
  const root = folderOf(path, context.folders);
  const shown = buildFile.path.startsWith(root) ? slashRelative(root, buildFile.path) : buildFile.path;
  const flag = flagSpelling(buildFile.kind);
  const title = `Add ${flag} to ${shown}`;
  const changes: Record<string, TextEdit[]> = { [buildUri]: edits.map((edit: CoreTextEdit) => toTextEdit(target, edit)) };
  const databaseEdits = database?.edits(buildDir);
  if (database !== undefined && databaseEdits !== undefined && database.uri !== buildUri) changes[database.uri] = databaseEdits;
  const action = quickFix(title, diagnostics, { changes });
  // After the edit, the client runs this command: the server says what changed and what to rebuild.
  const changed = changedLine(buildText, edits);
  const args: BuildFileChangedArgs = {
    buildFile: buildFile.path,
    shown,
    flag,
    line: changed.line + 1,
    lineText: changed.text,
    output: path,
    ...(rule !== undefined ? { outputDependsOnBuildFile: rule.prerequisites.some((name) => basename(name) === basename(buildFile.path) || name.includes('MAKEFILE_LIST')) } : {}),
  };
  action.command = { title: 'Say what the fix changed', command: buildFileChangedCommand, arguments: [args] };
  return action;
}

/** The build file's text: the open document's, or the file's. */
function buildFileText(context: ServerContext, buildFile: BuildFile): string | undefined {
  return context.documents.get(pathToUri(buildFile.path))?.getText() ?? readBuildFile(buildFile.path);
}

/** The rule of a Makefile that compiles `path` to assembly, or undefined (and for other build files). */
function ruleMaking(context: ServerContext, buildFile: BuildFile, path: string): MakeRule | undefined {
  if (buildFile.kind !== 'make') return undefined;
  const text = buildFileText(context, buildFile);
  return text === undefined ? undefined : assemblyRuleFor(text, slashRelative(dirname(buildFile.path), path));
}

/** The 0-based line, after the edits, where the first edit's new text begins, and that line's text. */
function changedLine(text: string, edits: readonly CoreTextEdit[]): { line: number; text: string } {
  const after = applyEdits(text, edits);
  const first = [...edits].sort((a, b) => a.start - b.start)[0]!;
  const at = first.start + (first.newText.length - first.newText.replace(/^\s+/, '').length);
  const line = after.slice(0, at).split('\n').length - 1;
  return { line, text: (after.split('\n')[line] ?? '').replace(/\r$/, '') };
}

/**
 * The edit of compile_commands.json that adds `-mno-red-zone` to the entries of the sources under
 * a build file's directory (what the build file's fix makes the next build write there), so the
 * editor's next compile of the source uses it before the database is regenerated.
 */
function databaseEdit(context: ServerContext, path: string, compileCommands: string, root: string): { uri: string; edits: (directory: string) => TextEdit[] | undefined } | undefined {
  const found = findSourceEntry(path, { root, compileCommands });
  if (!found.ok || buildFileKind(found.from) === 'compile-flags') return undefined;
  const uri = pathToUri(found.from);
  const open = context.documents.get(uri);
  const databaseText = open?.getText() ?? readBuildFile(found.from);
  if (databaseText === undefined) return undefined;
  return {
    uri,
    edits: (directory) => {
      const edit = addFlagToCompileDatabase(databaseText, (entry) => isInside(directory, resolve(dirname(found.from), entry.directory ?? '.', entry.file)));
      if (edit === undefined) return undefined;
      return [toTextEdit(open ?? TextDocument.create(uri, 'json', 0, databaseText), edit)];
    },
  };
}

/** The analyzed file and the sources its `.file` directives name, relative to the build file's directory. */
function sourcesRelativeTo(buildDir: string, path: string, text: string): string[] {
  const sources = [slashRelative(buildDir, path)];
  for (const source of compilerSources(text)) {
    const absolute = isAbsolute(source) ? source : join(dirname(path), source);
    sources.push(slashRelative(buildDir, absolute), source.replace(/\\/g, '/'));
  }
  return [...new Set(sources)];
}

function quickFix(title: string, diagnostics: Diagnostic[], edit: WorkspaceEdit): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics, edit };
}
