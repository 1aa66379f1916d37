/**
 * The language server with the real engine on hand-written assembly with macros: the finding of a
 * macro's expansion is on the invoking line, the hover says which macro produced it,
 * `redzone.includePaths` and `redzone.defines` reach the C preprocessor of a `.S` file, and
 * `redzone.showCoverage` shows what was not analyzed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MarkupContent } from 'vscode-languageserver-protocol';
import { startTestServer } from './harness';

const gas = [
  '# redzone: kernel',
  '\t.macro\tSPILL reg',
  '\tmovq\t%\\reg, -8(%rsp)',
  '\t.endm',
  '\t.text',
  '\t.globl\tf',
  'f:',
  '\tSPILL\trdi',
  '\t.if\tnot_known',
  '\tnop',
  '\t.endif',
  '\tret',
  '',
].join('\n');

test('macros: the finding is on the invoking line and the hover names the macro', async () => {
  const { client } = await startTestServer();
  const uri = 'file:///tmp/redzone-macros/m.s';
  await client.open(uri, gas);
  const { diagnostics } = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]), [['red-zone-store', 7, 1]]);
  const hover = await client.hover(uri, 7);
  assert.match((hover?.contents as MarkupContent).value, /Expanded from `SPILL`/);
  client.dispose();
});

test('macros: redzone.showCoverage adds information diagnostics over what was not analyzed', async () => {
  const { client } = await startTestServer({ settings: { showCoverage: true } });
  const uri = 'file:///tmp/redzone-macros/c.s';
  await client.open(uri, gas);
  const { diagnostics } = await client.diagnostics(uri);
  const coverage = diagnostics.filter((d) => d.code === 'not-analyzed').map((d) => [d.range.start.line, d.range.end.line, d.severity, d.message]);
  assert.deepEqual(coverage, [
    [8, 10, 3, 'Not analyzed: condition not evaluated'],
    [8, 8, 3, 'Not analyzed: .if not_known: the condition cannot be evaluated; neither branch is analyzed'],
  ]);
  client.dispose();
});

test('macros: redzone.includePaths and redzone.defines reach the C preprocessor of a .S file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rz-lsp-macros-'));
  mkdirSync(join(dir, 'inc'));
  writeFileSync(join(dir, 'inc', 'spill.h'), '#define SPILL(reg) movq %reg, -16(%rsp)\n');
  const text = ['/* redzone: kernel */', '#include <spill.h>', '\t.globl g', 'g:', '#if WIDTH == 8', '\tSPILL(rsi)', '#endif', '\tret', ''].join('\n');
  const uri = pathToFileURL(join(dir, 'g.S')).toString();
  const { client } = await startTestServer({ settings: { includePaths: [join(dir, 'inc')], defines: ['WIDTH=8'] } });
  await client.open(uri, text);
  const { diagnostics } = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line]), [['red-zone-store', 5]]);
  client.dispose();
});

test('macros: in a trusted workspace a .S file with a compile_commands.json entry is preprocessed by its compiler (the unsaved text, on standard input)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rz-lsp-cc-'));
  mkdirSync(join(dir, 'inc'));
  // Only the entry's compiler sees FROM_ENTRY and gcc's own __GNUC_PATCHLEVEL__: the built-in preprocessor takes the other branch.
  writeFileSync(join(dir, 'inc', 'spill.h'), '#if defined(FROM_ENTRY) && defined(__GNUC_PATCHLEVEL__)\n#define SPILL(reg) movq %reg, -8(%rsp)\n#else\n#define SPILL(reg) movq %reg, 8(%rsp)\n#endif\n');
  writeFileSync(join(dir, 'compile_commands.json'), JSON.stringify([{ directory: dir, file: 'g.S', arguments: ['gcc', '-c', '-Iinc', '-DFROM_ENTRY', 'g.S', '-o', 'g.o'] }]));
  const saved = ['/* redzone: kernel */', '#include <spill.h>', '\t.globl g', 'g:', '\tret', ''].join('\n');
  writeFileSync(join(dir, 'g.S'), saved);
  // The buffer differs from the file on disk: the finding must follow the buffer's lines.
  const edited = ['/* redzone: kernel */', '#include <spill.h>', '\t.globl g', 'g:', '\tnop', '\tSPILL(rdi)', '\tret', ''].join('\n');
  const uri = pathToFileURL(join(dir, 'g.S')).toString();
  const untrusted = await startTestServer({ workspaceFolders: [pathToFileURL(dir).toString()] });
  await untrusted.client.open(uri, edited);
  // Untrusted, the built-in preprocessor does not find spill.h: SPILL(rdi) stays a word it does not
  // know, which may move RSP; no finding is guessed after it.
  assert.deepEqual((await untrusted.client.diagnostics(uri)).diagnostics.map((d) => [d.code, d.range.start.line]), [['stack-unknown', 5]]);
  untrusted.client.dispose();
  const { client } = await startTestServer({ workspaceFolders: [pathToFileURL(dir).toString()], initializationOptions: { workspaceTrusted: true } });
  await client.open(uri, edited);
  const { diagnostics } = await client.diagnostics(uri);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line]), [['red-zone-store', 5]]);
  client.dispose();
});
