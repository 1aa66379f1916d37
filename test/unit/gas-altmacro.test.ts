/**
 * GAS's alternate macro mode, the parts no assembled fixture can show: an `%expr` argument that
 * cannot be evaluated is not guessed (the invocation is listed as not analyzed), and the mode in
 * force at the invocation decides, not the one at the definition. The by-effect checks are the
 * fixture gas-altmacro.s (test/unit/expansion-effect.test.ts) and Linux's crypto code
 * (test/unit/real-sources.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSource } from '../../server/src/core/index';

test('an %expr argument naming a symbol without a value is a problem on the invocation, and its line is not analyzed', () => {
  const text = ['\t.altmacro', '\t.macro m a', '\tmovq %rax, \\a(%rsp)', '\t.endm', '\tm %(undefined_symbol * 8)', '\tnop'].join('\n');
  const expanded = expandSource(text, 'att');
  assert.equal(expanded.problems.length, 1);
  assert.equal(expanded.problems[0]!.line, 4);
  assert.match(expanded.problems[0]!.message, /`%\(undefined_symbol \* 8\)` in the arguments of macro `m` cannot be evaluated/);
  assert.deepEqual(expanded.uncovered.map((range) => [range.line, range.endLine]), [[4, 4]]);
  assert.ok(!expanded.text.includes('movq'), expanded.text);
});

test('the mode at the invocation decides: a macro defined in alternate mode and invoked after .noaltmacro reads `<3>` as text', () => {
  const text = ['\t.altmacro', '\t.macro m a', '\t.byte 0\\a', '\t.endm', '\t.noaltmacro', '\t.set k, 5', '\tm <3>', '\t.altmacro', '\tm <3>', '\tm %k'].join('\n');
  const lines = expandSource(text, 'att').text.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('.byte'));
  assert.deepEqual(lines, ['.byte 0<3>', '.byte 03', '.byte 05']);
});

test('LOCAL labels are fresh in every expansion and numbered through the file, as GNU as numbers them', () => {
  const text = ['\t.altmacro', '\t.macro m', '\tLOCAL a, b', 'a:\tjmp b', 'b:\tnop', '\t.endm', '\tm', '\tm'].join('\n');
  const labels = [...expandSource(text, 'att').text.matchAll(/^(\.LL[0-9a-f]{4}):/gm)].map((match) => match[1]);
  assert.deepEqual(labels, ['.LL0001', '.LL0002', '.LL0003', '.LL0004']);
});
