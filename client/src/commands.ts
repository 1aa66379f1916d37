/**
 * The extension's commands. Tagging a file and drawing a frame are the server's work
 * (`protocol.ts`); these commands only pick the active document and show the result.
 */
import { commands, window, workspace, type ExtensionContext } from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';
import { frameLayoutRequest, tagFileCommand, type FileTag, type FrameLayoutResult, type TagFileArgs } from '../../server/src/protocol';

/** Registers every command of package.json `contributes.commands`. */
export function activateCommands(context: ExtensionContext, client: LanguageClient): void {
  context.subscriptions.push(
    commands.registerCommand('redzone.restartServer', () => client.restart()),
    commands.registerCommand('redzone.showOutput', () => client.outputChannel.show(true)),
    commands.registerCommand('redzone.treatAsKernel', () => tag(client, 'kernel')),
    commands.registerCommand('redzone.treatAsUser', () => tag(client, 'user')),
    commands.registerCommand('redzone.showFrame', () => showFrame(client)),
  );
}

async function tag(client: LanguageClient, tag: FileTag): Promise<void> {
  const editor = window.activeTextEditor;
  if (editor === undefined) return;
  const args: TagFileArgs = { uri: editor.document.uri.toString(), tag };
  const applied = await client.sendRequest(ExecuteCommandRequest.type, { command: tagFileCommand, arguments: [args] });
  if (applied === false) void window.showWarningMessage(`Red Zone Lint could not tag ${editor.document.fileName} as ${tag} code.`);
}

async function showFrame(client: LanguageClient): Promise<void> {
  const editor = window.activeTextEditor;
  if (editor === undefined) return;
  const line = editor.selection.active.line;
  const result = await client.sendRequest<FrameLayoutResult | null>(frameLayoutRequest.method, { uri: editor.document.uri.toString(), line });
  if (result === null) {
    void window.showInformationMessage(`Line ${line + 1} is not inside an analyzed function.`);
    return;
  }
  const document = await workspace.openTextDocument({ language: 'markdown', content: result.markdown });
  await commands.executeCommand('markdown.showPreviewToSide', document.uri);
}
