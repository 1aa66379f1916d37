/**
 * An in-process language server and a protocol client over two in-memory streams, so every
 * handler is exercised through real JSON-RPC messages without spawning a process.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import {
  ApplyWorkspaceEditRequest,
  CodeActionRequest,
  CodeLensRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  DocumentSymbolRequest,
  ExecuteCommandRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShowDocumentRequest,
  ShowMessageNotification,
  ShowMessageRequest,
  createProtocolConnection,
  type ApplyWorkspaceEditParams,
  type CodeAction,
  type Command,
  type Diagnostic,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type ShowDocumentParams,
  type ShowMessageRequestParams,
} from 'vscode-languageserver-protocol/node';
import { startServer, type ServerOptions } from '../../server/src/lsp/server';
import { statusNotification, type StatusParams } from '../../server/src/protocol';

/** How a test wants the client to behave. */
export interface TestClientOptions extends ServerOptions {
  /** What the client answers to `workspace/configuration` for the `redzone` section. */
  readonly settings?: unknown;
  /** Whether the client announces `workspace/configuration` support; default true. */
  readonly configuration?: boolean;
  readonly workspaceFolders?: readonly string[];
  /** `initializationOptions` of `initialize` (e.g. `{ workspaceTrusted: true }`). */
  readonly initializationOptions?: unknown;
}

/** A client connected to a fresh in-process server. */
export class TestClient {
  readonly connection: ProtocolConnection;
  readonly messages: string[] = [];
  readonly statuses: StatusParams[] = [];
  readonly appliedEdits: ApplyWorkspaceEditParams[] = [];
  /** `window/showMessageRequest`s received; the client answers with `messageAnswer` when it is one of the actions. */
  readonly messageRequests: ShowMessageRequestParams[] = [];
  messageAnswer: string | undefined;
  /** `window/showDocument`s received. */
  readonly shownDocuments: ShowDocumentParams[] = [];
  settings: unknown;
  readonly #published: PublishDiagnosticsParams[] = [];
  readonly #waiters: (() => void)[] = [];

  constructor(connection: ProtocolConnection, settings: unknown) {
    this.connection = connection;
    this.settings = settings;
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.#published.push(params);
      this.#wake();
    });
    connection.onNotification(statusNotification.method, (params: StatusParams) => {
      this.statuses.push(params);
      this.#wake();
    });
    connection.onNotification(ShowMessageNotification.type, (params) => {
      this.messages.push(params.message);
      this.#wake();
    });
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => this.settings));
    connection.onRequest(ShowMessageRequest.type, (params) => {
      this.messageRequests.push(params);
      this.#wake();
      return params.actions?.find((action) => action.title === this.messageAnswer) ?? null;
    });
    connection.onRequest(ShowDocumentRequest.type, (params) => {
      this.shownDocuments.push(params);
      this.#wake();
      return { success: true };
    });
    connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
      this.appliedEdits.push(params);
      return { applied: true };
    });
  }

  /** Resolves with the first publication for `uri` (after `after` earlier ones) that satisfies `accept`. */
  async diagnostics(uri: string, accept: (params: PublishDiagnosticsParams) => boolean = () => true): Promise<PublishDiagnosticsParams> {
    for (;;) {
      const found = this.#published.find((params) => params.uri === uri && accept(params));
      if (found !== undefined) return plainTextOnly(found);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves when `predicate` holds, re-checking after every notification. */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async open(uri: string, text: string, languageId = 'gas-att', version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
  }

  async change(uri: string, version: number, text: string): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async save(uri: string): Promise<void> {
    await this.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** How many publications for `uri` arrived so far (to wait for a later one). */
  publicationCount(uri: string): number {
    return this.#published.filter((params) => params.uri === uri).length;
  }

  /** Resolves with the `index`-th publication for `uri` (0-based), waiting for it. */
  async publication(uri: string, index: number): Promise<PublishDiagnosticsParams> {
    for (;;) {
      const found = this.#published.filter((params) => params.uri === uri)[index];
      if (found !== undefined) return plainTextOnly(found);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async changeSettings(settings: unknown): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { redzone: settings } });
  }

  /** Pushes `settings` as the whole `workspace/didChangeConfiguration` payload, without changing what `workspace/configuration` answers. */
  async pushSettings(settings: unknown): Promise<void> {
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings });
  }

  hover(uri: string, line: number, character = 2) {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const result = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (result ?? []).filter((item: Command | CodeAction): item is CodeAction => 'title' in item && !('command' in item && typeof item.command === 'string'));
  }

  symbols(uri: string) {
    return this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
  }

  codeLenses(uri: string) {
    return this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  }

  executeCommand(command: string, args: unknown[]) {
    return this.connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  dispose(): void {
    this.connection.dispose();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}

/** Starts a server in this process, initializes it, and returns the connected client. */
export async function startTestServer(options: TestClientOptions = {}): Promise<{ client: TestClient; initialize: InitializeResult }> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(serverConnection, { debounceMs: 10, ...options });
  const connection = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const client = new TestClient(connection, options.settings ?? {});
  connection.listen();
  const folders = options.workspaceFolders ?? [];
  const initialize = await connection.sendRequest(InitializeRequest.type, {
    processId: null,
    rootUri: null,
    capabilities: { workspace: { configuration: options.configuration ?? true, applyEdit: true }, window: { showDocument: { support: true } } },
    workspaceFolders: folders.map((uri, index) => ({ uri, name: `folder${index}` })),
    initializationOptions: options.initializationOptions,
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return { client, initialize };
}

/**
 * Every editor shows a diagnostic's message and related information as plain text, so a published
 * one never carries a Markdown code span: backticks would show as they are.
 */
function plainTextOnly(params: PublishDiagnosticsParams): PublishDiagnosticsParams {
  for (const diagnostic of params.diagnostics) {
    // Markdown message content (LSP 3.18) is the one exception, where an editor supports it.
    const own = typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.kind === 'plaintext' ? diagnostic.message.value : '';
    for (const message of [own, ...(diagnostic.relatedInformation ?? []).map((info) => info.message)]) {
      assert.ok(!message.includes('`'), `a published diagnostic message carries backticks: ${message}`);
    }
  }
  return params;
}
