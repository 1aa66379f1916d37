/**
 * The extension's entry: start the language client, then the features that use it.
 * Everything that knows VS Code lives in client/; the analysis runs in the server process.
 */
import { workspace, type ExtensionContext } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { workspaceTrustNotification, type WorkspaceTrustParams } from '../../server/src/protocol';
import { createClient } from './client';
import { activateCommands } from './commands';
import { activateObjects } from './objects';
import { activateStatusBar } from './statusBar';

let client: LanguageClient | undefined;

/** Called by VS Code on the first assembly file (see package.json `activationEvents`). */
export async function activate(context: ExtensionContext): Promise<void> {
  client = createClient(context);
  activateStatusBar(context, client);
  activateCommands(context, client);
  activateObjects(context, client);
  await client.start();
  // Trust is granted once and never revoked while VS Code runs (revoking reloads the window).
  context.subscriptions.push(
    workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification(workspaceTrustNotification.method, { trusted: true } satisfies WorkspaceTrustParams)),
  );
}

/** Stops the server so VS Code does not have to kill it. */
export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
