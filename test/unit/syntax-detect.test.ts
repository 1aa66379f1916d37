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
  // glibc's s_cbrt.S, pthread_spin_lock.S and x32/lseek.S: numeric labels followed by a tab were
  // taken for objdump instruction lines (issue 11, item 10).
  { name: 'glibc numeric data labels', text: '\t.section .rodata\n\t.align ALIGNARG(4)\nf7:\t.double -0.145263899385486377\n\t.text\n2:\tshrl\t$20, %eax\n', syntax: 'att', reason: "AT&T operands such as `2: shrl $20, %eax` on line 5" },
  { name: 'glibc numeric code labels', text: 'ENTRY(__pthread_spin_lock)\n1:\tLOCK\n\tdecl\t0(%rdi)\n', syntax: 'att', reason: 'AT&T operands such as `decl 0(%rdi)` on line 3' },
  { name: 'glibc label in a macro body', text: '#define SYSCALL_ERROR_HANDLER\t\\\n0:\t\t\t\t\\\n\torq $-1, %rax;\t\t\\\n', syntax: 'att', reason: 'AT&T operands such as `orq $-1, %rax` on line 3' },
  { name: 'objdump --no-show-raw-insn', text: '   0:\tpush   %rbp\n   1:\tmov    %rsp,%rbp\n', syntax: 'objdump-att', reason: 'objdump instruction line `0: push %rbp` on line 1' },
  { name: 'objdump of a kernel, long addresses', text: 'ffffffff81000000:\t48 8d 25 51 3f 60 01 \tlea    0x1603f51(%rip),%rsp\n', syntax: 'objdump-att', reason: 'objdump instruction line `ffffffff81000000: 48 8d 25 51 3f 60 01 lea 0x1603f51(%rip),%rsp` on line 1' },
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
