/**
 * The extension's entry: start the language client, then the features that use it.
 * Everything that knows VS Code lives in client/; the analysis runs in the server process.
 */
import type { ExtensionContext } from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
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
}

/** Stops the server so VS Code does not have to kill it. */
export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
