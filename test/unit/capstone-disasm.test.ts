/**
 * The capstone-wasm adapter: known encodings, `.byte` for invalid bytes, instruction boundaries
 * against `objdump -d` on a real executable, windows that split an instruction, and a 5 MiB
 * section after which the module still decodes correctly (the wrapper's stack copy would have
 * corrupted it).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { readElf } from '../../server/src/core/elf/elf';
import { instructionText, type Disassembler } from '../../server/src/core/elf/disassembler';
import { createCapstoneDisassembler } from '../../server/src/host/capstone';
import { fixtures, run } from '../fixtures/elf/build';

let d: Disassembler;
before(async () => {
  d = await createCapstoneDisassembler();
});

const KNOWN = Uint8Array.from([0x48, 0x89, 0x44, 0x24, 0xf8]);

test('decodes mov qword ptr [rsp - 8], rax in 64-bit mode and its 32-bit counterpart', () => {
  assert.deepEqual(d.disassemble(KNOWN, 0x401000, 64).map((i) => [i.address, i.length, instructionText(i)]), [[0x401000, 5, 'mov qword ptr [rsp - 8], rax']]);
  assert.deepEqual(d.disassemble(Uint8Array.from([0x89, 0x44, 0x24, 0xfc, 0xc3]), 0, 32).map(instructionText), ['mov dword ptr [esp - 4], eax', 'ret']);
});

test('invalid bytes become .byte entries and decoding resumes after them', () => {
  // 06 and 07 (push/pop es) do not exist in 64-bit mode; a lone 0f at the end is truncated.
  const code = Uint8Array.from([0x55, 0x06, 0x07, 0x0f, 0x0b, 0x0f]);
  const out = d.disassemble(code, 0, 64);
  assert.deepEqual(out.map((i) => [i.address, i.length, i.mnemonic, i.opStr]), [
    [0, 1, 'push', 'rbp'],
    [1, 1, '.byte', '0x06'],
    [2, 1, '.byte', '0x07'],
    [3, 2, 'ud2', ''],
    [5, 1, '.byte', '0x0f'],
  ]);
  assert.deepEqual(d.disassemble(new Uint8Array(0), 0, 64), []);
});

test('kernel addresses (top bit set) stay exact as negative numbers', () => {
  const base = -0x7f000000; // 0xffffffff81000000
  const out = d.disassemble(Uint8Array.from([0x90, 0xe8, 0, 0, 0, 0]), base, 64);
  assert.deepEqual(out.map((i) => i.address), [base, base + 1]);
  assert.equal(out[1].opStr, '0xffffffff81000006');
});

test('instructions split by the 32 KiB copy window are decoded whole', () => {
  // movabs rax, imm64 is 10 bytes, so window boundaries fall inside instructions.
  const count = 10_000;
  const code = new Uint8Array(count * 10);
  for (let i = 0; i < count; i++) code.set([0x48, 0xb8, i & 0xff, (i >> 8) & 0xff, 0, 0, 0, 0, 0, 0], i * 10);
  const out = d.disassemble(code, 0x1000, 64);
  assert.equal(out.length, count);
  for (let i = 0; i < count; i++) {
    assert.equal(out[i].address, 0x1000 + i * 10);
    assert.equal(out[i].mnemonic, 'movabs');
  }
});

test('instruction boundaries of a real .text match objdump -d', () => {
  const elf = readElf(fixtures().read('dwarf4')).value!;
  const text = elf.sections.find((s) => s.name === '.text')!;
  const ours = d.disassemble(text.data, text.addr, 64).map((i) => i.address.toString(16));
  const theirs = [...run('objdump', ['-d', '-j', '.text', '-M', 'intel', fixtures().files['dwarf4']]).matchAll(/^\s+([0-9a-f]+):\t[0-9a-f ]+\t/gm)].map((m) => m[1]);
  assert.ok(ours.length > 50);
  assert.deepEqual(ours, theirs);
});

test('5 MiB of random bytes decode completely and leave the module working', () => {
  const size = 5 * 1024 * 1024;
  const code = new Uint8Array(size);
  let seed = 12345;
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    code[i] = seed >>> 24;
  }
  const out = d.disassemble(code, 0, 64);
  let covered = 0;
  for (const insn of out) {
    assert.equal(insn.address, covered);
    covered += insn.length;
  }
  assert.equal(covered, size);
  assert.deepEqual(d.disassemble(KNOWN, 0, 64).map(instructionText), ['mov qword ptr [rsp - 8], rax']);
});
