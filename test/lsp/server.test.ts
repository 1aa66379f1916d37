/**
 * Every handler of the language server, in process, through real JSON-RPC messages:
 * initialize → didOpen → publishDiagnostics → hover → codeAction → documentSymbol → codeLens,
 * plus changes, closing, settings, the custom protocol and failure handling.
 * The analysis is the fake engine, so these tests pin down the server, not the analysis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyEdits } from '../../server/src/core/fixes/index';
import { buildFileChangedCommand, tagFileCommand, frameLayoutRequest, type FrameLayoutResult } from '../../server/src/protocol';
import { FakeEngine } from './fakeEngine';
import { startTestServer } from './harness';
import type { MarkupContent, TextEdit } from 'vscode-languageserver-protocol';

const kernelAsm = readFileSync('test/fixtures/lsp/kernel.s', 'utf8');
const uri = 'file:///tmp/redzone-lsp-test/kernel.s';

test('initialize announces every feature', async () => {
  const { client, initialize } = await startTestServer({ engine: new FakeEngine() });
  const caps = initialize.capabilities;
  assert.equal(caps.hoverProvider, true);
  assert.equal(caps.documentSymbolProvider, true);
  assert.deepEqual(caps.codeActionProvider, { codeActionKinds: ['quickfix'] });
  assert.deepEqual(caps.codeLensProvider, { resolveProvider: false });
  assert.deepEqual(caps.executeCommandProvider?.commands, [tagFileCommand, buildFileChangedCommand]);
  assert.equal(initialize.serverInfo?.name, 'redzone-language-server');
  client.dispose();
});

test('didOpen publishes diagnostics with source, code, link, related information and data', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  const published = await client.diagnostics(uri);
  assert.equal(published.version, 1);
  assert.deepEqual(published.diagnostics.map((d) => [d.code, d.range.start.line]), [
    ['red-zone-store', 8],
    ['red-zone-store', 9],
    ['red-zone-load', 10],
    ['red-zone-load', 11],
  ]);
  const first = published.diagnostics[0];
  assert.equal(first.source, 'redzone');
  assert.equal(first.severity, 2);
  assert.equal(first.codeDescription?.href, 'https://github.com/redzone-lint/redzone-lint#red-zone-store');
  assert.deepEqual(first.range, { start: { line: 8, character: 1 }, end: { line: 8, character: 21 } });
  assert.equal(first.relatedInformation?.[0].location.uri, uri);
  assert.deepEqual(first.data, { code: 'red-zone-store', function: 'add', line: 8, kind: 'store', offset: -20, size: 4, kernel: true });
  client.dispose();
});

test('a status notification says kernel or user and why', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  await client.until(() => client.statuses.length > 0);
  assert.deepEqual(client.statuses[0], {
    uri,
    version: 1,
    state: 'kernel',
    reason: 'the magic comment `redzone: kernel`',
    input: 'att',
    functions: 1,
    findings: 4,
  });
  client.dispose();
});

test('changes republish for the new version, and closing clears the diagnostics', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  await client.diagnostics(uri);
  await client.change(uri, 2, kernelAsm.replace('# redzone: kernel', '# redzone: user'));
  const user = await client.diagnostics(uri, (params) => params.version === 2);
  assert.deepEqual(user.diagnostics, []);
  await client.change(uri, 3, kernelAsm.replace('-24(%rbp)', '-24(%rsp)'));
  const again = await client.diagnostics(uri, (params) => params.version === 3);
  assert.equal(again.diagnostics.length, 3);
  await client.close(uri);
  const cleared = await client.diagnostics(uri, (params) => params.version === undefined);
  assert.deepEqual(cleared.diagnostics, []);
  client.dispose();
});

test('rapid changes are debounced to the last version', async () => {
  const engine = new FakeEngine();
  const { client } = await startTestServer({ engine, debounceMs: 50 });
  await client.open(uri, kernelAsm);
  await client.diagnostics(uri);
  const before = engine.calls;
  for (let version = 2; version <= 6; version++) await client.change(uri, version, `${kernelAsm}\n# edit ${version}\n`);
  const last = await client.diagnostics(uri, (params) => params.version === 6);
  assert.equal(last.diagnostics.length, 4);
  assert.ok(engine.calls - before < 5, `analyzed ${engine.calls - before} times for 5 quick edits`);
  client.dispose();
});

test('hover leads with the finding and the frame table, then why the file is kernel code and the documentation link', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  await client.diagnostics(uri);
  const onFinding = await client.hover(uri, 8);
  const value = (onFinding?.contents as MarkupContent).value;
  assert.match(value.split('\n')[0]!, /^\*\*red-zone-store\*\*: this store touches \[RSP-20, RSP-16\) in the frame of `add`/);
  assert.match(value, /Kernel code: the magic comment `redzone: kernel`/);
  assert.match(value, /\| bytes \(from RSP\) \| size \| contents \| written at \| read at \|/);
  assert.match(value, /\| \[-24, -16\) \| 8 \| \*\*red zone\*\* \| lines 9, 10 \| lines 11, 12 \|/);
  assert.match(value, /An interrupt here would overwrite \[RSP-56, RSP\)/);
  assert.match(value, /\[Why `red-zone-store` matters\]\(https:\/\/github\.com\/redzone-lint\/redzone-lint#red-zone-store\)/);
  const plain = await client.hover(uri, 6);
  assert.match((plain?.contents as MarkupContent).value, /Stack frame of `add`/);
  assert.doesNotMatch((plain?.contents as MarkupContent).value, /red-zone-store/);
  assert.equal(await client.hover(uri, 2), null);
  client.dispose();
});

test('code actions offer ignore-on-this-line and treat-as-user, with working edits', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  const { diagnostics } = await client.diagnostics(uri);
  const actions = await client.codeActions(uri, diagnostics[0].range, [diagnostics[0]]);
  const titles = actions.map((action) => action.title);
  assert.ok(titles.includes('Treat this file as user code (redzone: user)'), titles.join('; '));
  assert.ok(titles.includes('Ignore on this line (redzone-ignore)'), titles.join('; '));
  const ignore = actions.find((action) => action.title.startsWith('Ignore'))!;
  assert.equal(ignore.kind, 'quickfix');
  const edits = ignore.edit?.changes?.[uri] as TextEdit[];
  assert.deepEqual(edits, [{ range: { start: { line: 8, character: 21 }, end: { line: 8, character: 21 } }, newText: '  # redzone-ignore' }]);
  const user = actions.find((action) => action.title.startsWith('Treat'))!;
  assert.deepEqual(user.edit?.changes?.[uri], [{ range: { start: { line: 0, character: 11 }, end: { line: 0, character: 17 } }, newText: 'user' }]);
  client.dispose();
});

test('code actions ignore diagnostics that are not ours', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  await client.diagnostics(uri);
  const foreign = { range: { start: { line: 8, character: 0 }, end: { line: 8, character: 4 } }, message: 'x', source: 'other', code: 'red-zone-store' };
  assert.deepEqual(await client.codeActions(uri, foreign.range, [foreign]), []);
  client.dispose();
});

test('NASM files get `;` comments', async () => {
  const nasmUri = 'file:///tmp/redzone-lsp-test/kernel.asm';
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(nasmUri, readFileSync('test/fixtures/lsp/kernel.asm', 'utf8'), 'nasm');
  const { diagnostics } = await client.diagnostics(nasmUri);
  assert.equal(diagnostics[0].code, 'red-zone-store');
  const actions = await client.codeActions(nasmUri, diagnostics[0].range, [diagnostics[0]]);
  const ignore = actions.find((action) => action.title.startsWith('Ignore'))!;
  assert.equal((ignore.edit?.changes?.[nasmUri] as TextEdit[])[0].newText, '  ; redzone-ignore');
  client.dispose();
});

test('document symbols list functions with their frame size', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  const symbols = (await client.symbols(uri)) as { name: string; detail?: string; kind: number; range: { start: { line: number } } }[];
  assert.deepEqual(
    symbols.map((symbol) => [symbol.name, symbol.kind, symbol.detail, symbol.range.start.line]),
    [['add', 12, 'frame 8 B, red zone 24 B', 5]],
  );
  client.dispose();
});

test('code lenses summarize each function and follow redzone.codeLens', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  const lenses = await client.codeLenses(uri);
  assert.deepEqual(lenses?.map((lens) => [lens.range.start.line, lens.command?.title]), [[5, 'frame 8 B, red zone 24 B, 4 findings']]);
  await client.changeSettings({ codeLens: false });
  assert.deepEqual(await client.codeLenses(uri), []);
  client.dispose();
});

test('severity overrides change and hide diagnostics', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine(), settings: { severity: { 'red-zone-load': 'off', 'red-zone-store': 'error' } } });
  await client.open(uri, kernelAsm);
  const { diagnostics } = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.severity]), [
    ['red-zone-store', 1],
    ['red-zone-store', 1],
  ]);
  client.dispose();
});

test('a settings change republishes open documents', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  await client.diagnostics(uri);
  await client.changeSettings({ severity: { 'red-zone-store': 'off', 'red-zone-load': 'off' } });
  const after = await client.diagnostics(uri, (params) => params.diagnostics.length === 0);
  assert.equal(after.version, 1);
  client.dispose();
});

test('invalid settings fall back to the defaults with a message', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine(), settings: { abi: 'vax', codeLens: 'yes', severity: { 'red-zone-store': 'loud' } } });
  await client.open(uri, kernelAsm);
  const { diagnostics } = await client.diagnostics(uri);
  assert.equal(diagnostics.length, 4);
  await client.until(() => client.messages.length >= 3);
  assert.ok(client.messages.some((message) => message.includes('redzone.abi') && message.includes('"vax"')), client.messages.join('\n'));
  client.dispose();
});

test('clients without workspace/configuration use pushed settings', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine(), configuration: false });
  await client.changeSettings({ severity: { 'red-zone-load': 'off' } });
  await client.open(uri, kernelAsm);
  const { diagnostics } = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => d.code), ['red-zone-store', 'red-zone-store']);
  client.dispose();
});

test('files over the size limit get an explicit diagnostic instead of an analysis', async () => {
  const engine = new FakeEngine();
  const { client } = await startTestServer({ engine, maxFileSize: 100 });
  await client.open(uri, kernelAsm);
  const { diagnostics } = await client.diagnostics(uri);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].code, 'file-too-large');
  assert.match(diagnostics[0].message as string, /over the 0 MB limit|did not analyze/);
  assert.equal(engine.calls, 0);
  client.dispose();
});

test('an engine failure becomes a diagnostic and the server keeps answering', async () => {
  const engine = new FakeEngine();
  engine.throwOn = /explode/;
  const { client } = await startTestServer({ engine });
  const bad = 'file:///tmp/redzone-lsp-test/bad.s';
  await client.open(bad, '# explode\nfoo:\n  ret\n');
  const { diagnostics } = await client.diagnostics(bad);
  assert.equal(diagnostics[0].code, 'internal-error');
  assert.match(diagnostics[0].message as string, /engine exploded/);
  assert.equal(await client.hover(bad, 1), null);
  await client.open(uri, kernelAsm);
  assert.equal((await client.diagnostics(uri)).diagnostics.length, 4);
  client.dispose();
});

test('requests for unknown documents and garbage parameters return nothing', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  const nowhere = 'file:///nowhere.s';
  assert.equal(await client.hover(nowhere, 0), null);
  assert.equal(await client.symbols(nowhere), null);
  assert.equal(await client.codeLenses(nowhere), null);
  assert.equal(await client.connection.sendRequest(frameLayoutRequest.method, { uri: 42 }), null);
  assert.equal(await client.executeCommand(tagFileCommand, [{ uri: nowhere, tag: 'banana' }]), false);
  assert.equal(await client.executeCommand(tagFileCommand, []), false);
  client.dispose();
});

test('the tagFile command writes the magic comment through applyEdit', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  const plain = 'file:///tmp/redzone-lsp-test/plain.s';
  const text = '\t.text\nfoo:\n\tmovl %edi, -4(%rbp)\n\tret\n';
  await client.open(plain, text);
  await client.diagnostics(plain);
  assert.equal(await client.executeCommand(tagFileCommand, [{ uri: plain, tag: 'kernel' }]), true);
  const edit = client.appliedEdits[0].edit.changes?.[plain] as TextEdit[];
  assert.deepEqual(edit, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: '# redzone: kernel\n' }]);
  assert.equal(applyEdits(text, [{ start: 0, end: 0, newText: edit[0].newText }]).split('\n')[0], '# redzone: kernel');
  client.dispose();
});

test('redZone/frameLayout returns the hover table', async () => {
  const { client } = await startTestServer({ engine: new FakeEngine() });
  await client.open(uri, kernelAsm);
  const result: FrameLayoutResult | null = await client.connection.sendRequest(frameLayoutRequest.method, { uri, line: 8 });
  assert.match(result?.markdown ?? '', /\*\*Stack frame of `add`\*\* at `movl %edi, -20\(%rbp\)`/);
  assert.equal(await client.connection.sendRequest(frameLayoutRequest.method, { uri, line: 1 }), null);
  client.dispose();
});
