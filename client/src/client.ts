/**
 * Builds the language client: the bundled server (`dist/server.js`) started over node IPC, for
 * our language ids and those of the popular assembly extensions, so the diagnostics appear
 * whichever extension colours the file.
 */
import { workspace, type ExtensionContext } from 'vscode';
import { disassemblyScheme, type InitializationOptions } from '../../server/src/protocol';
import { LanguageClient, RevealOutputChannelOn, TransportKind, type DocumentSelector, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** Our language ids (package.json `contributes.languages`). */
export const ownLanguages = ['gas-x86', 'nasm-x86', 'objdump-x86'];

/** Language ids of other assembly extensions whose files we analyze too. */
export const foreignLanguages = ['asm', 'asm-intel-x86-generic', 'asm-collection', 'nasm', 'gas'];

/** Sources the server compiles on save (trusted workspaces only) to show findings on their lines. */
export const sourceLanguages = ['c', 'cpp', 'rust'];

/** Every document the server sees: saved files and unsaved editors of those languages, saved sources, and disassembly documents. */
export const documentSelector: DocumentSelector = [
  ...[...ownLanguages, ...foreignLanguages].flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]),
  // A source must be a file on disk: its compile command names it.
  ...sourceLanguages.map((language) => ({ scheme: 'file', language })),
  { scheme: disassemblyScheme, language: 'objdump-x86' },
];

/** The client id; VS Code reads `redzone.trace.server` because of it. */
export const clientId = 'redzone';

/** Creates (but does not start) the client. */
export function createClient(context: ExtensionContext): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    // Diagnostics already say what is wrong; popping the output panel on every server log line would not.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // The server runs compilers only when the user trusts the workspace; later grants arrive as redZone/workspaceTrust.
    initializationOptions: { workspaceTrusted: workspace.isTrusted } satisfies InitializationOptions,
  };
  return new LanguageClient(clientId, 'Red Zone Lint', serverOptions, clientOptions);
}
