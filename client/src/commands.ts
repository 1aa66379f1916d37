/**
 * The extension's commands. Tagging a file and drawing a frame are the server's work
 * (`protocol.ts`); these commands only pick the active document and show the result.
 */
import { commands, window, workspace, type ExtensionContext } from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';
import { tagFileCommand, type FileTag, type TagFileArgs } from '../../server/src/protocol';
import { FrameView, frameScheme, showFrame } from './frameView';

/** Registers every command of package.json `contributes.commands`. */
export function activateCommands(context: ExtensionContext, client: LanguageClient): void {
  const frames = new FrameView();
  context.subscriptions.push(
    frames,
    workspace.registerTextDocumentContentProvider(frameScheme, frames),
    commands.registerCommand('redzone.restartServer', () => client.restart()),
    commands.registerCommand('redzone.showOutput', () => client.outputChannel.show(true)),
    commands.registerCommand('redzone.treatAsKernel', () => tag(client, 'kernel')),
    commands.registerCommand('redzone.treatAsUser', () => tag(client, 'user')),
    commands.registerCommand('redzone.showFrame', () => showFrame(client, frames)),
  );
}

async function tag(client: LanguageClient, tag: FileTag): Promise<void> {
  const editor = window.activeTextEditor;
  if (editor === undefined) return;
  const args: TagFileArgs = { uri: editor.document.uri.toString(), tag };
  const applied = await client.sendRequest(ExecuteCommandRequest.type, { command: tagFileCommand, arguments: [args] });
  if (applied === false) void window.showWarningMessage(`Red Zone Lint could not tag ${editor.document.fileName} as ${tag} code.`);
}

