/** Where functions start and how the text is cut into chunks (`analysis/chunks.ts`). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanChunks } from '../../server/src/core/analysis/chunks';

test('declared functions start chunks; local labels and undeclared labels do not', () => {
  const text = ['\t.file 1 "a.c"', '\t.globl f', '\t.type f, @function', 'f:', '.L2:', 'inner:', '\tcall\thelper@PLT', '\tret', 'helper:', '\tret', ''].join('\n');
  const scan = scanChunks(text, 'att');
  assert.deepEqual([...scan.functionStarts].sort(), ['f', 'helper']);
  assert.deepEqual(scan.chunks.map((c) => c.line), [0, 3, 8]);
  assert.equal(scan.fileDirectives, '\t.file 1 "a.c"');
});

test('without directives every non-local label starts a function (Compiler Explorer output)', () => {
  const text = ['square(int):', '\tpush rbp', '.L1:', '\tret', 'main:', '\tcall square(int)', ''].join('\n');
  assert.deepEqual(scanChunks(text, 'intel').chunks.map((c) => c.line), [0, 4]);
});

test('dialect and address size follow .intel_syntax, .code32 and NASM [bits 32] per chunk', () => {
  const gas = ['\t.globl a', 'a:', '\tret', '\t.intel_syntax noprefix', '\t.code32', '\t.globl b', 'b:', '\tret', ''].join('\n');
  const chunks = scanChunks(gas, 'att').chunks;
  assert.deepEqual(chunks.map((c) => [c.line, c.syntax, c.mode]), [[0, 'att', 8], [1, 'att', 8], [6, 'intel', 4]]);
  const nasm = ['[bits 32]', 'global f', 'f:', '\tret', ''].join('\n');
  assert.deepEqual(scanChunks(nasm, 'nasm').chunks.map((c) => [c.line, c.mode]), [[0, 8], [2, 4]]);
});

test('comment lines, a label before a statement and two labels on one line', () => {
  const text = ['# call ghost', '\t.globl f', 'f: call g', 'g: h:', '\tret', ''].join('\n');
  const scan = scanChunks(text, 'att');
  assert.ok(!scan.functionStarts.has('ghost'));
  assert.deepEqual([...scan.functionStarts].sort(), ['f', 'g']);
  assert.deepEqual(scan.chunks.map((c) => c.line), [0, 2, 3]);
});
