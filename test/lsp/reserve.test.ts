/**
 * "Reserve N bytes of stack": the edits for both function shapes, and the proof by effect:
 * the fixed assembly has no red-zone findings, and (when gcc is installed) linked into a C
 * harness it computes the same results as the original.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../server/src/core/index';
import { applyEdits, reserveSize, reserveStackEdits } from '../../server/src/core/fixes/index';

const att = readFileSync('test/fixtures/lsp/handwritten.s', 'utf8');
const intel = readFileSync('test/fixtures/lsp/handwritten-intel.s', 'utf8');

/** The 0-based lines of a function: from its label to its `.size`. */
function range(text: string, name: string): { startLine: number; endLine: number } {
  const lines = text.split('\n');
  return { startLine: lines.indexOf(`${name}:`), endLine: lines.findIndex((line) => line.includes(`.size\t${name},`)) };
}

/** Applies the reservation to each named function, last first so line numbers stay valid. */
function reserveAll(text: string, functions: readonly [string, number][]): string {
  let result = text;
  for (const [name, bytes] of [...functions].reverse()) {
    const edits = reserveStackEdits(result, { ...range(result, name), bytesBelow: bytes });
    assert.ok(edits !== undefined, `no reservation for ${name}`);
    result = applyEdits(result, edits);
  }
  return result;
}

test('sizes are multiples of 16', () => {
  assert.deepEqual([1, 12, 16, 17, 128].map(reserveSize), [16, 16, 16, 32, 128]);
});

test('with a frame pointer: sub after mov %rsp,%rbp and leave instead of pop %rbp', () => {
  const fixed = applyEdits(att, reserveStackEdits(att, { ...range(att, 'sum3'), bytesBelow: 12 })!);
  assert.match(fixed, /\tmovq\t%rsp, %rbp\n\tsubq \$16, %rsp\n\tmovl\t%edi, -4\(%rbp\)/);
  assert.match(fixed, /\tleave\n\tret\n\t\.size\tsum3/);
  assert.doesNotMatch(fixed, /popq\t%rbp/);
});

test('without a frame pointer: sub at entry, displacements shifted, add before every ret', () => {
  const fixed = applyEdits(att, reserveStackEdits(att, { ...range(att, 'mix'), bytesBelow: 16 })!);
  const mix = fixed.slice(fixed.indexOf('mix:'));
  assert.match(mix, /^mix:\n\tsubq \$16, %rsp\n\tmovq\t%rdi, 8\(%rsp\)       # spill a\n\tmovq\t%rsi, 0\(%rsp\)\n/);
  assert.match(mix, /\tmovq\t16\(%rsp\), %rcx\n/);
  assert.equal(mix.match(/\taddq \$16, %rsp\n\tret/g)?.length, 2);
  assert.match(mix, /\tjl\t\.Lsmall\n/);
});

test('Intel syntax', () => {
  const fixed = applyEdits(intel, reserveStackEdits(intel, { ...range(intel, 'mixi'), bytesBelow: 16 })!);
  assert.match(fixed, /^mixi:\n\tsub rsp, 16\n\tmov\tQWORD PTR \[rsp\+8\], rdi\n\tmov\tQWORD PTR \[rsp\], rsi\n/m);
  assert.match(fixed, /\tadd rsp, 16\n\tret\n/);
});

test('shapes it cannot rewrite safely get no offer', () => {
  const symbolic = 'f:\n\tmovq %rdi, -8(%rsp)\n\tmovq foo(%rsp), %rax\n\tret\n';
  assert.equal(reserveStackEdits(symbolic, { startLine: 0, endLine: 3, bytesBelow: 8 }), undefined);
  const indirect = 'f:\n\tmovq %rdi, -8(%rsp)\n\tjmp *%rax\n';
  assert.equal(reserveStackEdits(indirect, { startLine: 0, endLine: 2, bytesBelow: 8 }), undefined);
  const complex = 'f:\n\tmov [rsp+rax*8-8], rdi\n\tmov [rsp-8], rdi\n\tret\n';
  assert.equal(reserveStackEdits(complex, { startLine: 0, endLine: 3, bytesBelow: 8 }), undefined);
  assert.equal(reserveStackEdits('', { startLine: 0, endLine: 0, bytesBelow: 8 }), undefined);
});

test('after the fix the analysis finds no red-zone use', () => {
  const fixedAtt = reserveAll(att, [
    ['sum3', 12],
    ['mix', 16],
  ]);
  const fixedIntel = reserveAll(intel, [['mixi', 16]]);
  assert.ok(analyzeText(att).findings.some((finding) => finding.code === 'red-zone-store'), 'the original has findings');
  for (const text of [fixedAtt, fixedIntel]) {
    const findings = analyzeText(text).findings.filter((finding) => finding.code !== 'stack-unknown');
    assert.deepEqual(findings.map((finding) => `${finding.code}@${finding.line}`), []);
  }
});

const gcc = spawnSync('gcc', ['--version']).status === 0;

test('the fixed functions compute the same results (gcc harness)', { skip: !gcc && 'gcc is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'redzone-reserve-'));
  try {
    const harness = join(dir, 'main.c');
    writeFileSync(
      harness,
      '#include <stdio.h>\nint sum3(int, int, int);\nlong mix(long, long);\nlong mixi(long, long);\n' +
        'int main(void) { printf("%d %d %ld %ld %ld\\n", sum3(1, 2, 3), sum3(-5, 40, 7), mix(6, 7), mix(3, 2), mixi(10, 3)); return 0; }\n',
    );
    const run = (attText: string, intelText: string): string => {
      writeFileSync(join(dir, 'a.s'), attText);
      writeFileSync(join(dir, 'b.s'), intelText);
      const build = spawnSync('gcc', ['-o', join(dir, 'prog'), harness, join(dir, 'a.s'), join(dir, 'b.s')], { encoding: 'utf8' });
      assert.equal(build.status, 0, build.stderr);
      const result = spawnSync(join(dir, 'prog'), { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout;
    };
    const before = run(att, intel);
    const after = run(
      reserveAll(att, [
        ['sum3', 12],
        ['mix', 16],
      ]),
      reserveAll(intel, [['mixi', 16]]),
    );
    assert.equal(before, '6 42 43 7 7\n');
    assert.equal(after, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
