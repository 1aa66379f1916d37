/** Dialect detection: the choice and the reason the user sees. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectSyntax, parseAsm } from '../../server/src/core/syntax/index';

const cases: { name: string; text: string; syntax: string; reason: string }[] = [
  { name: 'GAS Intel directive', text: '\t.file "a.c"\n\t.text\n\t.intel_syntax noprefix\n\tmov rax, rbx\n', syntax: 'intel', reason: 'directive `.intel_syntax noprefix` on line 3' },
  { name: 'objdump header', text: '\na.o:     file format elf64-x86-64\n\n', syntax: 'objdump-att', reason: 'objdump header `file format elf64-x86-64` on line 2' },
  {
    name: 'objdump -M intel',
    text: '\na.o:     file format elf64-x86-64\n\nDisassembly of section .text:\n\n0000000000000000 <f>:\n   0:\t48 89 e5             \tmov    rbp,rsp\n',
    syntax: 'objdump-intel',
    reason: 'objdump header `file format elf64-x86-64` on line 2',
  },
  { name: 'NASM bits', text: 'bits 64\nsection .text\n', syntax: 'nasm', reason: 'NASM `bits 64` on line 1' },
  { name: 'NASM [bits 32]', text: '; boot code\n[bits 32]\n', syntax: 'nasm', reason: 'NASM `[bits 32]` on line 2' },
  { name: 'Compiler Explorer Intel', text: 'main:\n        push    rbp\n        mov     QWORD PTR [rbp-8], rdi\n', syntax: 'intel', reason: 'Intel operands such as `mov QWORD PTR [rbp-8], rdi` (no directives)' },
  { name: 'AT&T registers', text: 'f:\n\tmovq %rsp, %rbp\n', syntax: 'att', reason: 'AT&T operands such as `movq %rsp, %rbp` on line 2' },
  { name: 'bare Intel registers', text: 'f:\n\tpush rbp\n\tret\n', syntax: 'intel', reason: 'Intel operands such as `push rbp` (no directives)' },
  { name: 'NASM sizes without ptr', text: 'f:\n\tmov qword [rsp-8], 1\n', syntax: 'nasm', reason: 'NASM operands such as `mov qword [rsp-8], 1` on line 2' },
  { name: 'nothing to go on', text: 'f:\n\tret\n', syntax: 'att', reason: 'no distinguishing content; GAS AT&T by default' },
  { name: 'empty', text: '', syntax: 'att', reason: 'empty input; GAS AT&T by default' },
];

for (const c of cases) {
  test(`detect: ${c.name}`, () => {
    assert.deepEqual(detectSyntax(c.text), { syntax: c.syntax, reason: c.reason });
  });
}

test('an AT&T file that switches to Intel later stays AT&T at the start', () => {
  const text = '\tmovq %rsp, %rbp\n\t.intel_syntax noprefix\n\tmov rbp, rsp\n\t.att_syntax\n\tpopq %rbp\n';
  const parsed = parseAsm(text);
  assert.equal(parsed.syntax, 'att');
  const insns = parsed.items.flatMap((i) => (i.kind === 'insn' ? [i.insn] : []));
  assert.deepEqual(
    insns.map((i) => [i.mnemonic, i.operands.map((o) => (o.kind === 'reg' ? o.reg : o.kind))]),
    [
      ['mov', ['rbp', 'rsp']],
      ['mov', ['rbp', 'rsp']],
      ['pop', ['rbp']],
    ],
  );
});

test('a forced syntax says so', () => {
  const parsed = parseAsm('\tmov rax, rbx\n', { syntax: 'nasm' });
  assert.equal(parsed.syntax, 'nasm');
  assert.equal(parsed.syntaxReason, 'forced by --syntax');
});
