/**
 * The custom requests and commands of `protocol.ts`: `redzone.server.tagFile` (writes the magic
 * comment through `workspace/applyEdit`), `redZone/frameLayout` (the hover's table on demand) and
 * `redZone/disassembly` (the listing of an object for a read-only document).
 */
import { basename } from 'node:path';
import type { ExecuteCommandParams } from 'vscode-languageserver';
import { commentStyleFor, tagFileEdit } from '../core/fixes/index';
import { buildFileChangedCommand, disassemblyRequest, frameLayoutRequest, tagFileCommand, type BuildFileChangedArgs, type DisassemblyParams, type DisassemblyResult, type FrameLayoutParams, type FrameLayoutResult, type TagFileArgs } from '../protocol';
import type { ServerContext } from './context';
import { frameLayoutMarkdown, toTextEdit } from './convert';
import { pathToUri, uriToPath } from './paths';

/** The commands the server executes, announced in `executeCommandProvider`. */
export const serverCommands = [tagFileCommand, buildFileChangedCommand];

/** Registers `workspace/executeCommand`, `redZone/frameLayout` and `redZone/disassembly`. */
export function registerCommands(context: ServerContext): void {
  context.connection.onExecuteCommand(async (params) => {
    try {
      return await executeCommand(context, params);
    } catch (error) {
      context.connection.console.error(`redzone-lint: command ${params.command} failed: ${String(error)}`);
      return null;
    }
  });
  context.connection.onRequest(frameLayoutRequest.method, async (params: FrameLayoutParams): Promise<FrameLayoutResult | null> => {
    try {
      const document = typeof params?.uri === 'string' ? context.documents.get(params.uri) : undefined;
      if (document === undefined || typeof params.line !== 'number') return null;
      const analysis = await context.analysisOf(document);
      const layout = context.analyzer.frameAt(document, analysis, params.line);
      return layout === undefined ? null : { markdown: frameLayoutMarkdown(layout) };
    } catch (error) {
      context.connection.console.error(`redzone-lint: frame layout failed: ${String(error)}`);
      return null;
    }
  });
  context.connection.onRequest(disassemblyRequest.method, async (params: DisassemblyParams): Promise<DisassemblyResult> => {
    try {
      if (typeof params?.path !== 'string') return { error: 'no object path given' };
      const settings = await context.settingsFor(pathToUri(params.path));
      return await context.objects.disassembly(params, settings, context.folders);
    } catch (error) {
      context.connection.console.error(`redzone-lint: disassembly failed: ${String(error)}`);
      return { error: `redzone-lint failed to disassemble ${params?.path}: ${String(error)}` };
    }
  });
}

async function executeCommand(context: ServerContext, params: ExecuteCommandParams): Promise<boolean | null> {
  if (params.command === buildFileChangedCommand) return buildFileChanged(context, params.arguments?.[0] as Partial<BuildFileChangedArgs> | undefined);
  if (params.command !== tagFileCommand) return null;
  const args = params.arguments?.[0] as Partial<TagFileArgs> | undefined;
  if (typeof args?.uri !== 'string' || (args.tag !== 'kernel' && args.tag !== 'user')) return false;
  const document = context.documents.get(args.uri);
  if (document === undefined) return false;
  const text = document.getText();
  const style = commentStyleFor({ languageId: document.languageId, fileName: uriToPath(args.uri) ?? args.uri, text });
  const edit = tagFileEdit(text, style, args.tag);
  if (edit === undefined) return true;
  const result = await context.connection.workspace.applyEdit({
    label: `Tag as ${args.tag} code`,
    edit: { changes: { [args.uri]: [toTextEdit(document, edit)] } },
  });
  return result.applied;
}

/**
 * After an "Add -mno-red-zone to <build file>" edit: says what changed and that the outputs must be
 * rebuilt (a file whose rule does not depend on the Makefile stays as it was: `make` says "Nothing
 * to be done"), and offers to open the build file.
 */
async function buildFileChanged(context: ServerContext, args: Partial<BuildFileChangedArgs> | undefined): Promise<boolean> {
  if (typeof args?.buildFile !== 'string' || typeof args.output !== 'string' || typeof args.shown !== 'string') return false;
  const message = buildFileChangedMessage(args as BuildFileChangedArgs);
  const open = `Open ${args.shown}`;
  const actions = context.canShowDocument ? [{ title: open }] : [];
  const choice = await context.connection.window.showInformationMessage(message, ...actions);
  if (choice?.title === open) {
    const line = Math.max(0, (args.line ?? 1) - 1);
    await context.connection.window.showDocument({ uri: pathToUri(args.buildFile), takeFocus: true, selection: { start: { line, character: 0 }, end: { line, character: 0 } } });
  }
  return true;
}

/** "Added -mno-red-zone to Makefile, line 2: `CFLAGS = -O0 -mno-red-zone`. irq.s does not depend on ..." */
export function buildFileChangedMessage(args: BuildFileChangedArgs): string {
  const output = basename(args.output);
  const where = args.lineText.trim() === '' ? `${args.shown}` : `${args.shown}, line ${args.line}: ${args.lineText.trim()}`;
  const changed = `Added ${args.flag} to ${where}.`;
  let rebuild: string;
  if (args.outputDependsOnBuildFile === true) rebuild = `Run make to rebuild ${output} without the red zone.`;
  else if (args.outputDependsOnBuildFile === false) {
    rebuild = `${output} does not depend on ${basename(args.buildFile)}, so make will say it is up to date: rebuild it with "make -B ${output}" (and rebuild whatever else these flags compile).`;
  } else rebuild = `Files built before this change still use the red zone: rebuild ${output} and the other outputs of this build (make -B, or a clean build).`;
  return `${changed} ${rebuild}`;
}
