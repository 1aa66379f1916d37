/**
 * Property: whatever the bytes of the input and whatever the arguments, the CLI ends with 0, 1 or
 * 2 and prints no stack trace and no internal error. Each run spawns node, so the number of runs
 * is kept small; fast-check prints the seed of a failure so it can be replayed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { hasStackTrace, runCli, tempDir } from './run-cli';

const tokens = [
  'check', 'explain', 'layout', 'disasm', 'help', '--kernel', '--user', '--abi', 'sysv', 'ms', 'i386', 'win64',
  '--format', 'json', 'sarif', 'text', 'xml', '--jobs', '0', '3', '-1', '--syntax', 'att', 'nasm', 'objdump-att',
  '--kernel-glob', '*.s', '--user-glob', '**', '--compile-commands', 'cc.json', '--no-detect-kernel', '--help',
  '--version', '-h', '-x', '--', '1', '5', '99999', 'red-zone-store', 'input.s', 'input.s', 'input.s', 'missing.s', '.',
];

const asmLines = [
  'leaf:', '.globl leaf', '.type leaf, @function', '.size leaf, .-leaf', 'push %rbp', 'mov %rsp,%rbp',
  'mov %edi,-20(%rbp)', 'mov -20(%rbp),%eax', 'sub $16,%rsp', 'sub %rax,%rsp', 'and $-16,%rsp', 'pushfq', 'call foo',
  'pop %rbp', 'ret', 'jmp leaf', 'movq %rbx,-8(%rsp)', 'mov rax, qword ptr [rsp-8]', '.intel_syntax noprefix',
  'bits 64', 'section .text', '# redzone: kernel', 'cli', 'lock addl $0,-4(%rsp)', '0000000000001139 <f>:',
  '    1139:	55                   	push   %rbp',
];

/** Random bytes, or text built from assembly-like lines and random strings. */
const contents = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.array(fc.oneof(fc.constantFrom(...asmLines), fc.string({ maxLength: 30 })), { maxLength: 40 }).map((lines) => Buffer.from(lines.join('\n'))),
);

const argv = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...tokens) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), {
  maxLength: 8,
});

test('random inputs and arguments never crash the CLI', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'cc.json'), '[{"directory": ".", "file": "input.c", "command": "gcc -mno-red-zone -ffreestanding -c input.c"}]');
  fc.assert(
    fc.property(contents, argv, (bytes, args) => {
      writeFileSync(join(dir, 'input.s'), bytes);
      const result = runCli(args, dir);
      assert.ok(result.status === 0 || result.status === 1 || result.status === 2, `exit ${result.status}: ${result.stderr}`);
      assert.ok(!hasStackTrace(result.stderr), result.stderr);
      assert.ok(!/internal error/.test(result.stderr + result.stdout), result.stderr);
    }),
    { numRuns: 20 },
  );
});

test('every asm-like input is checked without a crash, in each format', () => {
  const dir = tempDir();
  fc.assert(
    fc.property(contents, fc.constantFrom('text', 'json', 'sarif'), fc.boolean(), (bytes, format, kernel) => {
      writeFileSync(join(dir, 'input.s'), bytes);
      const result = runCli(['check', '--format', format, ...(kernel ? ['--kernel'] : []), 'input.s'], dir);
      assert.ok(result.status === 0 || result.status === 1 || result.status === 2, `exit ${result.status}: ${result.stderr}`);
      assert.ok(!hasStackTrace(result.stderr) && !/internal error/.test(result.stderr), result.stderr);
      if (format !== 'text') JSON.parse(result.stdout);
    }),
    { numRuns: 15 },
  );
});
