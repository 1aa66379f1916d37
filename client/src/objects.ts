/**
 * Objects in VS Code: "Scan build output for red-zone use" and "Open disassembly".
 *
 * The scan is the server's work (`redZone/scanObjects`); the client shows its `$/progress` as a
 * cancellable notification and sums up what it found. The disassembly is a read-only virtual
 * document (`redzone-disasm:/path/foo.o.dis`) whose text the server supplies; its `.dis` suffix
 * gives it the objdump language, so the same language client sends it to the server, which
 * publishes the object's findings on it and answers hovers.
 */
import {
  commands,
  EventEmitter,
  languages,
  ProgressLocation,
  Uri,
  window,
  workspace,
  type CancellationToken,
  type ExtensionContext,
  type TextDocumentContentProvider,
} from 'vscode';
import { WorkDoneProgress, type LanguageClient, type WorkDoneProgressReport } from 'vscode-languageclient/node';
import {
  disassemblyRequest,
  disassemblyScheme,
  disassemblySuffix,
  memberQuery,
  queryMember,
  scanObjectsRequest,
  type DisassemblyParams,
  type DisassemblyResult,
  type ScanObjectsResult,
} from '../../server/src/protocol';

/** Registers the two commands and the content provider of disassembly documents. */
export function activateObjects(context: ExtensionContext, client: LanguageClient): void {
  const provider = new DisassemblyProvider(client);
  context.subscriptions.push(
    workspace.registerTextDocumentContentProvider(disassemblyScheme, provider),
    provider,
    commands.registerCommand('redzone.scanObjects', () => scanObjects(client)),
    commands.registerCommand('redzone.openDisassembly', (uri?: Uri) => openDisassembly(client, uri)),
  );
}

/** The URI of an object's (or archive member's) disassembly document. */
export function disassemblyUriOf(objectPath: string, member?: string): Uri {
  return Uri.from({ scheme: disassemblyScheme, path: `${objectPath}${disassemblySuffix}`, query: memberQuery(member) });
}

/** Serves disassembly documents by asking the server. */
class DisassemblyProvider implements TextDocumentContentProvider {
  readonly #client: LanguageClient;
  readonly #changed = new EventEmitter<Uri>();
  readonly onDidChange = this.#changed.event;

  constructor(client: LanguageClient) {
    this.#client = client;
  }

  async provideTextDocumentContent(uri: Uri, token: CancellationToken): Promise<string> {
    const path = uri.path.endsWith(disassemblySuffix) ? uri.path.slice(0, -disassemblySuffix.length) : uri.path;
    const member = queryMember(uri.query);
    const params: DisassemblyParams = { path, ...(member === undefined ? {} : { member }) };
    const result = await this.#client.sendRequest<DisassemblyResult>(disassemblyRequest.method, params, token);
    return result.text ?? `redzone-lint: no disassembly of ${path}: ${result.error ?? 'unknown error'}\n`;
  }

  dispose(): void {
    this.#changed.dispose();
  }
}

async function scanObjects(client: LanguageClient): Promise<void> {
  const result = await window.withProgress(
    { location: ProgressLocation.Notification, title: 'Red Zone Lint: scanning build output', cancellable: true },
    async (progress, token) => {
      const workDoneToken = `redzone-scan-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      let reported = 0;
      const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind !== 'report') return;
        const report = value as WorkDoneProgressReport;
        const percentage = report.percentage ?? reported;
        progress.report({ message: report.message, increment: Math.max(0, percentage - reported) });
        reported = percentage;
      });
      try {
        return await client.sendRequest<ScanObjectsResult | null>(scanObjectsRequest.method, { workDoneToken }, token);
      } finally {
        listener.dispose();
      }
    },
  );
  if (result === null || result === undefined) {
    void window.showErrorMessage('Red Zone Lint: the scan of the build output failed; see the output channel.');
    return;
  }
  const objects = `${result.objects} object${result.objects === 1 ? '' : 's'}`;
  const head = result.cancelled ? `Scan cancelled after ${objects}` : `Scanned ${objects} (${result.globs.join(', ')})`;
  const found =
    result.findings === 0
      ? 'no red-zone use found.'
      : `${result.findings} finding${result.findings === 1 ? '' : 's'} in ${result.withFindings.map((entry) => entry.path).slice(0, 3).join(', ')}${result.withFindings.length > 3 ? ', …' : ''}; ` +
        `${result.sourceFindings} shown on ${result.sourceFiles} source file${result.sourceFiles === 1 ? '' : 's'}.`;
  const problems = result.errors.length > 0 ? ` ${result.errors.length} file(s) could not be read: ${result.errors[0]}` : '';
  const truncated = result.truncated ? ' The walk stopped at its file limit; narrow redzone.objectGlobs.' : '';
  void window.showInformationMessage(`Red Zone Lint: ${head}: ${found}${problems}${truncated}`);
  // Findings that could not go on a source line are not lost: say which objects, why, and offer their disassembly.
  for (const entry of result.unmapped.slice(0, 3)) {
    const open = 'Open Disassembly';
    void window
      .showWarningMessage(`Red Zone Lint: ${entry.findings} finding${entry.findings === 1 ? '' : 's'} in ${entry.path} not shown on a source line: ${entry.reason}.`, open)
      .then((choice) => (choice === open ? openDisassembly(client, Uri.file(entry.absolute)) : undefined));
  }
}

async function openDisassembly(client: LanguageClient, uri: Uri | undefined): Promise<void> {
  let target = uri?.scheme === 'file' ? uri : undefined;
  if (target === undefined) {
    const found = await workspace.findFiles('**/*.{o,ko,a,so}', '**/node_modules/**', 1000);
    if (found.length === 0) {
      void window.showInformationMessage('Red Zone Lint: no .o, .ko, .a or .so files in the workspace.');
      return;
    }
    const picked = await window.showQuickPick(
      found.map((file) => ({ label: workspace.asRelativePath(file), file })),
      { placeHolder: 'Object file to disassemble' },
    );
    if (picked === undefined) return;
    target = picked.file;
  }
  let member: string | undefined;
  const probe = await client.sendRequest<DisassemblyResult>(disassemblyRequest.method, { path: target.fsPath } satisfies DisassemblyParams);
  if (probe.error !== undefined) {
    void window.showErrorMessage(`Red Zone Lint: ${probe.error}`);
    return;
  }
  if (probe.members !== undefined) {
    member = await window.showQuickPick([...probe.members], { placeHolder: 'Archive member to disassemble' });
    if (member === undefined) return;
  }
  const document = await workspace.openTextDocument(disassemblyUriOf(target.fsPath, member));
  // The `.dis` suffix already selects the objdump language; set it in case another extension claimed `.dis`.
  const shown = document.languageId === 'objdump-x86' ? document : await languages.setTextDocumentLanguage(document, 'objdump-x86');
  await window.showTextDocument(shown, { preview: false });
}
