/**
 * Builds the language client: the bundled server (`dist/server.js`) started over node IPC, for
 * our language ids and those of the popular assembly extensions, so the diagnostics appear
 * whichever extension colours the file.
 */
import type { ExtensionContext } from 'vscode';
import { disassemblyScheme } from '../../server/src/protocol';
import { LanguageClient, RevealOutputChannelOn, TransportKind, type DocumentSelector, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/** Our language ids (package.json `contributes.languages`). */
export const ownLanguages = ['gas-x86', 'nasm-x86', 'objdump-x86'];

/** Language ids of other assembly extensions whose files we analyze too. */
export const foreignLanguages = ['asm', 'asm-intel-x86-generic', 'asm-collection', 'nasm', 'gas'];

/** Every document the server sees: saved files and unsaved editors of those languages, and disassembly documents. */
export const documentSelector: DocumentSelector = [
  ...[...ownLanguages, ...foreignLanguages].flatMap((language) => [
    { scheme: 'file', language },
    { scheme: 'untitled', language },
  ]),
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
  };
  return new LanguageClient(clientId, 'Red Zone Lint', serverOptions, clientOptions);
}
