/**
 * The language server with the real analysis engine (no fake): the findings, hover, symbols and
 * quick fixes a user sees for the gcc -O0 kernel fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MarkupContent } from 'vscode-languageserver-protocol';
import { startTestServer } from './harness';

const kernelAsm = readFileSync('test/fixtures/lsp/kernel.s', 'utf8');
const uri = 'file:///tmp/redzone-real-engine/kernel.s';

test('real engine: diagnostics on the stores and loads below RSP', async () => {
  const { client } = await startTestServer();
  await client.open(uri, kernelAsm);
  const { diagnostics } = await client.diagnostics(uri);
  const stores = diagnostics.filter((d) => d.code === 'red-zone-store').map((d) => d.range.start.line);
  assert.deepEqual(stores, [8, 9]);
  assert.ok(diagnostics.every((d) => d.source === 'redzone'));
  client.dispose();
});

test('real engine: the status says kernel because of the magic comment', async () => {
  const { client } = await startTestServer();
  await client.open(uri, kernelAsm);
  await client.until(() => client.statuses.length > 0);
  assert.equal(client.statuses[0].state, 'kernel');
  assert.match(client.statuses[0].reason, /redzone: kernel/);
  client.dispose();
});

test('real engine: hover on the store shows the frame table and the reasons', async () => {
  const { client } = await startTestServer();
  await client.open(uri, kernelAsm);
  await client.diagnostics(uri);
  const hover = await client.hover(uri, 8);
  const value = (hover?.contents as MarkupContent | undefined)?.value ?? '';
  assert.match(value, /red-zone-store/);
  assert.match(value, /\| bytes \(from RSP\) \|/);
  assert.match(value, /Kernel code: line 1 has the comment `redzone: kernel`/);
  client.dispose();
});

test('real engine: document symbols and code lenses for `add`', async () => {
  const { client } = await startTestServer();
  await client.open(uri, kernelAsm);
  const symbols = (await client.symbols(uri)) as { name: string; detail?: string }[];
  assert.deepEqual(symbols.map((symbol) => symbol.name), ['add']);
  const lenses = await client.codeLenses(uri);
  assert.match(lenses?.[0]?.command?.title ?? '', /^frame \d+ B, red zone \d+ B, \d+ findings?$/);
  client.dispose();
});

test('real engine: redzone-ignore silences the line', async () => {
  const { client } = await startTestServer();
  const ignored = kernelAsm.replace('movl\t%edi, -20(%rbp)', 'movl\t%edi, -20(%rbp)  # redzone-ignore');
  await client.open(uri, ignored);
  const { diagnostics } = await client.diagnostics(uri);
  assert.ok(!diagnostics.some((d) => d.range.start.line === 8), JSON.stringify(diagnostics));
  client.dispose();
});

test('real engine: the quick fix adds -mno-red-zone to the Makefile next to the compiler output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-fix-'));
  writeFileSync(join(dir, 'Makefile'), 'CFLAGS = -O0 -ffreestanding\n\nadd.s: add.c\n\t$(CC) $(CFLAGS) -S $<\n');
  const file = join(dir, 'add.s');
  writeFileSync(file, kernelAsm);
  const fileUri = pathToFileURL(file).href;
  const { client } = await startTestServer({ workspaceFolders: [pathToFileURL(dir).href] });
  await client.open(fileUri, kernelAsm);
  const { diagnostics } = await client.diagnostics(fileUri);
  const store = diagnostics.find((d) => d.code === 'red-zone-store');
  assert.ok(store !== undefined, JSON.stringify(diagnostics));
  const actions = await client.codeActions(fileUri, store.range, [store]);
  const fix = actions.find((action) => action.title === 'Add -mno-red-zone to Makefile');
  assert.ok(fix !== undefined, actions.map((action) => action.title).join('; '));
  assert.equal(fix.isPreferred, true);
  const makefileUri = pathToFileURL(join(dir, 'Makefile')).href;
  assert.deepEqual(fix.edit?.changes?.[makefileUri], [{ range: { start: { line: 0, character: 27 }, end: { line: 0, character: 27 } }, newText: ' -mno-red-zone' }]);
  client.dispose();
});

test('real engine: hand-written assembly gets "Reserve N bytes of stack" instead of a build fix', async () => {
  const handwritten = readFileSync('test/fixtures/lsp/handwritten.s', 'utf8');
  const handUri = 'file:///tmp/redzone-real-engine/handwritten.s';
  const { client } = await startTestServer();
  await client.open(handUri, handwritten);
  const { diagnostics } = await client.diagnostics(handUri);
  const store = diagnostics.find((d) => d.code === 'red-zone-store' && d.range.start.line === 7);
  assert.ok(store !== undefined, JSON.stringify(diagnostics));
  const actions = await client.codeActions(handUri, store.range, [store]);
  const titles = actions.map((action) => action.title);
  assert.ok(titles.includes('Reserve 16 bytes of stack in sum3'), titles.join('; '));
  assert.ok(!titles.some((title) => title.startsWith('Add -mno-red-zone')), titles.join('; '));
  client.dispose();
});
