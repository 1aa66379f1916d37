/**
 * The language server: capabilities, the document store and the registration of every handler.
 * `startServer` takes any connection, so the same server runs over stdio (any editor), over node
 * IPC (the VS Code extension) and over in-memory streams (the tests).
 */
import { TextDocumentSyncKind, TextDocuments, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyzer, coreEngine, defaultMaxFileSize, type Engine } from './analysis';
import { registerCodeActions } from './codeActions';
import { registerCodeLens } from './codeLens';
import { registerCommands, serverCommands } from './commands';
import { ServerContext } from './context';
import { defaultDebounceMs, registerDiagnostics } from './diagnostics';
import { LineDocument } from './document';
import { EditLog } from './editLog';
import { registerHover } from './hover';
import { uriToPath } from './paths';
import { redzoneSection } from './settings';
import { workspaceTrustNotification, type InitializationOptions, type WorkspaceTrustParams } from '../protocol';
import { registerScan } from './scan';
import { registerSymbols } from './symbols';

/** The server's version, reported in `initialize`. */
export const serverVersion = '0.1.0';

/** What a host (or a test) may change about the server. */
export interface ServerOptions {
  /** The analysis; defaults to the core. */
  readonly engine?: Engine;
  /** The pause after the last change before diagnostics are recomputed; default 30 ms. */
  readonly debounceMs?: number;
  /** At most this many findings per file become diagnostics (plus one that counts the rest); default 2000. */
  readonly maxDiagnostics?: number;
  /** Documents longer than this many UTF-16 code units are not analyzed; default 20 MB. */
  readonly maxFileSize?: number;
}

/** Registers every handler on the connection and starts listening. */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  // Every change passes through the edit log on its way into the document, so a hover can map
  // lines of the current text to the last analyzed one.
  const edits = new EditLog();
  // The documents are `LineDocument`s: an edit costs the lines it touches, not the whole text.
  const documents = new TextDocuments<TextDocument>({
    create: LineDocument.create,
    update: (document, changes, version) => {
      edits.record(document.uri, changes);
      if (document instanceof LineDocument) {
        document.update(changes, version);
        return document;
      }
      return TextDocument.update(document, changes, version);
    },
  });
  const analyzer = new Analyzer(options.engine ?? coreEngine, options.maxFileSize ?? defaultMaxFileSize);
  const context = new ServerContext(connection, documents, analyzer, edits);

  connection.onInitialize((params): InitializeResult => {
    // Clients send all sorts of partial initialize params; none of them may fail the handshake.
    context.pullSettings = params?.capabilities?.workspace?.configuration === true;
    context.canShowDocument = params?.capabilities?.window?.showDocument?.support === true;
    const folders = Array.isArray(params?.workspaceFolders) ? params.workspaceFolders.map((folder) => folder?.uri) : [params?.rootUri];
    context.folders = folders
      .filter((uri): uri is string => typeof uri === 'string')
      .map(uriToPath)
      .filter((path): path is string => path !== undefined);
    // Clients that cannot answer `workspace/configuration` per resource (or answer it with
    // nothing, as Neovim does for a section it was not given) pass the settings here.
    const initialization = params?.initializationOptions as InitializationOptions | null | undefined;
    const initializationSettings = redzoneSection(initialization);
    if (initializationSettings !== undefined) context.resetSettings(initializationSettings);
    context.workspaceTrusted = initialization?.workspaceTrusted === true;
    return {
      capabilities: {
        // Saves are what C, C++ and Rust sources are compiled on.
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: serverCommands },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'redzone-language-server', version: serverVersion },
    };
  });

  const publisher = registerDiagnostics(context, options.debounceMs ?? defaultDebounceMs, options.maxDiagnostics);
  registerHover(context);
  registerCodeActions(context);
  registerSymbols(context);
  registerCodeLens(context);
  registerCommands(context);
  registerScan(context);

  connection.onNotification(workspaceTrustNotification.method, (params: WorkspaceTrustParams | undefined) => {
    const trusted = params?.trusted === true;
    if (trusted === context.workspaceTrusted) return;
    context.workspaceTrusted = trusted;
    publisher.refreshAll();
  });

  connection.onDidChangeConfiguration((params) => {
    // VS Code sends `null` and is asked again; other clients push the section itself.
    context.resetSettings(redzoneSection(params?.settings));
    publisher.refreshAll();
  });

  documents.listen(connection);
  connection.listen();
}
