/**
 * "Show Stack Frame at Cursor": the server's frame table (`redZone/frameLayout`) in one read-only
 * virtual Markdown document, `redzone-frame:/Stack Frame.md`, shown in the Markdown preview beside
 * the editor. Every use rewrites the same document, so no unsaved Untitled document is left behind
 * and the preview's title stays "Stack Frame.md".
 */
import { commands, EventEmitter, Uri, window, workspace, type Disposable, type TextDocumentContentProvider } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { frameLayoutRequest, type FrameLayoutResult } from '../../server/src/protocol';

/** The scheme of the frame document. */
export const frameScheme = 'redzone-frame';

/** The one frame document. */
export const frameUri = Uri.from({ scheme: frameScheme, path: '/Stack Frame.md' });

/** Holds the Markdown of the last frame shown. */
export class FrameView implements TextDocumentContentProvider, Disposable {
  readonly #changed = new EventEmitter<Uri>();
  readonly onDidChange = this.#changed.event;
  #markdown = '';
  #shown = false;

  provideTextDocumentContent(): string {
    return this.#markdown;
  }

  /** Shows `markdown` in the frame document's preview, opening the preview on first use. */
  async show(markdown: string): Promise<void> {
    this.#markdown = markdown;
    this.#changed.fire(frameUri);
    // The preview follows the document once it is open; opening it again would only refocus it.
    const open = this.#shown && window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.label.includes('Stack Frame.md')));
    if (!open) {
      await workspace.openTextDocument(frameUri);
      await commands.executeCommand('markdown.showPreviewToSide', frameUri);
      this.#shown = true;
    }
  }

  dispose(): void {
    this.#changed.dispose();
  }
}

/** The command: asks the server for the frame at the cursor and shows it. */
export async function showFrame(client: LanguageClient, view: FrameView): Promise<void> {
  const editor = window.activeTextEditor;
  if (editor === undefined) return;
  const line = editor.selection.active.line;
  const result = await client.sendRequest<FrameLayoutResult | null>(frameLayoutRequest.method, { uri: editor.document.uri.toString(), line });
  if (result === null) {
    void window.showInformationMessage(`Line ${line + 1} is not inside an analyzed function.`);
    return;
  }
  await view.show(result.markdown);
}
