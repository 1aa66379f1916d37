/**
 * What every handler shares: the connection, the open documents, the analyzer and the settings
 * of each resource. The handlers themselves stay stateless; everything cached here is keyed by
 * document version or dropped when the settings change.
 */
import { MessageType, ShowMessageNotification, type CancellationToken, type Connection, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, Analyzer } from './analysis';
import { EditLog } from './editLog';
import { disassemblyTarget, ObjectStore } from './objects';
import { pathToUri } from './paths';
import { defaultSettings, parseSettings, type Settings } from './settings';
import { isSourceDocument } from './sources';

/** The shared state of one server. */
export class ServerContext {
  readonly connection: Connection;
  readonly documents: TextDocuments<TextDocument>;
  readonly analyzer: Analyzer;
  /** The line edits of each document since its last analysis (hovers map lines through them). */
  readonly edits: EditLog;
  /** Analyzed objects behind the open disassembly documents. */
  readonly objects = new ObjectStore();
  /** Absolute paths of the workspace folders, for glob roots and build-file searches. */
  folders: readonly string[] = [];
  /**
   * Whether the client answers `workspace/configuration` (VS Code, Neovim). Its answer wins when it
   * has a `redzone` section; otherwise the settings from `initializationOptions` or
   * `workspace/didChangeConfiguration` apply, as for clients that only push.
   */
  pullSettings = false;
  /** Whether the client opens documents on `window/showDocument` (LSP 3.16). */
  canShowDocument = false;
  /** Whether the user trusts the workspace; only then are compilers run. Untrusted until the client says otherwise. */
  workspaceTrusted = false;
  readonly #settings = new Map<string, Promise<Settings>>();
  #pushed: unknown = undefined;
  readonly #shownProblems = new Set<string>();

  constructor(connection: Connection, documents: TextDocuments<TextDocument>, analyzer: Analyzer, edits: EditLog = new EditLog()) {
    this.connection = connection;
    this.edits = edits;
    this.documents = documents;
    this.analyzer = analyzer;
  }

  /** The settings of one resource, asked once per resource until the configuration changes. Never rejects. */
  settingsFor(uri: string): Promise<Settings> {
    let settings = this.#settings.get(uri);
    if (settings === undefined) {
      settings = this.#fetch(uri);
      this.#settings.set(uri, settings);
    }
    return settings;
  }

  /** Forgets every resource's settings; `pushed` is the `redzone` section a client pushed, if any. */
  resetSettings(pushed?: unknown): void {
    if (pushed !== undefined) this.#pushed = pushed;
    this.#settings.clear();
  }

  /**
   * Lets the messages already read run first (an editor cancels a request for symbols or lenses
   * when the text changes again), and says whether the request was cancelled meanwhile: an
   * analysis for it would be of a version already replaced.
   */
  async superseded(token: CancellationToken): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    return token.isCancellationRequested;
  }

  /** Forgets what belongs to a closed document. */
  forget(uri: string): void {
    this.#settings.delete(uri);
    this.analyzer.forget(uri);
    this.edits.forget(uri);
  }

  /** The analysis of the document's current version, with the document's settings. */
  async analysisOf(document: TextDocument): Promise<Analysis> {
    const settings = await this.settingsFor(document.uri);
    // A C, C++ or Rust source is checked by compiling it (lsp/sources.ts), never read as assembly.
    if (isSourceDocument(document)) return { uri: document.uri, version: document.version, settings, options: {}, report: undefined, skipped: undefined, evidenceProblems: [] };
    const target = disassemblyTarget(document.uri);
    const analysis =
      target === undefined
        ? this.analyzer.analyze(document, settings, this.folders)
        : this.analyzer.analyzeListing(document, settings, this.folders, await this.objects.unitFor(target, await this.settingsFor(pathToUri(target.path)), this.folders));
    // The analysis ran on the text as it is in this tick: edits recorded so far are in it.
    if (analysis.version === document.version) this.edits.analyzed(document.uri);
    this.showProblems(analysis.evidenceProblems);
    return analysis;
  }

  /** Shows each distinct problem once per session: a warning the user has seen does not need repeating on every keystroke. */
  showProblems(problems: readonly string[]): void {
    for (const problem of problems) {
      if (this.#shownProblems.has(problem)) continue;
      this.#shownProblems.add(problem);
      this.connection.console.warn(problem);
      // A notification, not a request: nothing waits for the user to dismiss it.
      void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `redzone-lint: ${problem}` });
    }
  }

  async #fetch(uri: string): Promise<Settings> {
    let raw: unknown = this.#pushed;
    if (this.pullSettings) {
      try {
        const pulled: unknown = await this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'redzone' });
        // A client that knows no `redzone` section (Neovim without `settings`) answers null or {}:
        // then what it passed in `initializationOptions` or pushed still holds.
        if (typeof pulled === 'object' && pulled !== null && Object.keys(pulled).length > 0) raw = pulled;
      } catch {
        // A client that fails the request still has the pushed settings or the defaults.
      }
    }
    try {
      const parsed = parseSettings(raw);
      this.showProblems(parsed.problems);
      return parsed.settings;
    } catch {
      return defaultSettings;
    }
  }
}
