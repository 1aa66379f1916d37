/**
 * The status bar item: whether the active file counts as kernel or user code, and why (in the
 * tooltip), from the server's `redZone/status` notifications. A wrong guess is then visible
 * before it hides a warning.
 */
import { MarkdownString, window, type ExtensionContext, type StatusBarItem, type TextEditor } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { statusNotification, type StatusParams } from '../../server/src/protocol';

/** Shows the status of the active editor's document and keeps it current. */
export function activateStatusBar(context: ExtensionContext, client: LanguageClient): void {
  const item = window.createStatusBarItem('redzone.status', 1, 100);
  item.name = 'Red Zone Lint';
  item.command = 'redzone.showOutput';
  const statuses = new Map<string, StatusParams>();

  const show = (editor: TextEditor | undefined): void => {
    const status = editor === undefined ? undefined : statuses.get(editor.document.uri.toString());
    if (status === undefined) {
      item.hide();
      return;
    }
    render(item, status);
    item.show();
  };

  context.subscriptions.push(
    item,
    client.onNotification(statusNotification.method, (status: StatusParams) => {
      statuses.set(status.uri, status);
      if (window.activeTextEditor?.document.uri.toString() === status.uri) show(window.activeTextEditor);
    }),
    window.onDidChangeActiveTextEditor(show),
  );
  show(window.activeTextEditor);
}

function render(item: StatusBarItem, status: StatusParams): void {
  const findings = status.findings === 1 ? '1 finding' : `${status.findings} findings`;
  switch (status.state) {
    case 'kernel':
      item.text = `$(shield) Kernel · ${findings}`;
      item.tooltip = tooltip(`**Red Zone Lint**: kernel code, so every access below RSP is reported.\n\nWhy: ${status.reason}`);
      break;
    case 'user':
      item.text = `$(person) User · ${findings}`;
      item.tooltip = tooltip(`**Red Zone Lint**: user code, so only accesses beyond the ABI's red zone are reported.\n\nWhy: ${status.reason}`);
      break;
    case 'skipped':
      item.text = '$(circle-slash) Red Zone';
      item.tooltip = tooltip(`**Red Zone Lint**: ${status.reason}`);
      break;
  }
}

/** The reasons are Markdown (file names and globs in code spans): a Markdown tooltip shows them as code, not as backticks. */
function tooltip(markdown: string): MarkdownString {
  return new MarkdownString(markdown);
}
