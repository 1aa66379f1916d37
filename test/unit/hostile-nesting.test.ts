/**
 * Issue 11, item 20: operands nested thousands of parentheses or brackets deep ended in "internal
 * parser error: Maximum call stack size exceeded" and lost the whole file. Generated here in every
 * dialect, at depths from one to 30,000: the parse never fails as a whole, the instructions around
 * the deep one are still read, and an operand too long to read is a problem on its own line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyzeText } from '../../server/src/core/index';
import { parseAsm } from '../../server/src/core/syntax/index';
import { maxOperandText } from '../../server/src/core/syntax/sink';
import type { TextSyntax } from '../../server/src/core/ir';

/** A statement with one operand nested `depth` deep, in a dialect. */
const nestings: readonly { syntax: TextSyntax; header: string; line: (depth: number) => string }[] = [
  { syntax: 'att', header: '', line: (d) => `\tmovq %rax, ${'('.repeat(d)}8${')'.repeat(d)}(%rsp)` },
  { syntax: 'att', header: '', line: (d) => `\tmovq $${'('.repeat(d)}1${')'.repeat(d)}, %rax` },
  { syntax: 'intel', header: '\t.intel_syntax noprefix\n', line: (d) => `\tmov rax, QWORD PTR ${'['.repeat(d)}rsp-8${']'.repeat(d)}` },
  { syntax: 'intel', header: '\t.intel_syntax noprefix\n', line: (d) => `\tmov rax, QWORD PTR ${'[ '.repeat(d)}rsp-8${' ]'.repeat(d)}` },
  { syntax: 'intel', header: '\t.intel_syntax noprefix\n', line: (d) => `\tmov rax, QWORD PTR [rsp+${'('.repeat(d)}8${')'.repeat(d)}]` },
  { syntax: 'nasm', header: 'bits 64\n', line: (d) => `\tmov rax, ${'['.repeat(d)}rsp${']'.repeat(d)}` },
  { syntax: 'nasm', header: 'bits 64\n', line: (d) => `\tmov rax, [rsp+${'('.repeat(d)}8${')'.repeat(d)}]` },
  { syntax: 'objdump-att', header: 'a.o:     file format elf64-x86-64\n\n0000000000000000 <f>:\n', line: (d) => `   0:\t48 89 e5             \tmov    ${'('.repeat(d)}%rsp${')'.repeat(d)},%rbp` },
];

test('operands nested up to 30,000 deep: no internal error, neighbours read, a problem on the line', () => {
  fc.assert(
    fc.property(fc.constantFrom(...nestings), fc.integer({ min: 1, max: 30_000 }), ({ syntax, header, line }, depth) => {
      const deep = line(depth);
      const text = `${header}f:\n\tpushq %rbp\n${deep}\n\tpopq %rbp\n\tret\n`.replace('\tpushq %rbp', syntax === 'att' || syntax === 'objdump-att' ? '\tpushq %rbp' : '\tpush rbp').replace('\tpopq %rbp', syntax === 'att' || syntax === 'objdump-att' ? '\tpopq %rbp' : '\tpop rbp');
      const parsed = parseAsm(text, { syntax });
      const internal = parsed.problems.filter((p) => /internal/.test(p.message));
      assert.deepEqual(internal, [], `depth ${depth}`);
      const read = parsed.items.filter((item) => item.kind === 'insn' && !item.insn.unknown).map((item) => (item.kind === 'insn' ? item.insn.mnemonic : ''));
      if (syntax !== 'objdump-att') assert.ok(['push', 'pop', 'ret'].every((m) => read.includes(m)), `the neighbours of the deep line are read: ${read.join(' ')}`);
      const deepLine = text.split('\n').indexOf(deep);
      const operandLength = deep.length;
      if (operandLength > maxOperandText + 16) assert.ok(parsed.problems.some((p) => p.line === deepLine), `a problem on line ${deepLine + 1} at depth ${depth}`);
      const report = analyzeText(text, { syntax });
      assert.ok(!report.problems.some((p) => /internal/.test(p.message)), report.problems.map((p) => p.message).join('\n'));
    }),
    { numRuns: 40 },
  );
});
